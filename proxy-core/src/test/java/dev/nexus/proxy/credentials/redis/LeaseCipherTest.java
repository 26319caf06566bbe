package dev.nexus.proxy.credentials.redis;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseCipherTest {

    private static final byte[] CONTEXT = "nexus:lease:conn-1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PLAINTEXT = "{\"api_key\":\"sk-live-123\"}".getBytes(StandardCharsets.UTF_8);

    private final String key1 = TestLeases.base64Key();
    private final String key2 = TestLeases.base64Key();

    @Test
    void sealedRecordOpensWithTheSameKeyAndContextAndHidesThePlaintext() throws Exception {
        LeaseCipher cipher = TestLeases.cipher("k1", key1);

        byte[] record = cipher.seal(PLAINTEXT, CONTEXT);

        assertFalse(new String(record, StandardCharsets.ISO_8859_1).contains("sk-live-123"));
        assertArrayEquals(PLAINTEXT, cipher.open(record, CONTEXT));
    }

    @Test
    void sameLeaseSealedTwiceGivesDifferentRecords() {
        LeaseCipher cipher = TestLeases.cipher("k1", key1);

        assertFalse(java.util.Arrays.equals(cipher.seal(PLAINTEXT, CONTEXT), cipher.seal(PLAINTEXT, CONTEXT)),
                "a fresh random IV per record");
    }

    @Test
    void recordMovedToAnotherRedisKeyDoesNotOpen() {
        LeaseCipher cipher = TestLeases.cipher("k1", key1);
        byte[] record = cipher.seal(PLAINTEXT, CONTEXT);

        UnreadableRecordException e = assertThrows(UnreadableRecordException.class,
                () -> cipher.open(record, "nexus:lease:conn-2".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
    }

    @Test
    void anyFlippedByteMakesTheRecordUnreadable() {
        LeaseCipher cipher = TestLeases.cipher("k1", key1);
        byte[] record = cipher.seal(PLAINTEXT, CONTEXT);

        for (int i = 0; i < record.length; i++) {
            byte[] tampered = record.clone();
            tampered[i] ^= 0x01;
            assertThrows(UnreadableRecordException.class, () -> cipher.open(tampered, CONTEXT), "byte " + i);
        }
    }

    @Test
    void differentKeyUnderTheSameIdIsRejected() {
        byte[] record = TestLeases.cipher("k1", key1).seal(PLAINTEXT, CONTEXT);

        assertThrows(UnreadableRecordException.class, () -> TestLeases.cipher("k1", key2).open(record, CONTEXT));
    }

    @Test
    void unknownKeyIdIsNamedInTheReason() {
        byte[] record = TestLeases.cipher("k1", key1).seal(PLAINTEXT, CONTEXT);

        UnreadableRecordException e = assertThrows(UnreadableRecordException.class,
                () -> TestLeases.cipher("k2", key2).open(record, CONTEXT));
        assertEquals("written with unknown encryption key id 'k1'", e.getMessage());
    }

    @Test
    void rotationWritesWithTheActiveKeyAndStillReadsOlderRecords() throws Exception {
        byte[] oldRecord = TestLeases.cipher("k1", key1).seal(PLAINTEXT, CONTEXT);
        LeaseCipher rotated = LeaseCipher.fromBase64("k2", Map.of("k1", key1, "k2", key2));

        assertArrayEquals(PLAINTEXT, rotated.open(oldRecord, CONTEXT));
        byte[] newRecord = rotated.seal(PLAINTEXT, CONTEXT);
        assertThrows(UnreadableRecordException.class, () -> TestLeases.cipher("k1", key1).open(newRecord, CONTEXT),
                "new records are written with k2, which the old configuration cannot read");
        assertArrayEquals(PLAINTEXT, TestLeases.cipher("k2", key2).open(newRecord, CONTEXT));
    }

    @Test
    void truncatedOrForeignRecordsAreUnreadable() {
        LeaseCipher cipher = TestLeases.cipher("k1", key1);

        assertEquals("truncated record",
                assertThrows(UnreadableRecordException.class, () -> cipher.open(new byte[]{1}, CONTEXT)).getMessage());
        assertEquals("unsupported record format 123", assertThrows(UnreadableRecordException.class,
                () -> cipher.open("{\"plain\":\"json\"}".getBytes(StandardCharsets.UTF_8), CONTEXT)).getMessage());
    }

    @Test
    void keysOfTheWrongLengthAreRejectedWithoutShowingThem() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TestLeases.cipher("k1", shortKey));

        assertEquals("encryption key 'k1' must be 32 bytes (AES-256) after base64 decoding, but is 16 bytes", e.getMessage());
    }

    @Test
    void keysThatAreNotBase64AreRejectedWithoutShowingThem() {
        String notBase64 = "this-is-not-base64-but-it-is-secret!";

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TestLeases.cipher("k1", notBase64));

        assertEquals("encryption key 'k1' is not valid base64", e.getMessage());
        assertNull(e.getCause(), "the decoder's message quotes key characters, so it is not chained");
    }

    @Test
    void activeKeyIdMustBeConfigured() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LeaseCipher.fromBase64("k3", Map.of("k1", key1)));

        assertEquals("active encryption key id 'k3' is not among the configured key ids [k1]", e.getMessage());
    }

    @Test
    void toStringNamesKeyIdsOnly() {
        LeaseCipher cipher = LeaseCipher.fromBase64("k2", Map.of("k1", key1, "k2", key2));

        String text = cipher.toString();

        assertTrue(text.contains("active=k2"), text);
        assertFalse(text.contains(key1) || text.contains(key2), "toString shows a key");
    }
}
