package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.Lease;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

import java.time.Instant;
import java.util.Map;

/** Builds requests, leases and strategies for strategy tests. */
final class TestRequests {

    static final Instant TIME = Instant.parse("2015-08-30T12:36:00Z");

    private TestRequests() {
    }

    /** A request to https://api.example.com with the given method and origin-form uri, Host set. */
    static OutboundRequest request(String method, String uri, String... headerNamesAndValues) {
        return request(method, uri, null, headerNamesAndValues);
    }

    static OutboundRequest request(String method, String uri, ByteBuf body, String... headerNamesAndValues) {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
        head.headers().set("Host", "api.example.com");
        for (int i = 0; i < headerNamesAndValues.length; i += 2) {
            head.headers().add(headerNamesAndValues[i], headerNamesAndValues[i + 1]);
        }
        return new OutboundRequest("https", "api.example.com", 443, head, body, TIME);
    }

    static Lease lease(String type, Map<String, String> credentials) {
        return new Lease("conn-1", StrategySpec.of(type), credentials, null, TIME);
    }

    static CredentialStrategy strategy(String type, Map<String, String> config) {
        return Strategies.create(new StrategySpec(type, config), StrategyOptions.DEFAULT);
    }

    /** Strip then apply, as the proxy does. */
    static OutboundRequest inject(CredentialStrategy strategy, OutboundRequest request, Lease lease) {
        strategy.stripAgentCredentials(request);
        strategy.apply(request, lease);
        return request;
    }
}
