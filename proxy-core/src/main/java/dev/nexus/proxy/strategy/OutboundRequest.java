package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

import java.time.Instant;
import java.util.Objects;

/**
 * The request exactly as the origin will receive it, handed to a {@link CredentialStrategy} to strip
 * and inject. The head's uri is in origin-form ({@code /path?query}) and its headers, Host included,
 * are final apart from what strategies change. Strategies mutate the head in place.
 *
 * <p>The body, when present, is the complete buffered body; the caller owns it and releases it, a
 * strategy only reads it (without moving its reader index). It is {@code null} when the caller did
 * not buffer the body, which strategies that sign the body treat as "no body" only if the head
 * declares none.
 */
public final class OutboundRequest {

    private final String scheme;
    private final String host;
    private final int port;
    private final HttpRequest head;
    private final ByteBuf body;
    private final Instant signingTime;
    private StreamingBodySigner streamingBodySigner;

    /**
     * @param scheme      {@code http} or {@code https}, as the proxy will talk to the origin
     * @param host        destination host name or address literal
     * @param port        destination port
     * @param head        request head with an origin-form uri
     * @param body        the full buffered body, or {@code null} when not buffered
     * @param signingTime the instant signatures are computed for
     */
    public OutboundRequest(String scheme, String host, int port, HttpRequest head, ByteBuf body, Instant signingTime) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.head = Objects.requireNonNull(head, "head");
        this.body = body;
        this.signingTime = Objects.requireNonNull(signingTime, "signingTime");
    }

    public String scheme() {
        return scheme;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public HttpRequest head() {
        return head;
    }

    public HttpHeaders headers() {
        return head.headers();
    }

    /** The buffered body (owned by the caller), or {@code null}. */
    public ByteBuf body() {
        return body;
    }

    public Instant signingTime() {
        return signingTime;
    }

    /**
     * The signer the body must stream through on its way to the origin, set by {@link CredentialStrategy#apply}
     * when the body carries signatures of its own (aws-chunked uploads); {@code null} when the body is
     * forwarded as it is. The caller owns it from then on and releases it.
     */
    public StreamingBodySigner streamingBodySigner() {
        return streamingBodySigner;
    }

    void streamBodyThrough(StreamingBodySigner signer) {
        this.streamingBodySigner = signer;
    }

    /** The path part of the uri, byte for byte as sent (still percent-encoded); {@code /} when empty. */
    public String rawPath() {
        String uri = head.uri();
        int end = pathEnd(uri);
        return end == 0 ? "/" : uri.substring(0, end);
    }

    /**
     * The query part of the uri without the {@code ?}, byte for byte as sent, {@code ""} for a bare
     * {@code ?}, or {@code null} when the uri has no query.
     */
    public String rawQuery() {
        String uri = head.uri();
        int question = uri.indexOf('?');
        if (question < 0 || question > fragmentStart(uri)) {
            return null;
        }
        return uri.substring(question + 1, fragmentStart(uri));
    }

    /**
     * Replaces the query, leaving the path (and a fragment, should one be present) byte-identical.
     *
     * @param rawQuery the new query without {@code ?}, already percent-encoded; {@code null} removes it
     */
    public void setRawQuery(String rawQuery) {
        String uri = head.uri();
        String path = uri.substring(0, pathEnd(uri));
        String fragment = uri.substring(fragmentStart(uri));
        head.setUri(rawQuery == null ? path + fragment : path + '?' + rawQuery + fragment);
    }

    /**
     * Replaces the path, leaving the query (and a fragment) byte-identical.
     *
     * @param rawPath the new path, already percent-encoded
     */
    public void setRawPath(String rawPath) {
        String uri = head.uri();
        head.setUri(rawPath + uri.substring(pathEnd(uri)));
    }

    /** Whether the head announces a body (non-zero Content-Length or chunked transfer coding). */
    boolean declaresBody() {
        HttpHeaders headers = head.headers();
        if (headers.contains("transfer-encoding")) {
            return true;
        }
        String length = headers.get("content-length");
        return length != null && !length.trim().equals("0");
    }

    private static int pathEnd(String uri) {
        int question = uri.indexOf('?');
        int fragment = fragmentStart(uri);
        return question >= 0 && question < fragment ? question : fragment;
    }

    private static int fragmentStart(String uri) {
        int hash = uri.indexOf('#');
        return hash < 0 ? uri.length() : hash;
    }

    @Override
    public String toString() {
        // Only the destination and method: the uri may hold a query credential, headers may hold secrets.
        return "OutboundRequest[" + head.method() + " " + scheme + "://" + host + ":" + port + "]";
    }
}
