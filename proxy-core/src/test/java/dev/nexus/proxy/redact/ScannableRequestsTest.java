package dev.nexus.proxy.redact;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The request side of full redaction: only codings the proxy can scan are offered. */
class ScannableRequestsTest {

    @Test
    void acceptEncodingKeepsOnlyScannableCodingsWithTheirWeights() {
        assertThat(ScannableRequests.scannableCodings("gzip, deflate, br, zstd")).isEqualTo("gzip, deflate");
        assertThat(ScannableRequests.scannableCodings("br;q=1.0, gzip;q=0.5")).isEqualTo("gzip;q=0.5");
        assertThat(ScannableRequests.scannableCodings("*;q=0.1")).isEqualTo("gzip;q=0.1, deflate;q=0.1");
        assertThat(ScannableRequests.scannableCodings("br")).isEqualTo("identity");
    }

    @Test
    void webSocketCompressionIsNotNegotiatedAndAMissingAcceptEncodingStaysMissing() {
        HttpHeaders headers = new DefaultHttpHeaders().set("Sec-WebSocket-Extensions", "permessage-deflate");
        ScannableRequests.prepare(headers);
        assertThat(headers.contains("Sec-WebSocket-Extensions")).isFalse();
        assertThat(headers.contains("Accept-Encoding")).isFalse();
    }

    @Test
    void responseCodingsAreScannableOnlyWhenSingleAndKnown() {
        assertThat(ScannableRequests.coding(new DefaultHttpHeaders())).isEqualTo(ScannableRequests.Coding.IDENTITY);
        assertThat(ScannableRequests.coding(new DefaultHttpHeaders().set("Content-Encoding", "GZIP")))
                .isEqualTo(ScannableRequests.Coding.GZIP);
        assertThat(ScannableRequests.coding(new DefaultHttpHeaders().set("Content-Encoding", "deflate")))
                .isEqualTo(ScannableRequests.Coding.DEFLATE);
        assertThat(ScannableRequests.coding(new DefaultHttpHeaders().set("Content-Encoding", "gzip, br"))).isNull();
        assertThat(ScannableRequests.coding(new DefaultHttpHeaders().set("Content-Encoding", "zstd"))).isNull();
    }
}
