package dev.nexus.proxy.upstream;

import io.netty.util.concurrent.Future;

import java.net.InetAddress;
import java.util.function.Predicate;

/**
 * Where an exchange gets its upstream connection: {@link UpstreamPool} for HTTP/1.1 agents (HTTP/1.1 to the
 * origin), {@link UpstreamPool#forHttp2Agents()} for HTTP/2 agents (a stream of a multiplexed HTTP/2 connection
 * when the origin speaks HTTP/2, else HTTP/1.1). Either way the connection's channel carries Netty's HTTP
 * objects, so the exchange does not know which protocol the origin speaks.
 */
public interface HttpUpstreams {

    /**
     * A connection to the origin whose address {@code permitted} accepts. Completes on the caller's event loop;
     * fails with an {@link UpstreamFailure}.
     */
    Future<UpstreamConnection> acquire(UpstreamKey key, Predicate<InetAddress> permitted);

    /**
     * A place in the origin's upload share ({@link UploadShare}), for a request whose body is still arriving, taken
     * before {@link #acquire}. Completes on the caller's event loop.
     */
    Future<UploadClaim> claimUploadPlace(UpstreamKey key);
}
