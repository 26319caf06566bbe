package dev.nexus.proxy.testing;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.proxy.ProxyServer;
import dev.nexus.proxy.ProxySettings;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.transport.Transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A proxy on a free loopback port with real clients pointed at it. The default policy allows every
 * destination, loopback included (tests' origins live there); tests of policy pass their own.
 */
public final class ProxyHarness implements AutoCloseable {

    /** Allows everything, including loopback destinations. */
    public static final PolicyDecider ALLOW_ALL = request ->
            new Decision.Allow("test-allow-all", "test policy allows everything", RouteOptions.PASS_THROUGH,
                    address -> true);

    private final ProxyServer server;
    private final RecordingEvents events = new RecordingEvents();
    private final HttpClient client;

    private ProxyHarness(UnaryOperator<ProxySettings.Builder> customise, PolicyDecider policy, Transport transport,
                         int ioThreads) throws InterruptedException {
        ProxySettings settings = customise.apply(ProxySettings.builder()
                .listenAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))).build();
        server = ProxyServer.start(settings, transport, ioThreads, policy, events);
        client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(server.boundAddress()))
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public static ProxyHarness start() throws InterruptedException {
        return start(b -> b, ALLOW_ALL);
    }

    public static ProxyHarness start(UnaryOperator<ProxySettings.Builder> customise, PolicyDecider policy)
            throws InterruptedException {
        return new ProxyHarness(customise, policy, Transport.select("auto"), 1);
    }

    public static ProxyHarness start(UnaryOperator<ProxySettings.Builder> customise, PolicyDecider policy,
                                     Transport transport, int ioThreads) throws InterruptedException {
        return new ProxyHarness(customise, policy, transport, ioThreads);
    }

    public InetSocketAddress address() {
        return server.boundAddress();
    }

    /** {@code http://127.0.0.1:PORT}, for HTTP_PROXY-style settings and {@code curl -x}. */
    public String proxyUrl() {
        return "http://127.0.0.1:" + address().getPort();
    }

    /** A JDK HttpClient whose proxy is this proxy (HTTP/1.1). */
    public HttpClient client() {
        return client;
    }

    public RecordingEvents events() {
        return events;
    }

    public ProxyServer server() {
        return server;
    }

    @Override
    public void close() {
        server.shutdown(Duration.ZERO);
    }
}
