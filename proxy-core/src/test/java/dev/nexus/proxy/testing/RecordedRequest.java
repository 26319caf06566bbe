package dev.nexus.proxy.testing;

import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;

/**
 * A request as the origin received it: method, origin-form target, headers and (for ordinary
 * paths) the body; for streamed uploads only the byte count.
 */
public record RecordedRequest(String method, String uri, HttpHeaders headers, byte[] body, long bodyLength) {

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public String header(CharSequence name) {
        return headers.get(name);
    }
}
