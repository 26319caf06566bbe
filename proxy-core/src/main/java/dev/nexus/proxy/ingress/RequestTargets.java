package dev.nexus.proxy.ingress;

import dev.nexus.proxy.decision.RouteDecision;
import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.observe.MalformedReason;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

/**
 * How the requests on one agent connection name their destination: in the request target on a forward
 * proxy connection, by the tunnel's destination inside an intercepted CONNECT, by the {@code Host} header
 * on a transparently redirected connection.
 */
interface RequestTargets {

    /** Absolute-form requests and CONNECT authority-form: an explicit forward proxy. */
    RequestTargets FORWARD_PROXY = request -> request.method().equals(HttpMethod.CONNECT)
            ? RequestTarget.parseAuthorityForm(request.uri())
            : RequestTarget.parseAbsolute(request.uri());

    /**
     * Where the request goes; the exception's message tells the agent why it cannot be served.
     */
    RequestTarget resolve(HttpRequest request) throws RequestTarget.InvalidTargetException;

    /**
     * The decoded request head as the decide stage sees it.
     *
     * @throws MalformedRequestException when the decoder failed on the head or its target cannot be served (400)
     */
    default RouteDecision.Head head(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            throw MalformedRequestException.ofDecoderFailure(request.decoderResult());
        }
        try {
            return new RouteDecision.Head(request.method().name(), resolve(request),
                    request.method().equals(HttpMethod.CONNECT), request.headers(), AgentProtocol.H1);
        } catch (RequestTarget.InvalidTargetException e) {
            throw new MalformedRequestException(MalformedReason.INVALID_TARGET, e.getMessage());
        }
    }

    /** Whether the handler continues a connection that an earlier stage already counted (interception). */
    default boolean continuesConnection() {
        return false;
    }

    /**
     * Plain HTTP redirected to the proxy by iptables: origin-form requests whose {@code Host} header names
     * the destination, on the port the traffic was originally sent to.
     */
    static RequestTargets transparentHttp(int originalPort) {
        return request -> {
            if (request.method().equals(HttpMethod.CONNECT)) {
                throw new RequestTarget.InvalidTargetException("CONNECT on a transparent listener");
            }
            String host = request.headers().get(HttpHeaderNames.HOST);
            if (host == null || host.isBlank()) {
                throw new RequestTarget.InvalidTargetException("a transparently redirected request must carry a Host header");
            }
            if (!request.uri().startsWith("/")) {
                return RequestTarget.parseAbsolute(request.uri());
            }
            RequestTarget authority = RequestTarget.parseAuthority(host.trim(), originalPort);
            return new RequestTarget("http", authority.host(), authority.port(), request.uri());
        };
    }
}
