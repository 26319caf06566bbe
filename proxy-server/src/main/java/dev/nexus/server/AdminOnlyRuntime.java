package dev.nexus.server;

import dev.nexus.server.admin.ReadinessCheck;

import java.time.Duration;
import java.util.logging.Logger;

/**
 * The runtime of a build without a data plane: nothing listens on the proxy port, which it says in
 * the log and in {@code /readyz} (503, check "proxy listener" down), while the admin listener runs.
 * {@link Main} uses it until proxy-core's runtime is wired in.
 */
final class AdminOnlyRuntime implements ProxyRuntime {

    private static final Logger LOG = Logger.getLogger(AdminOnlyRuntime.class.getName());
    private static final String NOT_WIRED = "no data plane is wired into this build";

    private final RuntimeContext context;

    AdminOnlyRuntime(RuntimeContext context) {
        this.context = context;
        context.readiness().register("proxy listener", () -> ReadinessCheck.Result.down(NOT_WIRED));
    }

    @Override
    public void start() {
        var listen = context.config().listen();
        LOG.warning(() -> NOT_WIRED + ": " + listen.address() + ":" + listen.port() + " is not served; only the admin listener runs");
    }

    @Override
    public void reload() {
        LOG.info(() -> "reload requested: " + NOT_WIRED + ", nothing to reload");
    }

    @Override
    public void shutdown(Duration drain) {
        // Nothing accepted connections, so there is nothing to drain.
    }
}
