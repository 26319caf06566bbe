package dev.nexus.proxy.exchange;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Recognises gRPC calls among requests: {@code content-type: application/grpc} and its variants
 * ({@code application/grpc+proto}, {@code application/grpc-web}...), and names their method for the records
 * only when the path has the shape of one, so an agent cannot put arbitrary text in a log field by calling it
 * a gRPC method.
 */
public final class GrpcRequests {

    private static final String GRPC_CONTENT_TYPE = "application/grpc";
    /** Longer paths are not recorded as a method: real fully qualified method names are far shorter. */
    static final int MAX_METHOD_LENGTH = 256;

    private GrpcRequests() {
    }

    /** Whether the request's content type says gRPC. */
    public static boolean isGrpc(HttpHeaders headers) {
        String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        return contentType != null && contentType.regionMatches(true, 0, GRPC_CONTENT_TYPE, 0,
                GRPC_CONTENT_TYPE.length());
    }

    /**
     * The method of a gRPC call, {@code /package.Service/Method}, or {@code null} when {@code path} does not have
     * that shape: a slash, dot-separated identifiers (at least two: package and service), a slash, an identifier.
     */
    public static String method(String path) {
        if (path == null || path.length() > MAX_METHOD_LENGTH || path.isEmpty() || path.charAt(0) != '/') {
            return null;
        }
        int slash = path.indexOf('/', 1);
        if (slash < 0 || !dottedIdentifiers(path, 1, slash) || !identifier(path, slash + 1, path.length())) {
            return null;
        }
        return path;
    }

    /** At least two identifiers separated by single dots. */
    private static boolean dottedIdentifiers(String s, int from, int to) {
        int start = from;
        int parts = 0;
        for (int i = from; i <= to; i++) {
            if (i == to || s.charAt(i) == '.') {
                if (!identifier(s, start, i)) {
                    return false;
                }
                parts++;
                start = i + 1;
            }
        }
        return parts >= 2;
    }

    /** Letters, digits and underscores, not starting with a digit, not empty (protobuf's identifiers). */
    private static boolean identifier(String s, int from, int to) {
        if (from >= to || s.charAt(from) >= '0' && s.charAt(from) <= '9') {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
