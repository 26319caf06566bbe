package dev.nexus.proxy.credentials.redis;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * AES-256-GCM for lease records in Redis, with key ids so keys can be rotated without a flag day:
 * records are always written with the active key, and read with whichever configured key their
 * id names. Rotation: add the new key, make it active on every replica, drop the old key once
 * every record written with it has expired (at most the longest lease lifetime).
 *
 * <p>Record layout (one "envelope", version 1):
 * <pre>
 *   byte     format version (1)
 *   byte     key id length n (1..255)
 *   n bytes  key id (UTF-8)
 *   12 bytes random IV
 *   rest     ciphertext followed by the 128-bit GCM tag
 * </pre>
 * The associated data authenticated with the ciphertext is the envelope header (version and key
 * id) followed by the caller's context, the Redis key: a record copied under another connection's
 * key, or relabelled with another key id, fails authentication instead of decrypting.
 *
 * <p>Thread-safe. {@link #toString()} names key ids only; no method ever puts key bytes in a message.
 */
public final class LeaseCipher {

    private static final byte FORMAT_VERSION = 1;
    private static final int KEY_BYTES = 32;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String activeKeyId;
    private final byte[] activeHeader;
    private final Map<String, SecretKeySpec> keysById;

    private LeaseCipher(String activeKeyId, Map<String, SecretKeySpec> keysById) {
        this.activeKeyId = activeKeyId;
        this.activeHeader = header(activeKeyId);
        this.keysById = Map.copyOf(keysById);
    }

    /**
     * Builds a cipher from base64-encoded 32-byte keys (e.g. {@code openssl rand -base64 32}).
     *
     * @param activeKeyId     the id new records are written with; must be one of {@code base64KeysById}
     * @param base64KeysById  every key this replica may read, by id (the active one and older ones)
     * @throws IllegalArgumentException naming the key id that is wrong and why, never its value
     */
    public static LeaseCipher fromBase64(String activeKeyId, Map<String, String> base64KeysById) {
        Objects.requireNonNull(base64KeysById, "base64KeysById");
        Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
        base64KeysById.forEach((id, encoded) -> {
            byte[] raw = decodeKey(checkedKeyId(id), encoded);
            keys.put(id, new SecretKeySpec(raw, "AES"));
            Arrays.fill(raw, (byte) 0); // SecretKeySpec keeps its own copy
        });
        if (activeKeyId == null || !keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("active encryption key id '" + activeKeyId
                    + "' is not among the configured key ids " + keys.keySet());
        }
        return new LeaseCipher(activeKeyId, keys);
    }

    /** The id new records are written with. */
    public String activeKeyId() {
        return activeKeyId;
    }

    /** Every key id this cipher can read. */
    public Set<String> keyIds() {
        return keysById.keySet();
    }

    /** Encrypts {@code plaintext} with the active key, bound to {@code context} (the Redis key). */
    byte[] seal(byte[] plaintext, byte[] context) {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, keysById.get(activeKeyId), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(activeHeader);
            cipher.updateAAD(context);
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(activeHeader.length + IV_BYTES + sealed.length)
                    .put(activeHeader).put(iv).put(sealed).array();
        } catch (GeneralSecurityException e) {
            // Only a JDK without AES-GCM gets here; the cause names the algorithm, not data.
            throw new IllegalStateException("AES-GCM encryption is not available in this JVM", e);
        }
    }

    /**
     * Decrypts a record written by {@link #seal} (by this replica or another sharing the key).
     *
     * @throws UnreadableRecordException with the reason (unknown key id, failed authentication,
     *                                   unsupported or truncated record)
     */
    byte[] open(byte[] record, byte[] context) throws UnreadableRecordException {
        if (record.length < 2) {
            throw new UnreadableRecordException("truncated record");
        }
        if (record[0] != FORMAT_VERSION) {
            throw new UnreadableRecordException("unsupported record format " + record[0]);
        }
        int idLength = record[1] & 0xff;
        int headerLength = 2 + idLength;
        if (idLength == 0 || record.length < headerLength + IV_BYTES + TAG_BITS / 8) {
            throw new UnreadableRecordException("truncated record");
        }
        String keyId = new String(record, 2, idLength, StandardCharsets.UTF_8);
        SecretKeySpec key = keysById.get(keyId);
        if (key == null) {
            throw new UnreadableRecordException("written with unknown encryption key id '" + keyId + "'");
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, record, headerLength, IV_BYTES));
            cipher.updateAAD(record, 0, headerLength);
            cipher.updateAAD(context);
            int bodyOffset = headerLength + IV_BYTES;
            return cipher.doFinal(record, bodyOffset, record.length - bodyOffset);
        } catch (AEADBadTagException e) {
            throw new UnreadableRecordException("authentication failed with key id '" + keyId
                    + "' (record tampered with, stored under another key, or a different key with the same id)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "LeaseCipher[active=" + activeKeyId + ", keys=" + keysById.keySet() + "]";
    }

    private static String checkedKeyId(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("encryption key id must not be blank");
        }
        int length = id.getBytes(StandardCharsets.UTF_8).length;
        if (length > 255) {
            throw new IllegalArgumentException("encryption key id '" + id + "' is longer than 255 bytes");
        }
        return id;
    }

    private static byte[] decodeKey(String id, String encoded) {
        if (encoded == null || encoded.isBlank()) {
            throw new IllegalArgumentException("encryption key '" + id + "' is empty");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(encoded.strip());
        } catch (IllegalArgumentException e) {
            // The decoder's message quotes the offending character of the key: never pass it on.
            throw new IllegalArgumentException("encryption key '" + id + "' is not valid base64");
        }
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("encryption key '" + id + "' must be " + KEY_BYTES
                    + " bytes (AES-256) after base64 decoding, but is " + key.length + " bytes");
        }
        return key;
    }

    private static byte[] header(String keyId) {
        byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + id.length).put(FORMAT_VERSION).put((byte) id.length).put(id).array();
    }
}
