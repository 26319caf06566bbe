package dev.nexus.proxy.identity;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Agents-file entries with cheap hashes, and the headers an agent would send. */
final class TestAgents {

    static final String BILLING_SECRET = "billing-Secret-7f3a";
    static final String SEARCH_SECRET = "search-Secret-91bc";

    private TestAgents() {
    }

    static AgentsFile billingAndSearch() {
        return AgentsFile.of(Map.of(
                "billing-bot", Pbkdf2Hash.create(BILLING_SECRET.toCharArray(), Pbkdf2Hash.MIN_ITERATIONS),
                "search-bot", Pbkdf2Hash.create(SEARCH_SECRET.toCharArray(), Pbkdf2Hash.MIN_ITERATIONS)));
    }

    static String basic(String agent, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((agent + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    static String bearer(String agent, String secret) {
        return "Bearer " + agent + "." + secret;
    }
}
