package dev.nexus.proxy.relay;

import io.netty.buffer.Unpooled;
import dev.nexus.proxy.redact.RedactionFailure;
import dev.nexus.proxy.redact.ResponseRedaction;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The relay-response stage: the origin's response head framed for the agent (hop-by-hop headers out,
 * {@code Via} in, chunked where the origin delimits by closing, so a truncated body never looks
 * complete), then its body streamed with back-pressure. Interim 1xx answers are relayed as they come.
 * It decides whether the agent's connection closes after the response.
 */
final class ResponseRelay {

    private final ChannelHandlerContext clientCtx;
    private final String proxyName;
    private final boolean headRequest;
    private final boolean http10Client;
    private final boolean clientKeepAlive;
    private final HttpMethod requestMethod;
    private ResponseRedaction redaction = ResponseRedaction.NONE;
    private boolean skippingInterimBody;
    private boolean closeClient;
    private long bytesOut;

    /** @param agentRequest the request as the agent sent it, before its hop-by-hop headers are stripped */
    ResponseRelay(ChannelHandlerContext clientCtx, HttpRequest agentRequest, String proxyName) {
        this.clientCtx = clientCtx;
        this.proxyName = proxyName;
        this.requestMethod = agentRequest.method();
        this.headRequest = requestMethod.equals(HttpMethod.HEAD);
        this.http10Client = agentRequest.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.clientKeepAlive = HttpUtil.isKeepAlive(agentRequest);
    }

    /** From now on what goes back to the agent is scanned for the injected secret ({@link ResponseRedaction}). */
    void redactWith(ResponseRedaction value) {
        this.redaction = value;
    }

    ResponseRedaction redaction() {
        return redaction;
    }

    /**
     * A 1xx answer other than 101 (100 Continue and friends): relayed, then the real response follows. It
     * goes out as a complete message: the agent's encoder accepts the final response's head only after the
     * interim one has ended, and the interim's (empty) end from the origin is dropped.
     */
    void relayInterim(HttpResponse response) {
        prepareHeaders(response);
        redaction.headers(response.headers());
        skippingInterimBody = true;
        clientCtx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status(), Unpooled.EMPTY_BUFFER,
                response.headers(), EmptyHttpHeaders.INSTANCE), clientCtx.voidPromise());
    }

    /**
     * The final response head, redacted and framed for the agent.
     *
     * @param requestComplete whether the agent's request was read to its end (else its connection must close)
     * @param draining        whether the proxy is shutting down
     * @return {@code false} (nothing written) when its body could not be scanned: see
     *         {@link ResponseRedaction#unscannableDetail()}
     */
    boolean relayHead(HttpResponse response, boolean requestComplete, boolean draining) {
        prepareHeaders(response);
        if (!redaction.head(response, requestMethod)) {
            return false;
        }
        frameForClient(response, response.status().code());
        if (!requestComplete || draining || !clientKeepAlive) {
            closeClient = true;
        }
        if (closeClient) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10Client) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        clientCtx.write(response, clientCtx.voidPromise());
        return true;
    }

    private void prepareHeaders(HttpResponse response) {
        HopByHopHeaders.strip(response.headers(), false);
        HopByHopHeaders.addVia(response.headers(), "1.1", proxyName);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /** Chooses how the body is delimited towards the agent. */
    private void frameForClient(HttpResponse response, int code) {
        HttpHeaders headers = response.headers();
        boolean bodiless = headRequest || code == 204 || code == 304;
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        if (!bodiless && !chunked && !HttpUtil.isContentLengthSet(response)) {
            // The origin delimits by closing. Re-frame as chunked so that an origin failure mid-body
            // cannot look like a complete response; HTTP/1.0 agents only understand close-delimited.
            if (http10Client) {
                closeClient = true;
            } else {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        } else if (chunked && http10Client) {
            headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            closeClient = true;
        }
    }

    /**
     * A piece of the response body (or of an interim answer's empty body, which is dropped).
     *
     * @return whether it was the final response's last piece
     * @throws RedactionFailure when the body cannot be scanned after all (a corrupt compressed stream)
     */
    boolean relayBody(HttpContent piece, ReadGate upstreamGate) {
        boolean last = piece instanceof LastHttpContent;
        if (skippingInterimBody) {
            piece.release();
            skippingInterimBody = !last;
            return false;
        }
        bytesOut += piece.content().readableBytes();
        HttpContent content = redaction.body(piece, clientCtx);
        if (last) {
            clientCtx.writeAndFlush(content, clientCtx.voidPromise());
            return true;
        }
        clientCtx.write(content, clientCtx.voidPromise()); // failures surface as exceptionCaught
        if (!clientCtx.channel().isWritable()) {
            upstreamGate.close(ReadGate.PEER_UNWRITABLE);
        }
        return false;
    }

    /** Whether the agent asked to keep its connection open (read before hop-by-hop headers are stripped). */
    boolean clientKeepAlive() {
        return clientKeepAlive;
    }

    /** Whether the agent's connection closes once the response is complete. */
    boolean closesClient() {
        return closeClient;
    }

    /** Response body bytes written to the agent. */
    long bytesOut() {
        return bytesOut;
    }
}
