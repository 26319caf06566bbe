package dev.nexus.proxy.exchange;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.util.Map;

/**
 * The proxy's own answers to the agent: small JSON documents {@code {"error": ..., "detail": ...}}
 * plus optional fields such as {@code route}. Callers pass only safe text: never header values,
 * query strings or credentials.
 */
public final class ErrorResponses {

    private static final JsonStringEncoder JSON = JsonStringEncoder.getInstance();

    private ErrorResponses() {
    }

    /**
     * The answer for {@code error}: its status and a body {@code {"error": code, "detail": detail, ...extra}};
     * {@code close} adds {@code Connection: close}.
     */
    public static FullHttpResponse json(ByteBufAllocator alloc, ErrorCode error, String detail,
                                        Map<String, String> extra, boolean close) {
        return json(alloc, error.status(), error.code(), detail, extra, close);
    }

    /** The same for errors whose status and code come from elsewhere (the Authority's answers). */
    public static FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status, String error, String detail,
                                        Map<String, String> extra, boolean close) {
        StringBuilder body = new StringBuilder(96).append("{\"error\":");
        quote(body, error);
        body.append(",\"detail\":");
        quote(body, detail);
        for (Map.Entry<String, String> field : extra.entrySet()) {
            body.append(',');
            quote(body, field.getKey());
            body.append(':');
            quote(body, field.getValue());
        }
        body.append("}\n");
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                ByteBufUtil.writeUtf8(alloc, body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    public static FullHttpResponse json(ByteBufAllocator alloc, ErrorCode error, String detail, boolean close) {
        return json(alloc, error, detail, Map.of(), close);
    }

    private static void quote(StringBuilder out, String value) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        JSON.quoteAsString(value, out);
        out.append('"');
    }
}
