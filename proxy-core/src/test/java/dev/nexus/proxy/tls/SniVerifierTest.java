package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nexus.proxy.tls.SniVerifier.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SniVerifierTest {

    @ParameterizedTest(name = "CONNECT {0}, SNI {1} -> {2}")
    @CsvSource(nullValues = "NONE", value = {
        "api.example.com,        api.example.com,      MATCH",
        "API.Example.com,        api.example.COM,      MATCH",
        "api.example.com.,       api.example.com,      MATCH",
        "api.example.com,        api.example.com.,     MATCH",
        "127.0.0.1,              NONE,                 NO_SNI_IP_LITERAL",
        "[::1],                  NONE,                 NO_SNI_IP_LITERAL",
        "2001:db8::1,            '',                   NO_SNI_IP_LITERAL",
        "api.example.com,        NONE,                 NO_SNI_NAME",
        "api.example.com,        evil.example.com,     MISMATCH",
        "api.example.com,        sub.api.example.com,  MISMATCH",
        "127.0.0.1,              api.example.com,      MISMATCH",
    })
    void decidesByTheDocumentedRule(String connectHost, String sni, Verdict expected) {
        assertEquals(expected, SniVerifier.verify(connectHost, sni));
    }

    @ParameterizedTest
    @CsvSource({"MATCH, true", "NO_SNI_IP_LITERAL, true", "NO_SNI_NAME, true", "MISMATCH, false"})
    void onlyMismatchIsRefused(Verdict verdict, boolean accepted) {
        assertEquals(accepted, verdict.accepted());
    }
}
