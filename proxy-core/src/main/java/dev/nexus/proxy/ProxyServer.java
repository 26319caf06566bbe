package dev.nexus.proxy;

import dev.nexus.proxy.services.TlsComponents;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.settings.RelayWaterMarks;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.exchange.ConnectionTracker;
import dev.nexus.proxy.ingress.ConnectionAdmission;
import dev.nexus.proxy.redact.SecretPatternCache;
import dev.nexus.proxy.ingress.ProxyChannelInitializer;
import dev.nexus.proxy.ingress.TransparentInitializers;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.streams.LiveStreams;
import dev.nexus.proxy.transport.Transport;
import dev.nexus.proxy.upstream.UpstreamPools;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.NetUtil;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The agent-facing listener and everything behind it: binds, serves, and shuts down gracefully
 * (stop accepting, close idle connections, let in-flight requests finish within the drain time,
 * then close the rest).
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProxyServer.class.getName());

    private final EventLoopGroup group;
    private final Channel listener;
    private final List<Channel> transparentHttp;
    private final List<Channel> transparentTls;
    private final UpstreamPools pools;
    private final ConnectionTracker tracker;
    private final LiveStreams streams;
    private final Transport transport;

    private ProxyServer(EventLoopGroup group, Channel listener, List<Channel> transparentHttp, List<Channel> transparentTls,
                        UpstreamPools pools, ConnectionTracker tracker, LiveStreams streams, Transport transport) {
        this.group = group;
        this.listener = listener;
        this.transparentHttp = transparentHttp;
        this.transparentTls = transparentTls;
        this.pools = pools;
        this.tracker = tracker;
        this.streams = streams;
        this.transport = transport;
    }

    /**
     * Binds the listener. {@code ioThreads} 0 means one per core; {@code injector} may be {@code null}
     * when no credential source is configured, {@code tls} when neither interception nor upstream TLS is.
     *
     * @throws InterruptedException if interrupted while binding
     */
    public static ProxyServer start(ProxySettings settings, Transport transport, int ioThreads, PolicyDecider policy,
                                    CredentialInjector injector, TlsComponents tls, AgentServices agents,
                                    ProxyEvents events) throws InterruptedException {
        int threads = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
        EventLoopGroup group = transport.newEventLoopGroup(threads, "nexus-io");
        UpstreamPools pools = new UpstreamPools(settings, transport, tls == null ? null : tls.upstream(), events);
        ConnectionTracker tracker = new ConnectionTracker();
        ConnectionAdmission admission = new ConnectionAdmission(settings.connectionLimits());
        LiveStreams streams = new LiveStreams();
        if (injector != null) {
            injector.onRevoked(streams::revoke); // a withdrawn credential ends the streams still carrying it
        }
        ProxyServices services = new ProxyServices(settings, policy, injector, pools,
                tls == null ? null : tls.interception(), events, tracker, agents, new SecretPatternCache(), streams);
        try {
            Channel listener = bind(group, transport, "proxy listener", settings.listenAddress(), admission,
                    new ProxyChannelInitializer(services));
            LOG.info(() -> "proxy listening on " + listener.localAddress() + " (transport " + transport.name().toLowerCase()
                    + ", " + threads + " I/O threads)");
            ProxySettings.TransparentListener http = settings.transparentHttp();
            List<Channel> transparentHttp = http == null ? List.of() : bindTransparent(group, transport, "HTTP", http,
                    admission, TransparentInitializers.http(services, http.originalPort()));
            ProxySettings.TransparentListener tlsListener = settings.transparentTls();
            List<Channel> transparentTls = tlsListener == null ? List.of() : bindTransparent(group, transport, "TLS",
                    tlsListener, admission, TransparentInitializers.tls(services, tlsListener.originalPort()));
            return new ProxyServer(group, listener, transparentHttp, transparentTls, pools, tracker, streams, transport);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** Binds one channel per address of a transparent listener, all serving the same pipeline. */
    private static List<Channel> bindTransparent(EventLoopGroup group, Transport transport, String kind,
                                                 ProxySettings.TransparentListener settings, ConnectionAdmission admission,
                                                 ChannelInitializer<SocketChannel> initializer) throws InterruptedException {
        List<Channel> channels = new ArrayList<>();
        for (InetSocketAddress address : settings.addresses()) {
            Channel channel = bind(group, transport, "transparent " + kind + " listener", address, admission,
                    initializer);
            channels.add(channel);
            LOG.info("transparent " + kind + " listening on " + channel.localAddress() + " (for port "
                    + settings.originalPort() + ")");
        }
        return List.copyOf(channels);
    }

    /**
     * @throws IllegalStateException naming the listener and the address when the bind fails (port taken,
     *                               address not on this host, e.g. ::1 without IPv6)
     */
    private static Channel bind(EventLoopGroup group, Transport transport, String role, InetSocketAddress address,
                                ConnectionAdmission admission, ChannelInitializer<SocketChannel> initializer)
            throws InterruptedException {
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(admission)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, RelayWaterMarks.RELAY)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(initializer)
                .bind(address).await();
        if (!bound.isSuccess()) {
            throw new IllegalStateException(role + ": cannot bind " + NetUtil.toSocketAddressString(address) + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        return bound.channel();
    }

    /** The transparent HTTP listener's addresses (one per bound address), empty when it is off. */
    public List<InetSocketAddress> transparentHttpAddresses() {
        return localAddresses(transparentHttp);
    }

    /** The transparent TLS listener's addresses (one per bound address), empty when it is off. */
    public List<InetSocketAddress> transparentTlsAddresses() {
        return localAddresses(transparentTls);
    }

    private static List<InetSocketAddress> localAddresses(List<Channel> channels) {
        return channels.stream().map(channel -> (InetSocketAddress) channel.localAddress()).toList();
    }

    /** The open streams and tunnels, for the admin API. */
    public LiveStreams streams() {
        return streams;
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    public Transport transport() {
        return transport;
    }

    public boolean isListening() {
        return listener.isActive();
    }

    /**
     * Stops accepting, lets in-flight exchanges finish for at most {@code drain}, then closes everything.
     * Returns how many connections were still busy when the drain time ran out.
     */
    public int shutdown(Duration drain) {
        listener.close().awaitUninterruptibly();
        for (Channel transparent : transparentHttp) {
            transparent.close().awaitUninterruptibly();
        }
        for (Channel transparent : transparentTls) {
            transparent.close().awaitUninterruptibly();
        }
        tracker.startDraining();
        long deadline = System.nanoTime() + drain.toNanos();
        while (tracker.busyConnections() > 0 && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(20); // a shutdown wait, not test synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int abandoned = tracker.busyConnections();
        tracker.closeAll();
        pools.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        LOG.info(() -> "proxy stopped" + (abandoned > 0 ? "; " + abandoned + " connections cut at the drain deadline" : ""));
        return abandoned;
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
