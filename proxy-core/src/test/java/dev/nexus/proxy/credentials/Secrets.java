package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Reply;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The secret values of the end-to-end credential tests. Every credential value and the Authority API key
 * carry {@link #MARKER}, so one search over logs and agent-visible responses finds any of them.
 */
final class Secrets {

    static final String MARKER = "s3cr3t";
    static final String API_KEY_HEADER = "X-API-Key";
    static final String API_KEY = MARKER + "-authority-api-key";

    private Secrets() {
    }

    /** The credential value the Authority hands out for {@code connection} at refresh generation {@code generation}. */
    static String credential(String connection, int generation) {
        return MARKER + "-" + connection + "-g" + generation;
    }

    /** What the origin receives for that credential (the header strategy of {@link Reply#apiKey}). */
    static String authorization(String connection, int generation) {
        return "Bearer " + credential(connection, generation);
    }

    /** A header-strategy token answer for the generation, expiring at {@code expiresAt}. */
    static Reply token(String connection, int generation, Instant expiresAt) {
        return Reply.apiKey(credential(connection, generation), expiresAt);
    }

    /** Makes {@code authority} answer every token request for {@code connection} with a fresh ten-minute token. */
    static void grantTokens(TestAuthority authority, String connection) {
        authority.respond(connection, generation -> token(connection, generation, Instant.now().plusSeconds(600)));
    }

    /** A fresh lease-encryption key (id {@code k1}), for the replicas of one test to share. */
    static LeaseCipher leaseCipher() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return LeaseCipher.fromBase64("k1", Map.of("k1", Base64.getEncoder().encodeToString(key)));
    }

    /** Fails naming the first place a secret shows up: logs and agent-visible responses must never hold one. */
    static void assertNoneIn(String logs, Collection<String> agentSaw) {
        assertThat(logs).as("java.util.logging output").doesNotContain(MARKER);
        for (String response : agentSaw) {
            assertThat(response).as("a response the agent received").doesNotContain(MARKER);
        }
    }
}
