package dev.nexus.proxy.tls;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a failed upstream TLS handshake into a short reason for the agent's 502 body, e.g.
 * "certificate not trusted (unknown issuer / self-signed)". Only fixed phrases and TLS alert names
 * come out, never raw exception text, so nothing from a certificate or key can leak.
 */
public final class TlsFailureReason {

    static final String NOT_TRUSTED = "certificate not trusted (unknown issuer / self-signed)";
    static final String EXPIRED = "certificate expired";
    static final String NOT_YET_VALID = "certificate not yet valid";
    static final String HANDSHAKE_FAILED = "handshake failed";

    /** JDK: "Received fatal alert: handshake_failure". */
    private static final Pattern JDK_ALERT = Pattern.compile("Received fatal alert: ([a-z_]{1,40})");
    /** BoringSSL: "error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE". */
    private static final Pattern OPENSSL_REASON = Pattern.compile("OPENSSL_internal:([A-Z0-9_]{1,60})");

    private TlsFailureReason() {
    }

    /**
     * @param failure what the handshake future or exceptionCaught reported
     * @param host the origin host, named in the "does not match" reason
     */
    public static String describe(Throwable failure, String host) {
        String alert = null;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof CertificateExpiredException) {
                return EXPIRED;
            }
            if (t instanceof CertificateNotYetValidException) {
                return NOT_YET_VALID;
            }
            if (t instanceof CertPathValidatorException validator) {
                if (validator.getReason() == BasicReason.EXPIRED) {
                    return EXPIRED;
                }
                if (validator.getReason() == BasicReason.NOT_YET_VALID) {
                    return NOT_YET_VALID;
                }
                if (validator.getReason() == BasicReason.REVOKED) {
                    return "certificate revoked";
                }
                return "certificate not trusted (invalid chain)";
            }
            if (t instanceof CertPathBuilderException || message.contains("unable to find valid certification path")) {
                return NOT_TRUSTED;
            }
            if (message.startsWith("No subject alternative") || message.startsWith("No name matching")) {
                return "certificate does not match host " + host;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return "handshake timed out";
            }
            if (t instanceof ClosedChannelException || message.contains("closed before")) {
                return "connection closed by origin during handshake";
            }
            if (alert == null) {
                alert = alertName(message);
            }
        }
        return alert == null ? HANDSHAKE_FAILED : HANDSHAKE_FAILED + ": " + alert;
    }

    private static String alertName(String message) {
        if (message.startsWith("No appropriate protocol")) {
            return "no common protocol version";
        }
        Matcher jdk = JDK_ALERT.matcher(message);
        if (jdk.find()) {
            return jdk.group(1);
        }
        Matcher openssl = OPENSSL_REASON.matcher(message);
        if (openssl.find()) {
            return openssl.group(1).replaceFirst("^(SSLV3|TLSV1)_ALERT_", "").toLowerCase(Locale.ROOT);
        }
        return null;
    }
}
