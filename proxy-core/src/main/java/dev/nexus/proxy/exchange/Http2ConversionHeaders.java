package dev.nexus.proxy.exchange;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * Netty's HTTP/2-to-HTTP conversion adds extension headers of its own ({@code x-http2-stream-id},
 * {@code x-http2-scheme}...) to the messages it makes: they are neither the agent's nor the origin's, and are
 * removed before a stage sees the message.
 */
public final class Http2ConversionHeaders {

    private Http2ConversionHeaders() {
    }

    public static void strip(HttpHeaders headers) {
        for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
            headers.remove(name.text());
        }
    }
}
