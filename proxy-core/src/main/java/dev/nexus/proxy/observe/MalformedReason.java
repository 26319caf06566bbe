package dev.nexus.proxy.observe;

import java.util.Locale;

/**
 * Why a request was rejected as malformed (400 and close), the {@code reason} label of
 * {@code nexus_malformed_requests_total}. One constant per framing rule the ingress enforces,
 * so the label set stays bounded and each rule can be watched on its own.
 */
public enum MalformedReason {
    INITIAL_LINE_TOO_LONG,
    HEADER_TOO_LARGE,
    INVALID_REQUEST_LINE,
    /** Not absolute-form on a forward request, CONNECT without host:port, userinfo, bad host or port. */
    INVALID_TARGET,
    CONTENT_LENGTH_AND_TRANSFER_ENCODING,
    /** Not a number, or more than one Content-Length. */
    INVALID_CONTENT_LENGTH,
    /** A final transfer coding other than chunked. */
    INVALID_TRANSFER_ENCODING,
    /** A chunk size that is not hex, or chunk data not followed by CRLF. */
    INVALID_CHUNK,
    OBS_FOLD,
    WHITESPACE_BEFORE_COLON,
    BARE_CR,
    BARE_LF,
    CONTROL_CHARACTER,
    /** A header line without a colon, or a framing header too long to inspect. */
    INVALID_HEADER,
    /** More bytes than allowed sent after CONNECT or Upgrade before the proxy answered. */
    TOO_MUCH_EARLY_DATA,
    /** A decoder failure none of the other constants describes. */
    OTHER;

    final String label = name().toLowerCase(Locale.ROOT);
}
