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
    NON_ABSOLUTE_TARGET,
    CONTENT_LENGTH_AND_TRANSFER_ENCODING,
    INVALID_CONTENT_LENGTH,
    INVALID_TRANSFER_ENCODING,
    INVALID_CHUNK_SIZE,
    OBS_FOLD,
    WHITESPACE_BEFORE_COLON,
    BARE_CR,
    BARE_LF,
    CONTROL_CHARACTER,
    /** A decoder failure none of the other constants describes. */
    OTHER;

    final String label = name().toLowerCase(Locale.ROOT);
}
