package dev.nexus.server.runtime;

import java.time.Duration;

/**
 * The data plane as the server lifecycle sees it: the seam where proxy-core's listeners plug into
 * {@code nexus-proxy run}. Created by a {@link ProxyRuntimeFactory} from a {@link RuntimeContext};
 * started once, reloaded on SIGHUP, shut down once on SIGTERM.
 */
public interface ProxyRuntime {

    /**
     * Binds the proxy listeners and starts serving; returns once they are bound. Readiness beyond
     * that (policy loaded, Redis) is reported through the context's readiness checks. Throwing aborts
     * startup; the exception's message is shown to the operator as one line, so make it name the
     * thing that failed (e.g. {@code listen 127.0.0.1:3128: Address already in use}).
     */
    void start() throws Exception;

    /**
     * Re-reads what can change without a restart (SIGHUP), e.g. the policy. A bad new version must be
     * refused and logged while the old one keeps serving; this method does not throw for it.
     */
    void reload();

    /**
     * Stops accepting connections, lets in-flight requests finish for up to {@code drain}, then closes
     * everything. Called once, from the shutdown hook; returns when done.
     */
    void shutdown(Duration drain);
}
