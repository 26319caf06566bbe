package dev.nexus.server.runtime;

import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.ingress.LoopbackAddresses;
import dev.nexus.server.config.NexusConfig;

import java.net.InetSocketAddress;

/** Translates the validated configuration into the data plane's settings; nothing else reads config there. */
final class SettingsMapping {

    private SettingsMapping() {
    }

    static ProxySettings proxySettings(NexusConfig config) {
        NexusConfig.Timeouts timeouts = config.timeouts();
        TransparentAddresses transparent = new TransparentAddresses(LoopbackAddresses::hasIpv6);
        return ProxySettings.builder()
                .listenAddress(new InetSocketAddress(config.listen().address(), config.listen().port()))
                .maxInitialLineLength(config.limits().maxInitialLineLength())
                .maxHeaderSize(config.limits().maxHeaderSize())
                .maxChunkSize(config.limits().maxChunkSize())
                .connectionLimits(new ProxySettings.ConnectionLimits(config.limits().maxConnectionsPerSource(),
                        config.limits().maxConnections()))
                .http2(config.limits().http2())
                .connectTimeout(timeouts.connect())
                .requestHeaderTimeout(timeouts.requestHeader())
                .requestBodyTimeout(timeouts.requestBody())
                .clientIdleTimeout(timeouts.clientIdle())
                .tunnelIdleTimeout(timeouts.tunnelIdle())
                .responseTimeout(timeouts.response())
                .maxConnectionsPerHost(config.upstream().maxConnectionsPerHost())
                .uploadSharePercent(config.upstream().uploadSharePercent())
                .upstreamIdleTimeout(config.upstream().poolIdleTimeout())
                .hostOverrides(config.upstream().hosts())
                .hostsFile(config.upstream().hostsFile().orElse(null))
                .transparentHttp(transparent.listener(config.transparent().http()))
                .transparentTls(transparent.listener(config.transparent().tls()))
                .build();
    }
}
