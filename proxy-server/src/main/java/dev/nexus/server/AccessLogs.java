package dev.nexus.server;

import dev.nexus.proxy.observe.AccessLog;
import dev.nexus.proxy.observe.AsyncAccessLog;
import dev.nexus.proxy.observe.LineSink;
import dev.nexus.proxy.observe.StreamLineSink;
import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.runtime.StartupException;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Opens the access log the {@code access_log} section asks for. */
final class AccessLogs {

    /** How long shutdown waits for queued access log lines to be written. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private AccessLogs() {
    }

    static AccessLog open(NexusConfig.AccessLog config, PrometheusRegistry registry) throws StartupException {
        if (!config.enabled()) {
            return AccessLog.DISABLED;
        }
        LineSink sink = switch (config.target()) {
            case STDOUT -> StreamLineSink.stdout();
            case STDERR -> StreamLineSink.stderr();
            case FILE -> openFile(config.path().orElseThrow());
        };
        return new AsyncAccessLog(sink, config.queueSize(), CLOSE_TIMEOUT, registry);
    }

    private static LineSink openFile(Path path) throws StartupException {
        try {
            return StreamLineSink.appendingTo(path);
        } catch (IOException e) {
            throw new StartupException("access_log.path: cannot open " + path + " for appending: " + e.getMessage(), e);
        }
    }
}
