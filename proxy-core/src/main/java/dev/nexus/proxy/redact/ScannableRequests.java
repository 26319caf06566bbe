package dev.nexus.proxy.redact;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Shapes an inject route's outgoing request so that the answer can be scanned: only content codings
 * the proxy can decode are offered, and WebSocket compression is not negotiated.
 */
final class ScannableRequests {

    private ScannableRequests() {
    }

    static void prepare(HttpHeaders outbound) {
        String accepted = outbound.get(HttpHeaderNames.ACCEPT_ENCODING);
        if (accepted != null) {
            outbound.set(HttpHeaderNames.ACCEPT_ENCODING, scannableCodings(accepted));
        }
        // permessage-deflate frames could not be scanned without inflating each message.
        outbound.remove(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
    }

    /**
     * The agent's {@code Accept-Encoding} reduced to gzip, deflate and identity, q-values kept;
     * {@code *} stands for gzip and deflate. Nothing left means identity.
     */
    static String scannableCodings(String accepted) {
        StringJoiner kept = new StringJoiner(", ");
        for (String item : accepted.split(",")) {
            String trimmed = item.trim();
            int semicolon = trimmed.indexOf(';');
            String coding = (semicolon < 0 ? trimmed : trimmed.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
            String parameters = semicolon < 0 ? "" : trimmed.substring(semicolon);
            switch (coding) {
                case "gzip", "x-gzip", "deflate", "identity" -> kept.add(trimmed);
                case "*" -> kept.add("gzip" + parameters).add("deflate" + parameters);
                default -> {
                    // br, zstd, compress and unknown codings: the proxy could not scan the answer
                }
            }
        }
        return kept.length() == 0 ? "identity" : kept.toString();
    }

    /** The content coding of a response body as the proxy can scan it, or {@code null} if it cannot. */
    static Coding coding(HttpHeaders response) {
        List<String> values = response.getAll(HttpHeaderNames.CONTENT_ENCODING);
        if (values.isEmpty()) {
            return Coding.IDENTITY;
        }
        if (values.size() > 1 || values.get(0).indexOf(',') >= 0) {
            return null; // stacked codings
        }
        return switch (values.get(0).trim().toLowerCase(Locale.ROOT)) {
            // aws-chunked describes how an upload was framed, not the stored bytes: S3 implementations that echo
            // it on a download send the object as it is.
            case "", "identity", "aws-chunked" -> Coding.IDENTITY;
            case "gzip", "x-gzip" -> Coding.GZIP;
            case "deflate" -> Coding.DEFLATE;
            default -> null;
        };
    }

    /** Content codings the proxy decodes to scan. */
    enum Coding { IDENTITY, GZIP, DEFLATE }
}
