package dev.nexus.proxy.relay;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.inject.InjectionFailures;
import dev.nexus.proxy.inject.InjectionPlan;
import dev.nexus.proxy.inject.RequestCredentials;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.redact.ResponseRedaction;
import dev.nexus.proxy.redact.SecretPatternCache;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.strategy.StrategyException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.concurrent.CompletableFuture;

/**
 * The credential side of a {@link ForwardExchange} on an {@code inject} route, in the order it runs: plan
 * (one trip to the lease cache, resumed on the event loop), apply (at once, or after collecting the body a
 * strategy signs), and on an origin's 401 the replay decision ({@link CredentialReplay}) with its one
 * refresh. It tells the exchange when to go upstream, when to send again and what to answer instead.
 */
final class CredentialStage {

    /** What the stage asks of the exchange it serves; all on the exchange's event loop. */
    interface Exchange {
        /** Credentials are applied: the request may go upstream. */
        void proceed();

        /** Credentials were refreshed after a 401: send the request again. */
        void resend();

        /** Answer the agent instead of forwarding. */
        void refuse(InjectionFailures.AgentError answer);

        void refuse(ErrorCode error, String detail);

        boolean finished();

        /** What goes back to the agent from now on is scanned for the credentials just applied. */
        void redactWith(ResponseRedaction redaction);

        void audit(AuditEvent.Builder event);
    }

    private final Exchange exchange;
    private final SecretPatternCache secretPatterns;
    private final ProxyEvents events;
    private final ChannelHandlerContext clientCtx;
    private final ReadGate clientGate;
    private final RequestForwarder forwarder;
    private final RequestCredentials credentials;
    private final CredentialReplay replay;
    private final boolean requestHasBody;
    private boolean collectingSignedBody;
    private boolean replayed;

    CredentialStage(Exchange exchange, ClientSide client, ProxyServices services, Decision.Inject decision,
                    RequestTarget target, RequestForwarder forwarder, boolean requestHasBody) {
        this.exchange = exchange;
        this.secretPatterns = services.secretPatterns();
        this.events = services.events();
        this.clientCtx = client.context();
        this.clientGate = client.readGate();
        this.forwarder = forwarder;
        this.requestHasBody = requestHasBody;
        this.credentials = new RequestCredentials(services.injector(), decision, target, forwarder.outbound());
        this.replay = new CredentialReplay(credentials, decision.options().replayBufferBytes(), clientCtx.alloc());
        forwarder.copyPiecesTo(replay::keep);
        ResponseRedaction.prepareRequest(forwarder.outbound().headers(), decision); // only scannable encodings
    }

    /** Asks for the plan; the exchange hears {@code proceed} or {@code refuse}. */
    void start() {
        CompletableFuture<InjectionPlan> planning = credentials.plan();
        if (planning.isDone()) {
            // Steady state: the lease is cached, so the request goes on without a hop through the task queue.
            planning.whenComplete(this::onPlanned);
        } else {
            clientGate.close(ReadGate.AWAITING_UPSTREAM);
            planning.whenComplete((planned, error) -> clientCtx.executor().execute(() -> onPlanned(planned, error)));
        }
    }

    /** Credentials are at hand (or not): strip, then apply now or once the body to sign is collected. */
    private void onPlanned(InjectionPlan planned, Throwable error) {
        if (exchange.finished()) {
            return;
        }
        try {
            if (error != null) {
                throw error;
            }
            exchange.redactWith(ResponseRedaction.open(planned, secretPatterns, events));
            if (!credentials.adopt(planned, requestHasBody, clientCtx.alloc())) {
                if (credentials.signsWhileStreaming()) {
                    streamThroughSigner();
                }
                exchange.proceed();
                return;
            }
            collectingSignedBody = true;
            forwarder.copyPiecesTo(null); // the signed body is kept for a replay by the credentials
            forwarder.drainWaiting(this::collectSignedBody); // what arrived while the plan was made
            if (collectingSignedBody) {
                clientGate.open(ReadGate.AWAITING_UPSTREAM);
            }
        } catch (Throwable failure) {
            refuse(failure);
        }
    }

