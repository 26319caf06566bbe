package dev.nexus.proxy.ingress;

import dev.nexus.proxy.decision.RouteDecision;
import dev.nexus.proxy.decision.RouteOutcome;
import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.ErrorResponses;
import dev.nexus.proxy.exchange.Http2ConversionHeaders;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.observe.MalformedReason;
import dev.nexus.proxy.relay.ClientSide;
import dev.nexus.proxy.relay.ForwardExchange;
import dev.nexus.proxy.relay.TunnelRelay;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.upstream.HttpUpstreams;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;


/**
 * One HTTP/2 stream of an agent connection, last handler of its child channel: the stream's request, as
 * Netty's HTTP objects, goes through the same stages as an HTTP/1.1 request on {@link ClientConnectionHandler}
 * (target bound to the tunnel's destination, so {@code :authority} must name it; identify; decide; a
 * {@link ForwardExchange} with this stream as its {@link ClientSide}). Closing the child channel before the
 * stream ended sends RST_STREAM, so an exchange that fails mid-response resets only this stream.
 */
final class StreamRequestHandler extends ExchangeHost {

    private final InterceptedOrigin origin;
    private final Http2AgentConnection connection;
    private final StreamAnswerEnd answerEnd;
    private final PendingRequests waiting = new PendingRequests();
    private boolean started;
    private boolean answered;

    StreamRequestHandler(ProxyServices services, InterceptedOrigin origin, Http2AgentConnection connection,
                         StreamAnswerEnd answerEnd) {
        super(services);
        this.origin = origin;
        this.connection = connection;
        this.answerEnd = answerEnd;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject piece) || answered) {
            ReferenceCountUtil.release(msg);
        } else if (deciding()) {
            waiting.add(piece);
        } else if (piece instanceof FullHttpRequest full && !started) {
            // HEADERS with END_STREAM: a head and an empty last piece, as the HTTP/1.1 decoder gives them.
            started = true;
            LastHttpContent body = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            start(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers()));
            channelRead(ctx, body);
        } else if (piece instanceof HttpRequest request && !started) {
            started = true;
            start(request);
        } else {
            deliver(piece);
        }
    }

    private void deliver(HttpObject piece) {
        if (exchange() != null && piece instanceof HttpContent content) {
            exchange().onRequestContent(content);
        } else {
            ReferenceCountUtil.release(piece); // a second head on one stream cannot be decoded; bodies of answered requests
        }
    }

    private void start(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            ReferenceCountUtil.release(request);
            answer(ErrorCode.BAD_REQUEST, "malformed request: " + request.decoderResult().cause().getMessage());
            return;
        }
        Http2ConversionHeaders.strip(request.headers());
        if (request.method().equals(HttpMethod.CONNECT)) {
            ReferenceCountUtil.release(request);
            answer(ErrorCode.NOT_IMPLEMENTED, "CONNECT and WebSocket over HTTP/2 (RFC 8441) are not served inside an "
                    + "intercepted connection; use HTTP/1.1 for WebSocket");
            return;
        }
        RequestTarget target;
        try {
            target = origin.resolve(request);
        } catch (RequestTarget.InvalidTargetException e) {
            ReferenceCountUtil.release(request);
            services.events().malformedRequest(MalformedReason.INVALID_TARGET);
            answer(ErrorCode.BAD_REQUEST, e.getMessage());
            return;
        }
        decide(request, new RouteDecision.Head(request.method().name(), target, false, request.headers(),
                connection.protocol()),
                ctx.channel().parent());
    }

    @Override
    void resumeWaiting() {
        waiting.run(() -> true, this::deliver);
    }

    /** An HTTP/2 agent's stream goes to the origin as an HTTP/2 stream where the origin speaks it. */
    @Override
    HttpUpstreams upstreams() {
        return services.pools().forLoop(ctx.channel().eventLoop()).forHttp2Agents();
    }

    @Override
    void serve(HttpRequest request, RouteDecision.Head head, RouteOutcome outcome) {
        if (outcome instanceof RouteOutcome.Forward forward) {
            startExchange(request, head.target(), forward);
            return;
        }
        answered = true;
        if (outcome instanceof RouteOutcome.Refuse refusal) {
            new LocalAnswers(ctx, services.events(), connection.protocol())
                    .refuse(request, head.target(), head.target().scheme(), refusal, false);
        } else {
            ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), ErrorCode.NOT_IMPLEMENTED,
                    "a tunnel cannot be opened from an HTTP/2 stream", false));
        }
        endStreamAfterAnswer();
    }

    private void answer(ErrorCode error, String detail) {
        answered = true;
        ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), error, detail, false));
        endStreamAfterAnswer();
    }

    /**
     * After a complete answer the stream is done. An agent still sending its request is asked to stop, without
     * an error, once the answer's last frame is out: RST_STREAM(NO_ERROR), as RFC 9113 section 8.1 says. Closing
     * the stream's channel instead would reset it with CANCEL, which clients report as a failure in place of
     * the answer. A stream both sides ended is closed already.
     */
    private void endStreamAfterAnswer() {
        ChannelFuture written = answerEnd.written();
        if (written == null) {
            ctx.close(); // no complete answer went out: a plain reset
            return;
        }
        written.addListener(done -> {
            if (!done.isSuccess()) {
                ctx.close();
            } else if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            }
        });
    }

    @Override
    void agentGone() {
        waiting.releaseAll();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a stream error: this stream is reset, the connection and its other streams go on
    }

    // ClientSide: called by this stream's exchange

    @Override
    public AgentProtocol protocol() {
        return connection.protocol();
    }

    @Override
    public boolean draining() {
        return connection.draining();
    }

    @Override
    public void exchangeFinished(boolean keepConnection) {
        endExchange();
        answered = true;
        if (!keepConnection) {
            // The request was not read to its end (a failed exchange has reset the stream already).
            endStreamAfterAnswer();
        }
    }

    /** The origin reset its stream: this one is reset with the same error code (the exchange ends it). */
    @Override
    public boolean resetStream(long errorCode) {
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(errorCode));
        return true;
    }

    @Override
    public void becomeTunnel(Channel upstream, TunnelRelay.TunnelStats stats) {
        upstream.close(); // unreachable: upgrades are not offered on HTTP/2 streams
        ctx.close();
    }

    @Override
    public void resumeHttpAfterRefusedUpgrade() {
        // HTTP/2 has no Upgrade: nothing is held back
    }
}
