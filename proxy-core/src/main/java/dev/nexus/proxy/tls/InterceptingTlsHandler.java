package dev.nexus.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Terminates the agent's TLS on an intercepted CONNECT tunnel. Add it to the agent channel's pipeline
 * right after answering {@code 200 Connection Established} (with the HTTP codec removed); it
 *
 * <ol>
 *   <li>reads the ClientHello without consuming it and checks its SNI against the CONNECT host
 *       ({@link SniVerifier});</li>
 *   <li>obtains the leaf context for the CONNECT host from {@link InterceptionContexts} without
 *       blocking the event loop (reads are suspended meanwhile);</li>
 *   <li>replaces itself with an {@link SslHandler} named {@link #SSL_HANDLER_NAME}, which then
 *       completes the handshake with the buffered ClientHello.</li>
 * </ol>
 * On an SNI mismatch or a mint failure it fires an {@link InterceptionRefusedEvent} and closes the
 * connection. Add the decrypted-side handlers (HTTP codec, ...) after this one; they stay in place.
 * One instance per connection.
 */
public final class InterceptingTlsHandler extends AbstractSniHandler<SslContext> {

    /** Pipeline name of the SslHandler this handler is replaced with. */
    public static final String SSL_HANDLER_NAME = "intercept-tls";

    private final String connectHost;
    private final InterceptionContexts contexts;
    /** Set once the connection is refused: later decodes (closing re-runs them) must not refuse it again. */
    private boolean refused;

    /**
     * @param connectHost the host from the CONNECT request line (the one the policy decided on)
     */
    public InterceptingTlsHandler(String connectHost, InterceptionContexts contexts) {
        super(contexts.settings().clientHelloTimeout().toMillis());
        this.connectHost = connectHost;
        this.contexts = contexts;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (refused) {
            // The ClientHello stays buffered after a synchronous refusal, and closing the channel decodes it
            // again (channelInactive, decodeLast): drop it so the refusal is reported exactly once.
            in.skipBytes(in.readableBytes());
            return;
        }
        super.decode(ctx, in, out);
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, String sni) {
        Promise<SslContext> promise = ctx.executor().newPromise();
        if (!SniVerifier.verify(connectHost, sni).accepted()) {
            return promise.setFailure(new SniMismatchException(connectHost, sni));
        }
        contexts.serverContextFor(connectHost).whenComplete((context, failure) -> {
            if (failure == null) {
                promise.trySuccess(context);
            } else {
                promise.tryFailure(failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
            }
        });
        return promise;
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String sni, Future<SslContext> future) {
        if (!future.isSuccess()) {
            refused = true;
            ctx.fireUserEventTriggered(refusal(sni, future.cause()));
            ctx.close();
            return;
        }
        if (!ctx.channel().isActive()) {
            return; // the agent left while the leaf was being minted
        }
        SslHandler sslHandler = future.getNow().newHandler(ctx.alloc());
        sslHandler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        try {
            // Replacing (rather than removing) hands the buffered ClientHello to the SslHandler.
            ctx.pipeline().replace(this, SSL_HANDLER_NAME, sslHandler);
            sslHandler = null;
        } finally {
            if (sslHandler != null) {
                // Not inserted: the engine is still ours to release (a no-op for non-refcounted engines).
                ReferenceCountUtil.safeRelease(sslHandler.engine());
            }
        }
    }

    private InterceptionRefusedEvent refusal(String sni, Throwable cause) {
        if (cause instanceof SniMismatchException) {
            return new InterceptionRefusedEvent(connectHost, sni, InterceptionRefusedEvent.Reason.SNI_MISMATCH,
                    cause.getMessage());
        }
        return new InterceptionRefusedEvent(connectHost, sni, InterceptionRefusedEvent.Reason.CERTIFICATE_UNAVAILABLE,
                "no leaf certificate for " + connectHost + ": " + cause.getMessage());
    }

    /** The ClientHello's SNI does not fit the CONNECT host. */
    static final class SniMismatchException extends Exception {
        SniMismatchException(String connectHost, String sni) {
            super("TLS server name " + sni + " does not match CONNECT host " + connectHost, null, false, false);
        }
    }
}
