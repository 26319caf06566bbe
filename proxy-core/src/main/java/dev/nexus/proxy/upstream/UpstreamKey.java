package dev.nexus.proxy.upstream;

/**
 * What makes two upstream connections interchangeable: the origin and whether the connection speaks
 * TLS. Never anything request-specific (a token in the key would make a pool per request).
 */
public record UpstreamKey(String host, int port, boolean tls) {
}
