package dev.nexus.proxy.ingress;

import dev.nexus.proxy.exchange.RequestTarget;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.util.Locale;

/**
 * The destination of an intercepted CONNECT: every request on that connection (decrypted, or plain HTTP
 * sent inside the tunnel) goes there, and must say so in its {@code Host} header (no domain fronting
 * inside the tunnel).
 *
 * @param scheme {@code https} when the agent's TLS was terminated, {@code http} when it spoke plain HTTP
 *               inside the tunnel; the policy decides for this scheme
 */
record InterceptedOrigin(String scheme, String host, int port) implements RequestTargets {

    /** Requests decrypted from the agent's TLS. */
    public static InterceptedOrigin https(String host, int port) {
        return new InterceptedOrigin("https", host, port);
    }

    /** Plain HTTP the agent sent inside the CONNECT tunnel (no TLS). */
    public static InterceptedOrigin http(String host, int port) {
        return new InterceptedOrigin("http", host, port);
    }

    @Override
    public RequestTarget resolve(HttpRequest request) throws RequestTarget.InvalidTargetException {
        if (request.method().equals(HttpMethod.CONNECT)) {
            throw new RequestTarget.InvalidTargetException("CONNECT inside an intercepted tunnel");
        }
        return targetFor(request.uri(), request.headers().get(HttpHeaderNames.HOST));
    }

    @Override
    public boolean continuesConnection() {
        return true;
    }

    /** The target for an origin-form request inside the tunnel, or why it is refused. */
    private RequestTarget targetFor(String uri, String hostHeader) throws RequestTarget.InvalidTargetException {
        RequestTarget target;
        if (uri.startsWith("/")) {
            target = new RequestTarget(scheme, host, port, uri);
        } else {
            target = RequestTarget.parseAbsolute(uri);
            if (!target.host().equals(host) || target.port() != port || !scheme.equals(target.scheme())) {
                throw new RequestTarget.InvalidTargetException(
                        "request target " + target.authority() + " is not the tunnel's destination " + host + ":" + port);
            }
        }
        if (hostHeader != null && !matchesAuthority(hostHeader)) {
            throw new RequestTarget.InvalidTargetException(
                    "Host header does not name the tunnel's destination " + host + ":" + port);
        }
        return target;
    }

    private boolean matchesAuthority(String hostHeader) {
        String value = hostHeader.trim().toLowerCase(Locale.ROOT);
        String name = value;
        int headerPort = "https".equals(scheme) ? 443 : 80;
        int colon = value.lastIndexOf(':');
        if (colon > value.lastIndexOf(']')) {
            name = value.substring(0, colon);
            try {
                headerPort = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return name.equals(host) && headerPort == port;
    }
}
