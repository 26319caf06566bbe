package dev.nexus.proxy.identity;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A stored agent secret: PBKDF2-HMAC-SHA256 with its own salt and iteration count, written as one
 * self-describing string {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>} so the cost
 * can be raised later without invalidating existing entries. The plain secret is never stored.
 */
public final class Pbkdf2Hash {

    /** The prefix of every encoded hash. */
    static final String SCHEME = "pbkdf2-sha256";
    /** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. */
    static final int DEFAULT_ITERATIONS = 310_000;
    static final int MIN_ITERATIONS = 10_000;
    private static final int MAX_ITERATIONS = 10_000_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private Pbkdf2Hash(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** Hashes {@code secret} with a fresh random salt. */
    public static Pbkdf2Hash create(char[] secret, int iterations) {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be " + MIN_ITERATIONS + "-" + MAX_ITERATIONS
                    + ", got " + iterations);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new Pbkdf2Hash(iterations, salt, derive(secret, salt, iterations, HASH_BYTES));
    }

    /**
     * Parses an encoded hash. The message of the exception describes the expected form and never
     * repeats the input, which might be a plain-text secret pasted by mistake.
     */
    public static Pbkdf2Hash parse(String encoded) {
        String[] parts = encoded.split("\\$", -1);
        if (parts.length != 4 || !parts[0].equals(SCHEME)) {
            throw new IllegalArgumentException("not a " + SCHEME + " hash (expected " + SCHEME
                    + "$<iterations>$<salt base64>$<hash base64>, as printed by 'nexus-proxy agents hash')");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SCHEME + " hash: iteration count is not a number");
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException(SCHEME + " hash: iteration count must be " + MIN_ITERATIONS + "-"
                    + MAX_ITERATIONS + ", got " + iterations);
        }
        byte[] salt;
        byte[] hash;
        try {
            salt = Base64.getDecoder().decode(parts[2]);
            hash = Base64.getDecoder().decode(parts[3]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SCHEME + " hash: salt or hash is not valid base64");
        }
        if (salt.length < 8 || hash.length < 16) {
            throw new IllegalArgumentException(SCHEME + " hash: salt (at least 8 bytes) or hash (at least 16 bytes) too short");
        }
        return new Pbkdf2Hash(iterations, salt, hash);
    }

    /** Whether {@code secret} produces this hash; the comparison takes the same time wherever the bytes differ. */
    boolean matches(char[] secret) {
        return MessageDigest.isEqual(hash, derive(secret, salt, iterations, hash.length));
    }

    int iterations() {
        return iterations;
    }

    /** The self-describing string form, for the agents file. */
    public String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    private static byte[] derive(char[] secret, byte[] salt, int iterations, int length) {
        PBEKeySpec spec = new PBEKeySpec(secret, salt, iterations, length * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** Salt and hash are not secret in themselves, but there is no reason to print them. */
    @Override
    public String toString() {
        return SCHEME + "$" + iterations + "$...";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Pbkdf2Hash that && iterations == that.iterations
                && Arrays.equals(salt, that.salt) && Arrays.equals(hash, that.hash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash);
    }
}
