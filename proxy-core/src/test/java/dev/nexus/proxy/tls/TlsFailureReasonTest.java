package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Mapping of failure shapes not easily produced by a live origin; live ones are in UpstreamTlsContextsTest. */
class TlsFailureReasonTest {

    @Test
    void jdkAlertNameIsReported() {
        assertEquals("handshake failed: handshake_failure", TlsFailureReason.describe(
                new SSLHandshakeException("Received fatal alert: handshake_failure"), "h"));
    }

    @Test
    void boringSslReasonIsReportedAsAnAlertName() {
        assertEquals("handshake failed: handshake_failure", TlsFailureReason.describe(new SSLHandshakeException(
                "error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE"), "h"));
    }

    @Test
    void expiryWrappedInHandshakeExceptionIsFound() {
        SSLHandshakeException wrapped = new SSLHandshakeException("PKIX path validation failed");
        wrapped.initCause(new CertificateException(new CertificateExpiredException("NotAfter: ...")));

        assertEquals("certificate expired", TlsFailureReason.describe(wrapped, "h"));
    }

    @Test
    void timeoutsAndClosesHaveTheirOwnReasons() {
        assertEquals("handshake timed out",
                TlsFailureReason.describe(new SslHandshakeTimeoutException("handshake timed out after 10000ms"), "h"));
        assertEquals("connection closed by origin during handshake",
                TlsFailureReason.describe(new ClosedChannelException(), "h"));
    }

    @Test
    void unknownTextIsNeverEchoed() {
        String reason = TlsFailureReason.describe(
                new SSLHandshakeException("weird failure with Authorization: Bearer sk-live-123 inside"), "h");

        assertEquals("handshake failed", reason);
    }
}
