package dev.nexus.proxy.relay;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.streams.LiveStream;
import dev.nexus.proxy.streams.LiveStreams;
import dev.nexus.proxy.streams.Registration;
import dev.nexus.proxy.streams.StreamDeadline;
import dev.nexus.proxy.streams.StreamEnd;
import dev.nexus.proxy.streams.StreamInfo;
import dev.nexus.proxy.streams.StreamKind;
import io.netty.channel.EventLoop;

import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One exchange of an {@code inject} route as an open stream in {@link LiveStreams}: registered once its
 * credentials are applied (so a long poll waiting for its response counts), closed when the exchange ends, and
 * after a 101 it follows the WebSocket relay until that ends. Ending it from outside writes one audit record
 * ({@code revoked_during_stream}, or {@code stream_ended} for a route limit) and hands over to whoever carries
 * the bytes at that moment: the {@link ForwardExchange} (an answer or a cut), or the {@link WebSocketEnding}.
 */
final class LiveExchange implements LiveStream {

    private final EventLoop loop;
    private final Consumer<AuditEvent.Builder> audit;
    private final Registration registration;
    /** Ends the stream; answers whether it did (an exchange may leave a revocation to its own refresh). */
    private Predicate<StreamEnd> ending;
    private boolean closed;

    private LiveExchange(EventLoop loop, Consumer<AuditEvent.Builder> audit, Predicate<StreamEnd> ending,
                         LiveStreams streams, StreamInfo info, StreamDeadline deadline) {
        this.loop = loop;
        this.audit = audit;
        this.ending = ending;
        this.registration = streams.register(StreamKind.HTTP, info, this, loop, deadline);
    }

    /**
     * Registers an exchange whose credentials were just applied; on its event loop.
     *
     * @param leaseExpiresAt when the lease the exchange carries expires, or {@code null}
     * @param audit          completes and writes an audit record (agent, destination, request)
     * @param ending         ends the exchange while it is still HTTP; answers whether it did
     */
    static LiveExchange open(LiveStreams streams, EventLoop loop, Decision.Inject decision, AgentIdentity agent,
                             RequestTarget target, Instant leaseExpiresAt, Consumer<AuditEvent.Builder> audit,
                             Predicate<StreamEnd> ending) {
        Instant now = Instant.now();
        StreamInfo info = new StreamInfo(agent, decision.routeName(), decision.connectionId(), target.host(),
                target.port(), now);
        StreamDeadline deadline = StreamDeadline.forExchange(decision.options().lifetimes(), now, leaseExpiresAt);
        return new LiveExchange(loop, event -> audit.accept(event.decision(decision)), ending, streams, info, deadline);
    }

    @Override
    public void end(StreamEnd reason) {
        loop.execute(() -> {
            if (closed) {
                return;
            }
            AuditEvent.Builder event = AuditEvent.builder(reason == StreamEnd.REVOKED ? AuditOutcome.REVOKED_DURING_STREAM
                    : AuditOutcome.STREAM_ENDED).reason(reason.code());
            if (ending.test(reason)) {
                audit.accept(event);
            }
        });
    }

    /** The exchange became a WebSocket relay: from now on ending it means a Close frame. */
    void upgraded(WebSocketEnding webSocket) {
        registration.kind(StreamKind.WEBSOCKET);
        ending = reason -> {
            webSocket.end(reason.description());
            return true;
        };
    }

    /** The exchange (or its WebSocket) ended: it leaves the registry. On its event loop; idempotent. */
    void closed() {
        if (!closed) {
            closed = true;
            registration.close();
        }
    }
}
