package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.ErrorResponses;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;

import java.util.List;

/**
 * The {@code 407 Proxy Authentication Required} answer: one {@code Proxy-Authenticate} challenge per
 * accepted scheme (RFC 9110 section 11.7.1), and a JSON body that says what to send without saying
 * why the previous attempt failed.
 */
public final class ProxyAuthChallenge {

    /** The realm named in every challenge. */
    static final String REALM = "nexus-proxy";
    /** The {@code Proxy-Authenticate} values, Basic first (what curl and the JDK client answer). */
    static final List<String> CHALLENGES = List.of(
            "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"",
            "Bearer realm=\"" + REALM + "\"");

    private ProxyAuthChallenge() {
    }

    /** A new 407 response; {@code close} adds {@code Connection: close}. */
    public static FullHttpResponse response(ByteBufAllocator alloc, boolean close) {
        FullHttpResponse response = ErrorResponses.json(alloc, ErrorCode.PROXY_AUTHENTICATION_REQUIRED,
                "send Proxy-Authorization: Basic base64(agent:secret) or Bearer agent.secret", close);
        response.headers().add(HttpHeaderNames.PROXY_AUTHENTICATE, CHALLENGES);
        return response;
    }
}
