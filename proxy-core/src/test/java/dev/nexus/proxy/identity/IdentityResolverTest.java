package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.nexus.proxy.exchange.AgentIdentity.Method.ANONYMOUS;
import static dev.nexus.proxy.exchange.AgentIdentity.Method.MTLS;
import static dev.nexus.proxy.exchange.AgentIdentity.Method.PROXY_AUTH;
import static dev.nexus.proxy.exchange.AgentIdentity.Method.SOURCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IdentityResolverTest {

    private static final InetAddress SIDECAR = InetAddress.getLoopbackAddress();
    private static final InetAddress ELSEWHERE;

    static {
        try {
            ELSEWHERE = InetAddress.getByName("127.0.0.9");
        } catch (java.net.UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ProxyAuthenticator proxyAuth =
            new ProxyAuthenticator(TestAgents.billingAndSearch(), 1, 10, Duration.ofMinutes(1));
    private final SourceIdentities sources;

    IdentityResolverTest() throws Exception {
        sources = SourceIdentities.parse(Map.of(SIDECAR.getHostAddress(), "sidecar-agent"));
    }

    @AfterEach
    void close() {
        proxyAuth.close();
    }

    private IdentityResolver.Resolution resolve(List<AgentIdentity.Method> order, InetAddress client, String header)
            throws Exception {
        return new IdentityResolver(order, proxyAuth, sources).resolve(client, null, header).get(10, TimeUnit.SECONDS);
    }

    private static IdentityResolver.Identified identified(String name, AgentIdentity.Method method) {
        return new IdentityResolver.Identified(new AgentIdentity(name, method));
    }

    @Test
    void theFirstMethodThatNamesTheAgentWins() throws Exception {
        String billing = TestAgents.basic("billing-bot", TestAgents.BILLING_SECRET);

        assertEquals(identified("sidecar-agent", SOURCE), resolve(List.of(SOURCE, PROXY_AUTH), SIDECAR, billing));
        assertEquals(identified("billing-bot", PROXY_AUTH), resolve(List.of(PROXY_AUTH, SOURCE), SIDECAR, billing));
        assertEquals(identified("billing-bot", PROXY_AUTH), resolve(List.of(SOURCE, PROXY_AUTH), ELSEWHERE, billing));
    }

    @Test
    void wrongCredentialsAre407EvenWhenAnonymousFollows() throws Exception {
        assertEquals(new IdentityResolver.ProxyAuthRequired(AuthResult.Reason.WRONG_SECRET),
                resolve(List.of(PROXY_AUTH, ANONYMOUS), ELSEWHERE, TestAgents.basic("billing-bot", "guess")));
    }

    @Test
    void withoutCredentialsAnonymousAppliesOnlyWhenConfigured() throws Exception {
        assertEquals(new IdentityResolver.Identified(AgentIdentity.ANONYMOUS), resolve(List.of(PROXY_AUTH, ANONYMOUS), ELSEWHERE, null));
        assertEquals(new IdentityResolver.ProxyAuthRequired(AuthResult.Reason.MISSING), resolve(List.of(SOURCE, PROXY_AUTH), ELSEWHERE, null));
        assertEquals(new IdentityResolver.Unidentified(), resolve(List.of(MTLS, SOURCE), ELSEWHERE, null));
    }

    @Test
    void misconfiguredChainsAreRefused() {
        assertEquals("identity method proxy_auth needs an agents file", assertThrows(IllegalArgumentException.class,
                () -> new IdentityResolver(List.of(PROXY_AUTH), null, null)).getMessage());
        assertEquals("identity methods must be a non-empty list without duplicates, got [SOURCE, SOURCE]",
                assertThrows(IllegalArgumentException.class,
                        () -> new IdentityResolver(List.of(SOURCE, SOURCE), null, sources)).getMessage());
    }
}
