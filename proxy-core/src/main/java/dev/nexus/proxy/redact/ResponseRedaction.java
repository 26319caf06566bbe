package dev.nexus.proxy.redact;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.model.RedactResponses;
import dev.nexus.proxy.inject.InjectionPlan;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.observe.RedactionChannel;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The response side of one exchange on an {@code inject} route: everything the origin sends back is
 * scanned for the injected secret before the agent sees it (headers, body, trailers, the bytes after a
 * WebSocket upgrade, and the proxy's own error answers), as the route's {@code redact_responses}
 * asks. This is the one entry point the forwarding path calls; see the package documentation for
 * where each hook goes. Used on the exchange's event loop only.
 */
public final class ResponseRedaction {

    /** For exchanges that injected nothing: every hook passes through untouched. */
    public static final ResponseRedaction NONE = new ResponseRedaction(null, SecretPatterns.NONE, RedactResponses.OFF,
            ProxyEvents.NONE);

    private final InjectionPlan plan;
    private final SecretPatterns patterns;
    private final RedactResponses mode;
    private final ProxyEvents events;
    private final long[] counts = new long[RedactionChannel.values().length];
    private final List<ByteBuf> ready = new ArrayList<>(2);
    private final Consumer<ByteBuf> collect = ready::add;
    private BodyRedactor body;
    private RedactionChannel bodyChannel = RedactionChannel.BODY;
    private UpgradedStreamRedactor upgraded;
    private boolean reported;

    private ResponseRedaction(InjectionPlan plan, SecretPatterns patterns, RedactResponses mode, ProxyEvents events) {
        this.plan = plan;
        this.patterns = patterns;
        this.mode = mode;
        this.events = events;
    }

    /** The redaction for a response to a request sent with {@code plan}'s credentials. */
    public static ResponseRedaction open(InjectionPlan plan, SecretPatternCache cache, ProxyEvents events) {
        RedactResponses mode = plan.decision().options().redactResponses();
        if (mode == RedactResponses.OFF) {
            return NONE;
        }
        SecretPatterns patterns = cache.patterns(plan);
        return patterns.isEmpty() ? NONE : new ResponseRedaction(plan, patterns, mode, events);
    }

    /** TRACE echoes the request, injected credentials included, by design: refused on inject routes. */
    public static boolean refuses(String method) {
        return HttpMethod.TRACE.name().equals(method);
    }

    /** The agent-facing reason for {@link #refuses}; names the route. */
    public static String refusal(Decision.Inject decision) {
        return "TRACE is not allowed on route \"" + decision.routeName()
                + "\": it would echo the injected credentials back";
    }

    /**
     * Before the request leaves: with {@code full} redaction only scannable content codings are offered
     * and WebSocket compression is not negotiated.
     */
    public static void prepareRequest(HttpHeaders outbound, Decision.Inject decision) {
        if (decision.options().redactResponses() == RedactResponses.FULL) {
            ScannableRequests.prepare(outbound);
        }
    }

    /** Redacts a response head's headers only: informational (1xx) and 101 answers. */
    public void headers(HttpHeaders headers) {
        count(RedactionChannel.HEADER, HeaderRedaction.redact(patterns, headers));
    }

    /**
     * Redacts a final response head and prepares for its body. A body that will be re-encoded loses
     * its {@code Content-Length} (the caller then frames it chunked, or by closing for HTTP/1.0).
     *
     * @return {@code false} when the body comes in a content coding the proxy cannot scan: the caller
     *         must not pass the response on (answer with {@link #unscannableDetail()} instead)
     */
    public boolean head(HttpResponse response, HttpMethod requestMethod) {
        if (this == NONE) {
            return true;
        }
        HttpHeaders headers = response.headers();
        headers(headers);
        int code = response.status().code();
        // An empty body carries nothing to scan, whatever coding it names (S3 answers an aws-chunked upload so).
        boolean bodiless = HttpMethod.HEAD.equals(requestMethod) || code == 204 || code == 304
                || HttpUtil.getContentLength(response, -1L) == 0;
        if (mode != RedactResponses.FULL || bodiless) {
            return true;
        }
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && type.regionMatches(true, 0, HttpHeaderValues.TEXT_EVENT_STREAM.toString(), 0,
                HttpHeaderValues.TEXT_EVENT_STREAM.length())) {
            bodyChannel = RedactionChannel.SSE;
        }
        ScannableRequests.Coding coding = ScannableRequests.coding(headers);
        if (coding == null) {
            return false;
        }
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        if (coding == ScannableRequests.Coding.IDENTITY) {
            body = new PlainBodyRedactor(patterns, alloc);
        } else {
            body = new CompressedBodyRedactor(patterns, alloc, coding == ScannableRequests.Coding.GZIP);
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        return true;
    }

    /** Why a response was not passed on when {@link #head} said no; safe to show the agent. */
    public String unscannableDetail() {
        return "the origin answered with a content encoding the proxy cannot scan for the injected credentials"
                + " (route \"" + plan.routeName() + "\" redacts responses; only gzip, deflate and identity are scannable)";
    }

    /**
     * Redacts a piece of the body. Bytes that became ready before it are written to {@code agent}
     * here; the returned content is what is left to write, in its place (the last piece, with its
     * trailers redacted, when {@code content} was the last).
     *
     * @throws RedactionFailure when the body cannot be scanned after all (a compressed body that does
     *                          not decode); {@code content} has been released
     */
    public HttpContent body(HttpContent content, ChannelHandlerContext agent) {
        boolean last = content instanceof LastHttpContent;
        if (last) {
            count(RedactionChannel.TRAILER, HeaderRedaction.redact(patterns, ((LastHttpContent) content).trailingHeaders()));
        }
        if (body == null) {
            return content;
        }
        ByteBuf bytes = content.content();
        try {
            body.redact(bytes.retain(), collect);
            if (last) {
                body.finish(collect);
            }
        } catch (RedactionFailure e) {
            content.release();
            ready.forEach(ByteBuf::release);
            ready.clear();
            throw e;
        }
        if (ready.size() == 1 && ready.get(0) == bytes) {
            ready.clear();
            bytes.release(); // the retain above: content still holds its own reference
            return content;
        }
        content.release();
        int lastReady = ready.size() - 1;
        for (int i = 0; i < lastReady; i++) {
            agent.write(new DefaultHttpContent(ready.get(i)), agent.voidPromise());
        }
        ByteBuf rest = lastReady < 0 ? Unpooled.EMPTY_BUFFER : ready.get(lastReady);
        ready.clear();
        return last ? new DefaultLastHttpContent(rest, ((LastHttpContent) content).trailingHeaders())
                : new DefaultHttpContent(rest);
    }

    /** Redacts one of the proxy's own error answers in place (headers and body; same length). */
    public FullHttpResponse error(FullHttpResponse response) {
        if (this == NONE) {
            return response;
        }
        count(RedactionChannel.ERROR, HeaderRedaction.redact(patterns, response.headers()));
        ByteBuf content = response.content();
        long[] found = new long[1];
        String masked = patterns.redact(content.toString(StandardCharsets.ISO_8859_1), found);
        if (masked != null) {
            content.setCharSequence(content.readerIndex(), masked, StandardCharsets.ISO_8859_1);
        }
        count(RedactionChannel.ERROR, found[0]);
        return response;
    }

    /**
     * After a 101 on an inject route with {@code full} redaction: scans what the origin sends from now
     * on, placed in front of the relay handler named {@code relayName} on the upstream pipeline.
     */
    public void scanUpgraded(ChannelPipeline upstream, String relayName) {
        if (this != NONE && mode == RedactResponses.FULL) {
            upgraded = new UpgradedStreamRedactor(patterns);
            upstream.addBefore(relayName, "redact", upgraded);
        }
    }

    /**
     * The exchange is over (or its tunnel closed): counts become metrics, and if anything was
     * redacted, one audit record with the total goes to {@code audit}. Releases what is held. Safe to repeat.
     */
    public void finish(Consumer<AuditEvent.Builder> audit) {
        if (this == NONE || reported) {
            return;
        }
        reported = true;
        if (body != null) {
            body.discard();
            count(bodyChannel, body.redactions());
        }
        if (upgraded != null) {
            count(RedactionChannel.WEBSOCKET, upgraded.redactions());
        }
        long total = 0;
        for (RedactionChannel channel : RedactionChannel.values()) {
            long count = counts[channel.ordinal()];
            if (count > 0) {
                events.redacted(plan.routeName(), channel, count);
                total += count;
            }
        }
        if (total > 0) {
            audit.accept(plan.describe(AuditEvent.builder(AuditOutcome.REDACTED), System.currentTimeMillis())
                    .redactions(total));
        }
    }

    private void count(RedactionChannel channel, long found) {
        if (found > 0) {
            counts[channel.ordinal()] += found;
        }
    }
}
