package dev.nexus.proxy;

import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.ingress.ConnectionTracker;
import dev.nexus.proxy.ingress.ProxyChannelInitializer;
import dev.nexus.proxy.ingress.TransparentInitializers;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.transport.Transport;
import dev.nexus.proxy.upstream.UpstreamPools;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The agent-facing listener and everything behind it: binds, serves, and shuts down gracefully
 * (stop accepting, close idle connections, let in-flight requests finish within the drain time,
 * then close the rest).
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProxyServer.class.getName());

    /**
     * When a relayed connection counts as full. Netty's 32/64 KiB default is about one read, so a bulk
     * transfer would pause and resume its source on nearly every read; at most 512 KiB is queued per
     * connection before the other side stops reading.
     */
    public static final WriteBufferWaterMark RELAY_WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);

    private final EventLoopGroup group;
    private final Channel listener;
    private final Channel transparentHttp;
    private final Channel transparentTls;
    private final UpstreamPools pools;
    private final ConnectionTracker tracker;
    private final Transport transport;

    private ProxyServer(EventLoopGroup group, Channel listener, Channel transparentHttp, Channel transparentTls,
                        UpstreamPools pools, ConnectionTracker tracker, Transport transport) {
        this.group = group;
        this.listener = listener;
        this.transparentHttp = transparentHttp;
        this.transparentTls = transparentTls;
        this.pools = pools;
        this.tracker = tracker;
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
        ProxyServices services = new ProxyServices(settings, policy, injector, pools,
                tls == null ? null : tls.interception(), events, tracker, agents);
        try {
            Channel listener = bind(group, transport, settings.listenAddress(), new ProxyChannelInitializer(services));
            LOG.info(() -> "proxy listening on " + listener.localAddress() + " (transport " + transport.name().toLowerCase()
                    + ", " + threads + " I/O threads)");
            Channel transparentHttp = null;
            Channel transparentTls = null;
            if (settings.transparentHttp() != null) {
                ProxySettings.TransparentListener http = settings.transparentHttp();
                transparentHttp = bind(group, transport, http.address(),
                        TransparentInitializers.http(services, http.originalPort()));
                LOG.info("transparent HTTP listening on " + transparentHttp.localAddress() + " (for port "
                        + http.originalPort() + ")");
            }
            if (settings.transparentTls() != null) {
                ProxySettings.TransparentListener tlsListener = settings.transparentTls();
                transparentTls = bind(group, transport, tlsListener.address(),
                        TransparentInitializers.tls(services, tlsListener.originalPort()));
                LOG.info("transparent TLS listening on " + transparentTls.localAddress() + " (for port "
                        + tlsListener.originalPort() + ")");
            }
            return new ProxyServer(group, listener, transparentHttp, transparentTls, pools, tracker, transport);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    private static Channel bind(EventLoopGroup group, Transport transport, InetSocketAddress address,
                                ChannelInitializer<SocketChannel> initializer) throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, RELAY_WATER_MARK)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(initializer)
                .bind(address).sync().channel();
    }

    /** The transparent HTTP listener's address, or {@code null} when it is off. */
    public InetSocketAddress transparentHttpAddress() {
        return transparentHttp == null ? null : (InetSocketAddress) transparentHttp.localAddress();
    }

    /** The transparent TLS listener's address, or {@code null} when it is off. */
    public InetSocketAddress transparentTlsAddress() {
        return transparentTls == null ? null : (InetSocketAddress) transparentTls.localAddress();
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
        if (transparentHttp != null) {
            transparentHttp.close().awaitUninterruptibly();
        }
        if (transparentTls != null) {
            transparentTls.close().awaitUninterruptibly();
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
