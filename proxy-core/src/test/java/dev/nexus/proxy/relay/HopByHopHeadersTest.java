package dev.nexus.proxy.relay;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's proxy credentials are a hop-by-hop header: they never travel on to the origin. */
class HopByHopHeadersTest {

    @Test
    void proxyAuthorizationIsStrippedAndEndToEndHeadersStay() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add(HttpHeaderNames.PROXY_AUTHORIZATION, "Basic YmlsbGluZy1ib3Q6c2VjcmV0")
                .add(HttpHeaderNames.ACCEPT, "*/*");

        HopByHopHeaders.strip(headers, false);

        assertFalse(headers.contains(HttpHeaderNames.PROXY_AUTHORIZATION));
        assertTrue(headers.contains(HttpHeaderNames.ACCEPT));
    }
}
