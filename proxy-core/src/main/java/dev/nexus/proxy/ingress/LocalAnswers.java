package dev.nexus.proxy.ingress;

import dev.nexus.proxy.decision.RouteOutcome;
import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.ErrorResponses;
import dev.nexus.proxy.exchange.GrpcRequests;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.identity.ProxyAuthChallenge;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.ProxyEvents;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The answers an agent connection gives without contacting an origin: the decide stage's refusals
 * (403, 407, 501, 503) with their access-log record. Only safe text goes into them (see
 * {@link ErrorResponses}).
 */
final class LocalAnswers {

    private final ChannelHandlerContext ctx;
    private final ProxyEvents events;
    private final AgentProtocol protocol;

    LocalAnswers(ChannelHandlerContext ctx, ProxyEvents events, AgentProtocol protocol) {
        this.ctx = ctx;
        this.events = events;
        this.protocol = protocol;
    }

    /**
     * Answers {@code refusal}. The connection stays open only when nothing of the request is left unread.
     *
     * @param forceClose close whatever the request says (a refused CONNECT)
     * @return whether the connection must close after the answer
     */
    boolean refuse(HttpRequest request, RequestTarget target, String scheme, RouteOutcome.Refuse refusal,
                   boolean forceClose) {
        boolean bodyPending = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        boolean close = forceClose || bodyPending || !HttpUtil.isKeepAlive(request);
        String route = refusal.decision() == null ? null : refusal.decision().routeName();
        FullHttpResponse answer = refusal.error() == ErrorCode.PROXY_AUTHENTICATION_REQUIRED
                ? ProxyAuthChallenge.response(ctx.alloc(), close)
                : ErrorResponses.json(ctx.alloc(), refusal.error(), refusal.detail(),
                        route == null ? Map.of() : Map.of("route", route), close);
        ctx.writeAndFlush(answer);
        String path = target.pathAndQuery() == null ? null : target.path();
        ExchangeRecord.Grpc grpc = GrpcRequests.isGrpc(request.headers())
                ? new ExchangeRecord.Grpc(GrpcRequests.method(path), ExchangeRecord.Grpc.NO_STATUS) : null;
        events.exchangeCompleted(new ExchangeRecord(System.currentTimeMillis(),
                (InetSocketAddress) ctx.channel().remoteAddress(), request.method().name(), scheme, target.host(),
                target.port(), path, refusal.error().status().code(), 0, 0, 0, -1, route, refusal.decisionLabel(),
                protocol.label(), grpc));
        return close;
    }
}
