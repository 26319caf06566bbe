package dev.nexus.server.admin;

import dev.nexus.server.config.Secret;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Authorises and dispatches admin requests: access check ({@link AdminAccess}),
 * route lookup, 401/404/405 in the proxy's JSON error shape, and writing the route's answer.
 * Stateless, so one instance serves every admin connection.
 */
@ChannelHandler.Sharable
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = Logger.getLogger(AdminHttpHandler.class.getName());

    private final AdminRouter router;
    private final AdminAccess access;

    AdminHttpHandler(AdminRouter router, Secret token) {
        this.router = router;
        this.access = new AdminAccess(token);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, AdminResponse.error(400, "bad_request", "malformed HTTP request"), false);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String method = request.method().name();
        AdminRouter.Lookup lookup = router.lookup(method, uri.path());

        if (!access.allows(lookup.access(), ctx.channel().remoteAddress(), request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            respond(ctx, AdminResponse.error(401, "unauthorized", "this admin endpoint requires 'Authorization: Bearer <admin token>'"),
                    keepAlive);
            return;
        }
        if (lookup.route() == null) {
            if (lookup.allowedMethods().isEmpty()) {
                respond(ctx, AdminResponse.error(404, "not_found", "no admin endpoint at " + uri.path()), keepAlive);
            } else {
                respond(ctx, AdminResponse.error(405, "method_not_allowed", method + " is not supported on " + uri.path()
                        + "; use " + String.join(", ", lookup.allowedMethods())), keepAlive);
            }
            return;
        }

        AdminRequest adminRequest = new AdminRequest(method, uri.path(), lookup.parameters(), uri.parameters(),
                request.headers().get(HttpHeaderNames.ACCEPT));
        CompletionStage<AdminResponse> answer;
        try {
            answer = lookup.route().handler().handle(adminRequest);
        } catch (RuntimeException e) {
            answer = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((response, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                LOG.log(Level.WARNING, "admin endpoint " + method + " " + uri.path() + " failed", cause);
                respond(ctx, AdminResponse.error(500, "internal_error", "the admin endpoint failed; see the proxy log"), keepAlive);
            } else {
                respond(ctx, response, keepAlive);
            }
        });
    }

    private static void respond(ChannelHandlerContext ctx, AdminResponse answer, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(answer.body()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (answer.status() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"nexus-proxy admin\"");
        }
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "admin connection failed", cause);
        ctx.close();
    }
}
