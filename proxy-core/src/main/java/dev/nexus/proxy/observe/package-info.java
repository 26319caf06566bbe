/**
 * What the data plane reports, never containing secrets or query strings:
 * {@link dev.nexus.proxy.observe.ProxyMetrics} (Prometheus series, allocation-free recording) and the
 * {@link dev.nexus.proxy.observe.AccessLog} (one JSON line per request, written off the event loop).
 */
package dev.nexus.proxy.observe;
