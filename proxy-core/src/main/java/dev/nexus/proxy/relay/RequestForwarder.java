package dev.nexus.proxy.relay;

import dev.nexus.proxy.strategy.MalformedBodyException;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The forward-request stage: the outbound head and the agent's body on their way to the upstream
 * connection. Body pieces that arrive before a connection is at hand wait here in order. With
 * {@code Expect: 100-continue} the body also waits until the origin says 100, so that a 401 can come
 * before any of it is spent; an origin that ignores the expectation gets the body after a second, as
 * curl and the JDK client do. An agent that sends its body without waiting for the 100 is not read from
 * while its first piece is held, so the proxy never holds more than one read of it.
 */
final class RequestForwarder {

    /** How long the body waits for an origin's 100 Continue before it is sent anyway. */
    private static final long CONTINUE_WAIT_MILLIS = 1000;

    private final HttpRequest outbound;
    private final ReadGate clientGate;
    private final boolean expectsContinue;
    private final ArrayDeque<HttpContent> waiting = new ArrayDeque<>(4);
    /** Body bytes in {@link #waiting}. */
    private long waitingBytes;
    /** Sees every piece just before it goes upstream (the replay copy); {@code null} when none is kept. */
    private Consumer<HttpContent> beforeWrite;
    /** Rewrites every piece on its way (a strategy that signs while streaming); identity by default. */
    private UnaryOperator<HttpContent> rewrite = UnaryOperator.identity();
    private Consumer<MalformedBodyException> onMalformed;
    private boolean broken;
    private Channel upstream;
    private ScheduledFuture<?> continueTimer;
    private boolean continued;
    private boolean complete;
    private boolean bodyForwarded;

    RequestForwarder(HttpRequest outbound, boolean requestHasBody, ReadGate clientGate) {
        this.outbound = outbound;
        this.clientGate = clientGate;
        this.expectsContinue = requestHasBody && HttpUtil.is100ContinueExpected(outbound);
    }

    void copyPiecesTo(Consumer<HttpContent> replayCopy) {
        this.beforeWrite = replayCopy;
    }

    /**
     * Passes every piece through {@code signer} on its way upstream. A piece that breaks the body's own
     * framing stops the body there: nothing more is written and {@code malformed} hears why.
     */
    void rewritePiecesWith(UnaryOperator<HttpContent> signer, Consumer<MalformedBodyException> malformed) {
        this.rewrite = signer;
        this.onMalformed = malformed;
    }

    HttpRequest outbound() {
        return outbound;
    }

    /** Whether the agent's request was read to its end. */
    boolean complete() {
        return complete;
    }

    /** Whether the body broke its own framing: what went upstream is incomplete for good. */
    boolean broken() {
        return broken;
    }

    /** Whether what waits for a connection has reached {@code bytes} or {@code pieces}. */
    boolean holdsAtLeast(long bytes, int pieces) {
        return waitingBytes >= bytes || waiting.size() >= pieces;
    }

    /** Whether body bytes (or the body's end) already went to an origin. */
    boolean bodyForwarded() {
        return bodyForwarded;
    }

    /**
     * Sends the head on {@code channel}, then {@code resentBody} (a replay) or whatever body waits.
     *
     * @param resend the request is sent a second time: a bodyless request needs its end written again
     */
    void attach(Channel channel, LastHttpContent resentBody, boolean resend) {
        upstream = channel;
        channel.write(outbound);
        if (resentBody != null) {
            channel.write(resentBody, channel.voidPromise());
        } else if (resend && complete && waiting.isEmpty() && bodyForwarded) {
            channel.write(LastHttpContent.EMPTY_LAST_CONTENT); // the first attempt's end went to the earlier connection
        } else if (holdingForContinue()) {
            continueTimer = channel.eventLoop().schedule(this::onContinue, CONTINUE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            if (!waiting.isEmpty()) {
                clientGate.close(ReadGate.AWAITING_CONTINUE);
            }
        } else {
            writeWaiting();
        }
        channel.flush();
    }

    /** A piece of the agent's body, in order. */
    void offer(HttpContent piece) {
        if (piece instanceof LastHttpContent) {
            complete = true;
        }
        if (broken) {
            piece.release();
        } else if (upstream == null || holdingForContinue()) {
            waiting.add(piece);
            waitingBytes += piece.content().readableBytes();
            if (holdingForContinue()) {
                clientGate.close(ReadGate.AWAITING_CONTINUE);
            }
        } else {
            write(piece);
        }
    }

    /** The origin said 100 Continue (or did not in time): the body may go. */
    void onContinue() {
        if (continued) {
            return;
        }
        continued = true;
        cancelTimer();
        clientGate.open(ReadGate.AWAITING_CONTINUE);
        if (upstream != null) {
            writeWaiting();
            upstream.flush();
        }
    }

    /** The upstream connection is given up (a stale connection, a 401 to replay): pieces wait for the next one. */
    void detach() {
        cancelTimer();
        continued = false;
        upstream = null;
    }

    /**
     * Hands the pieces waiting for a connection to {@code taker} instead (a body to be signed first). Only
     * those waiting now: {@code taker} may offer the signed result back.
     */
    void drainWaiting(Consumer<HttpContent> taker) {
        List<HttpContent> taken = new ArrayList<>(waiting);
        waiting.clear();
        waitingBytes = 0;
        taken.forEach(taker);
    }

    /** Drops the pieces still waiting. */
    void release() {
        cancelTimer();
        clientGate.open(ReadGate.AWAITING_CONTINUE);
        HttpContent piece;
        while ((piece = waiting.poll()) != null) {
            piece.release();
        }
        waitingBytes = 0;
    }

    private boolean holdingForContinue() {
        return expectsContinue && !continued && !bodyForwarded;
    }

    private void writeWaiting() {
        HttpContent piece;
        while ((piece = waiting.poll()) != null && !broken) {
            waitingBytes -= piece.content().readableBytes();
            write(piece);
        }
    }

    private void write(HttpContent piece) {
        if (beforeWrite != null) {
            beforeWrite.accept(piece);
        }
        HttpContent outgoing;
        try {
            outgoing = rewrite.apply(piece);
        } catch (MalformedBodyException e) {
            broken = true;
            release();
            onMalformed.accept(e);
            return;
        }
        bodyForwarded = true;
        upstream.write(outgoing, upstream.voidPromise());
    }

    private void cancelTimer() {
        if (continueTimer != null) {
            continueTimer.cancel(false);
            continueTimer = null;
        }
    }
}
