package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The leaf context cache on its own: sharing, normalisation, failures, metrics; over both providers. */
class InterceptionContextsTest {

    private static final String PROVIDERS = "dev.nexus.proxy.tls.TlsTestSupport#providers";

    @TempDir
    static Path dir;
    static CertificateAuthority ca;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private InterceptionContexts contexts;

    @BeforeAll
    static void createCa() {
        ca = TlsTestSupport.newCa(dir);
    }

    @AfterEach
    void close() {
        contexts.close();
    }

    private InterceptionContexts contexts(TlsProvider.Preference provider, InterceptionSettings settings) {
        contexts = new InterceptionContexts(ca, TlsProvider.choose(provider), settings, registry);
        return contexts;
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void concurrentFirstRequestsForOneHostShareOneMint(TlsProvider.Preference provider) throws Exception {
        InterceptionContexts cache = contexts(provider, InterceptionSettings.defaults());
        int callers = 16;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            List<CompletableFuture<CompletableFuture<SslContext>>> calls = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(start);
                    return cache.serverContextFor("shared.example.test");
                }, threads));
            }
            start.countDown();

            SslContext first = calls.get(0).get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
            for (CompletableFuture<CompletableFuture<SslContext>> call : calls) {
                assertSame(first, call.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(1, cache.mintCount());
        assertEquals(callers - 1, cache.hitCount());
        assertEquals(1, Metrics.histogramCount(registry, "nexus_tls_leaf_mint_seconds"));
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void spellingsOfOneHostShareAnEntryAndOtherHostsDoNot(TlsProvider.Preference provider) throws Exception {
        InterceptionContexts cache = contexts(provider, InterceptionSettings.defaults());

        SslContext ipv6 = cache.serverContextFor("[::1]").get(10, TimeUnit.SECONDS);
        SslContext ipv6Bare = cache.serverContextFor("::1").get(10, TimeUnit.SECONDS);
        SslContext name = cache.serverContextFor("Api.Example.Test.").get(10, TimeUnit.SECONDS);
        SslContext other = cache.serverContextFor("other.example.test").get(10, TimeUnit.SECONDS);

        assertSame(ipv6, ipv6Bare);
        assertSame(name, cache.serverContextFor("api.example.test").get(10, TimeUnit.SECONDS));
        assertNotSame(name, other);
        assertEquals(3, cache.mintCount());
        assertEquals(2, cache.hitCount());
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void mintingHappensOffTheCallingThread(TlsProvider.Preference provider) throws Exception {
        InterceptionSettings rsa = new InterceptionSettings(LeafKeyType.RSA_2048, Duration.ofHours(24), 100, 1,
                Duration.ofSeconds(10));
        InterceptionContexts cache = contexts(provider, rsa);

        CompletableFuture<SslContext> pending = cache.serverContextFor("rsa.example.test");

        // RSA key generation takes tens of milliseconds at least; the call returned long before that.
        assertFalse(pending.isDone(), "the caller (an event loop in production) must not wait for the mint");
        assertTrue(pending.get(30, TimeUnit.SECONDS).isServer());
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void hostThatCannotBeNamedInACertificateFailsWithoutMinting(TlsProvider.Preference provider) {
        InterceptionContexts cache = contexts(provider, InterceptionSettings.defaults());

        CompletableFuture<SslContext> unicode = cache.serverContextFor("bücher.example.test");
        CompletableFuture<SslContext> emptyLabel = cache.serverContextFor("api..example.test");

        ExecutionException e = assertThrows(ExecutionException.class, () -> unicode.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("'bücher.example.test'"), e.getCause().getMessage());
        assertTrue(emptyLabel.isCompletedExceptionally());
        assertEquals(0, cache.mintCount());
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void afterCloseNewHostsFailInsteadOfHanging(TlsProvider.Preference provider) {
        InterceptionContexts cache = contexts(provider, InterceptionSettings.defaults());
        cache.close();

        CompletableFuture<SslContext> refused = cache.serverContextFor("late.example.test");

        assertTrue(refused.isCompletedExceptionally());
    }

    @org.junit.jupiter.api.Test
    void cacheDropsContextsWellBeforeTheirLeafExpires() {
        assertEquals(Duration.ofHours(23), InterceptionSettings.defaults().cacheLifetime());
        InterceptionSettings short20m = new InterceptionSettings(LeafKeyType.ECDSA_P256, Duration.ofMinutes(20), 10, 1,
                Duration.ofSeconds(10));
        assertEquals(Duration.ofMinutes(15), short20m.cacheLifetime());
        contexts = contexts(TlsProvider.Preference.JDK, InterceptionSettings.defaults());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
