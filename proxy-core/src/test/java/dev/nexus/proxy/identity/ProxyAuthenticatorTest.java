package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.testing.LogCapture;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxyAuthenticatorTest {

    private final AtomicInteger pbkdf2Runs = new AtomicInteger();
    private final Set<String> verifyingThreads = ConcurrentHashMap.newKeySet();
    private final ProxyAuthenticator.SecretCheck countingCheck = (stored, presented) -> {
        pbkdf2Runs.incrementAndGet();
        verifyingThreads.add(Thread.currentThread().getName());
        return stored.matches(presented);
    };
    private final ProxyAuthenticator authenticator =
            new ProxyAuthenticator(TestAgents.billingAndSearch(), countingCheck, 2, 100, Duration.ofMinutes(5));

    @AfterEach
    void close() {
        authenticator.close();
    }

    private AuthResult verify(String header) throws Exception {
        return authenticator.verify(header).get(10, TimeUnit.SECONDS);
    }

    @Test
    void basicAndBearerCredentialsNameTheAgentAndAreCheckedOffTheCallersThread() throws Exception {
        AuthResult basic = verify(TestAgents.basic("billing-bot", TestAgents.BILLING_SECRET));
        AuthResult bearer = verify(TestAgents.bearer("search-bot", TestAgents.SEARCH_SECRET));

        assertEquals(new AuthResult.Authenticated(new AgentIdentity("billing-bot", AgentIdentity.Method.PROXY_AUTH)), basic);
        assertEquals(new AuthResult.Authenticated(new AgentIdentity("search-bot", AgentIdentity.Method.PROXY_AUTH)), bearer);
        assertFalse(verifyingThreads.contains(Thread.currentThread().getName()));
        assertTrue(verifyingThreads.stream().allMatch(name -> name.startsWith("nexus-proxy-auth-")), verifyingThreads.toString());
    }

    @Test
    void aRepeatedHeaderIsAnsweredFromTheCacheWithoutRunningPbkdf2Again() throws Exception {
        String header = TestAgents.basic("billing-bot", TestAgents.BILLING_SECRET);
        assertInstanceOf(AuthResult.Authenticated.class, verify(header));

        List<CompletableFuture<AuthResult>> repeats = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            repeats.add(authenticator.verify(header));
        }

        for (CompletableFuture<AuthResult> repeat : repeats) {
            assertTrue(repeat.isDone(), "a cached success completes at once, on the caller's thread");
            assertInstanceOf(AuthResult.Authenticated.class, repeat.get());
        }
        assertEquals(1, pbkdf2Runs.get());
    }

    @Test
    void wrongSecretsAreNeverCachedAndUnknownAgentsCostOneRunToo() throws Exception {
        String wrong = TestAgents.basic("billing-bot", "not-the-secret");

        assertEquals(new AuthResult.Challenge(AuthResult.Reason.WRONG_SECRET), verify(wrong));
        assertEquals(new AuthResult.Challenge(AuthResult.Reason.WRONG_SECRET), verify(wrong));
        assertEquals(2, pbkdf2Runs.get());

        assertEquals(new AuthResult.Challenge(AuthResult.Reason.UNKNOWN_AGENT),
                verify(TestAgents.bearer("ghost-bot", TestAgents.BILLING_SECRET)));
        assertEquals(3, pbkdf2Runs.get(), "an unknown agent is checked against a decoy hash, like a known one");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic", "Basic !!!not-base64!!!", "Bearer billing-bot", "Bearer .secret-only",
            "Bearer billing-bot.", "Basic YmlsbGluZy1ib3Q=" /* billing-bot without ':' */})
    void malformedHeadersAreChallengedWithoutAnyPbkdf2Run(String header) throws Exception {
        assertEquals(new AuthResult.Challenge(AuthResult.Reason.MALFORMED), verify(header));
        assertEquals(0, pbkdf2Runs.get());
    }

    @Test
    void missingAndUnsupportedCredentialsAreChallenged() throws Exception {
        assertEquals(new AuthResult.Challenge(AuthResult.Reason.MISSING), verify(null));
        assertEquals(new AuthResult.Challenge(AuthResult.Reason.MISSING), verify("  "));
        assertEquals(new AuthResult.Challenge(AuthResult.Reason.UNSUPPORTED_SCHEME), verify("Digest username=\"billing-bot\""));
        assertEquals(0, pbkdf2Runs.get());
    }

    @Test
    void theChallengeResponseIs407WithBasicAndBearerChallenges() {
        FullHttpResponse response = ProxyAuthChallenge.response(ByteBufAllocator.DEFAULT, false);
        try {
            assertEquals(407, response.status().code());
            assertEquals(List.of("Basic realm=\"nexus-proxy\", charset=\"UTF-8\"", "Bearer realm=\"nexus-proxy\""),
                    response.headers().getAll(HttpHeaderNames.PROXY_AUTHENTICATE));
            String body = response.content().toString(StandardCharsets.UTF_8);
            assertTrue(body.startsWith("{\"error\":\"proxy_authentication_required\""), body);
        } finally {
            response.release();
        }
    }

    @Test
    void aSaturatedVerifierAnswersBusyInsteadOfQueueingWithoutBound() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ProxyAuthenticator.SecretCheck blocking = (stored, presented) -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        };
        try (ProxyAuthenticator slow = new ProxyAuthenticator(TestAgents.billingAndSearch(), blocking, 1, 10,
                Duration.ofMinutes(1))) {
            List<CompletableFuture<AuthResult>> accepted = new ArrayList<>();
            CompletableFuture<AuthResult> last = null;
            for (int i = 0; i < 2000 && (last == null || !last.isDone()); i++) {
                last = slow.verify(TestAgents.basic("billing-bot", "wrong-" + i));
                accepted.add(last);
            }
            assertEquals(new AuthResult.Busy(), last.get());
            assertEquals(1 + ProxyAuthenticator.QUEUED_PER_THREAD + 1, accepted.size(), "one running, 16 queued, then busy");
            release.countDown();
        }
    }

    @Test
    void neitherTheHeaderNorTheSecretAppearsInAnyLog() throws Exception {
        String header = TestAgents.basic("billing-bot", TestAgents.BILLING_SECRET);
        String base64Part = header.substring("Basic ".length());
        try (LogCapture logs = new LogCapture()) {
            verify(header);
            verify(header);
            verify(TestAgents.basic("billing-bot", TestAgents.SEARCH_SECRET));
            verify(TestAgents.bearer("search-bot", TestAgents.BILLING_SECRET));
            verify("Basic " + Base64.getEncoder().encodeToString(TestAgents.BILLING_SECRET.getBytes(StandardCharsets.UTF_8)));

            String text = logs.text();
            assertFalse(text.contains(TestAgents.BILLING_SECRET), text);
            assertFalse(text.contains(TestAgents.SEARCH_SECRET), text);
            assertFalse(text.contains(base64Part), text);
        }
    }

    @Test
    void resultsAndIdentitiesPrintWithoutSecrets() throws Exception {
        AuthResult result = verify(TestAgents.basic("billing-bot", TestAgents.BILLING_SECRET));

        assertEquals("Authenticated[identity=agent billing-bot (proxy_auth)]", result.toString());
    }
}
