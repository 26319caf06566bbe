package dev.nexus.proxy.identity;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Pbkdf2HashTest {

    private static final int FAST = Pbkdf2Hash.MIN_ITERATIONS;

    @Test
    void encodedHashVerifiesTheSecretAndOnlyIt() {
        String encoded = Pbkdf2Hash.create("s3cret-value".toCharArray(), FAST).encode();

        Pbkdf2Hash parsed = Pbkdf2Hash.parse(encoded);

        assertTrue(encoded.startsWith("pbkdf2-sha256$10000$"), encoded);
        assertEquals(4, encoded.split("\\$").length);
        assertTrue(parsed.matches("s3cret-value".toCharArray()));
        assertFalse(parsed.matches("s3cret-valuf".toCharArray()));
        assertFalse(parsed.matches("".toCharArray()));
        assertFalse(encoded.contains("s3cret-value"));
    }

    @Test
    void eachHashHasItsOwnSalt() {
        assertNotEquals(Pbkdf2Hash.create("same".toCharArray(), FAST).encode(),
                Pbkdf2Hash.create("same".toCharArray(), FAST).encode());
    }

    @Test
    void plainTextIsRefusedWithoutBeingEchoed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pbkdf2Hash.parse("hunter2-plain-secret"));

        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("nexus-proxy agents hash"), e.getMessage());
    }

    @Test
    void damagedHashesNameTheBrokenPart() {
        assertEquals("pbkdf2-sha256 hash: iteration count is not a number",
                assertThrows(IllegalArgumentException.class, () -> Pbkdf2Hash.parse("pbkdf2-sha256$many$AAAA$AAAA")).getMessage());
        assertEquals("pbkdf2-sha256 hash: iteration count must be 10000-10000000, got 5",
                assertThrows(IllegalArgumentException.class, () -> Pbkdf2Hash.parse("pbkdf2-sha256$5$AAAA$AAAA")).getMessage());
        assertEquals("pbkdf2-sha256 hash: salt or hash is not valid base64",
                assertThrows(IllegalArgumentException.class, () -> Pbkdf2Hash.parse("pbkdf2-sha256$10000$!!$AAAA")).getMessage());
    }

    @Test
    void toStringShowsNeitherSaltNorHash() {
        Pbkdf2Hash hash = Pbkdf2Hash.create("x".toCharArray(), FAST);

        assertEquals("pbkdf2-sha256$10000$...", hash.toString());
    }
}
