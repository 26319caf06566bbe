package dev.nexus.policy.match;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static dev.nexus.policy.Policies.compile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hot path allocates nothing for already-normal hosts and paths. */
class DecideAllocationTest {

    @Test
    void decideDoesNotAllocateForNormalRequests() {
        CompiledPolicy policy = compile("""
                version: 1
                routes:
                  - name: exact
                    match: {hosts: [api.github.com], paths: ["/repos/*/issues", /user], agents: ["bot-*"]}
                    action: inject
                    connection: gh
                  - name: wildcard
                    match: {hosts: ["*.s3.amazonaws.com"], methods: [GET, PUT]}
                    action: allow
                """);
        PolicyRequest[] requests = {
                new PolicyRequest("bot-1", "https", "api.github.com", 443, "GET", "/repos/x/issues"),
                new PolicyRequest("bot-1", "https", "b.s3.amazonaws.com", 443, "PUT", "/key"),
                new PolicyRequest("bot-1", "https", "unknown.example", 443, "GET", "/"),
                new PolicyRequest("other", "https", "api.github.com", 443, "GET", "/user"),
        };
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported());
        int decided = 0;
        for (int i = 0; i < 20_000; i++) {
            decided += policy.decide(requests[i & 3]).reason().length() > 0 ? 1 : 0;
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            decided += policy.decide(requests[i & 3]).reason().length() > 0 ? 1 : 0;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(120_000, decided);
        assertTrue(allocated < 100_000, "100,000 decisions allocated " + allocated + " bytes");
    }
}