    /**
     * The body is re-signed piece by piece on its way (aws-chunked uploads). Its signatures depend on the
     * key, so a copy of it cannot be replayed after a refresh; a body not yet sent (100-continue) can.
     */
    private void streamThroughSigner() {
        forwarder.copyPiecesTo(null);
        replay.giveUpCopy();
        forwarder.rewritePiecesWith(credentials::streamBody, this::refuse);
    }

    /**
     * Takes a body piece while a body to be signed is being collected.
     *
     * @return whether the piece was taken (else it goes to the forwarder)
     */
    boolean takeBodyPiece(HttpContent content) {
        if (!collectingSignedBody) {
            return false;
        }
        collectSignedBody(content);
        return true;
    }

    /** Keeps a piece of a body that the strategy signs, within the route's limit; signs and sends at its end. */
    private void collectSignedBody(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (!credentials.collect(content)) {
            exchange.refuse(ErrorCode.REQUEST_TOO_LARGE, "route \"" + credentials.routeName()
                    + "\" signs request bodies of at most " + credentials.maxBodyBytes() + " bytes");
            return;
        }
        if (last) {
            collectingSignedBody = false;
            try {
                forwarder.offer(credentials.sign());
            } catch (StrategyException e) {
                refuse(e);
                return;
            }
            exchange.proceed();
        }
    }

    private void refuse(Throwable failure) {
        exchange.audit(credentials.failedEvent(failure));
        exchange.refuse(credentials.describeFailure(failure));
    }

    /** Whether the whole body forwarded so far can be sent again. */
    boolean holdsBody() {
        return replay.hasReplayCopy();
    }

    /** The body to send once more after the head, or {@code null} (see {@link CredentialReplay#bodyToResend}). */
    LastHttpContent bodyToResend() {
        return replay.bodyToResend();
    }

    /**
     * The origin refused the injected credentials: swallow the 401 and replay (returns {@code true}), or let
     * the agent see it, refreshing the lease anyway when it was not refreshed yet.
     */
    boolean swallowsUnauthorized() {
        CredentialReplay.Verdict verdict = replay.onUnauthorized(forwarder.complete(), forwarder.bodyForwarded());
        if (verdict == CredentialReplay.Verdict.REPLAY) {
            return true;
        }
        if (verdict == CredentialReplay.Verdict.PASS_AFTER_REFRESH) {
            credentials.refreshAfterRejection(); // for the agent's retry; failures show on that retry
        }
        exchange.audit(credentials.deliveredEvent(401).reason(verdict.auditReason));
        return false;
    }

    /** The swallowed 401 is read to its end: refresh once, then the exchange sends again. */
    void refreshAfterRejection() {
        credentials.refreshAfterRejection().whenComplete((planned, error) ->
                clientCtx.executor().execute(() -> onReplanned(planned, error)));
    }

    private void onReplanned(InjectionPlan planned, Throwable error) {
        if (exchange.finished()) {
            return;
        }
        if (error != null) {
            exchange.audit(credentials.failedEvent(error));
            exchange.refuse(credentials.describeFailedRefresh(error));
            return;
        }
        exchange.redactWith(ResponseRedaction.open(planned, secretPatterns, events));
        try {
            credentials.adoptRefreshed(planned);
        } catch (StrategyException e) {
            refuse(e);
            return;
        }
        replayed = true;
        exchange.resend();
    }

    /** The origin answered {@code status} (not a 401 the stage handled): one audit record. */
    void delivered(int status) {
        if (status != 401) {
            exchange.audit(credentials.deliveredEvent(status)
                    .reason(replayed ? CredentialReplay.Verdict.REPLAY.auditReason : null));
        }
    }

    /** The lease the request carries now (after {@code proceed}). */
    Lease lease() {
        return credentials.adopted().lease();
    }

    /** What the agent is told when the credential is revoked before its response started. */
    InjectionFailures.AgentError revokedAnswer() {
        return credentials.describeFailure(new CredentialException(CredentialException.Kind.REVOKED,
                credentials.adopted().connectionId(), "revoked while the request was waiting for its response"));
    }

    void release() {
        credentials.release();
        replay.release();
    }
}
