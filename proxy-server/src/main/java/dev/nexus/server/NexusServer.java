package dev.nexus.server;

import dev.nexus.proxy.observe.AccessLog;
import dev.nexus.proxy.observe.ProxyMetrics;
import dev.nexus.server.admin.AdminRouter;
import dev.nexus.server.admin.AdminServer;
import dev.nexus.server.admin.AdminToken;
import dev.nexus.server.admin.ReadinessCheck;
import dev.nexus.server.admin.ReadinessChecks;
import dev.nexus.server.admin.StandardEndpoints;
import dev.nexus.server.config.Durations;
import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.runtime.ProxyRuntime;
import dev.nexus.server.runtime.ProxyRuntimeFactory;
import dev.nexus.server.runtime.RuntimeContext;
import dev.nexus.server.runtime.StartupChecks;
import dev.nexus.server.runtime.StartupException;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running proxy process: metrics registry, readiness, access log, admin listener and the data
 * plane ({@link ProxyRuntime}), started in that order so probes answer while the data plane starts,
 * and stopped in reverse so probes report "shutting down" while in-flight requests drain.
 */
public final class NexusServer {

    private static final Logger LOG = Logger.getLogger(NexusServer.class.getName());

    private enum Phase { STARTING, RUNNING, STOPPING }

    private final NexusConfig config;
    private final AccessLog accessLog;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile Phase phase = Phase.STARTING;
    private ProxyRuntime runtime;
    private boolean runtimeStarting;
    private AdminServer admin;

    private NexusServer(NexusConfig config, AccessLog accessLog) {
        this.config = config;
        this.accessLog = accessLog;
    }

    /**
     * Starts everything; on failure, releases what was started, removes the files this start created
     * and throws with a one-line message. Files it reads are checked before anything is written.
     */
    public static NexusServer start(NexusConfig config, ProxyRuntimeFactory runtimeFactory) throws StartupException {
        Optional<String> problem = StartupChecks.problem(config);
        if (problem.isPresent()) {
            throw new StartupException("cannot start: " + problem.get(), null, true);
        }
        FirstStartFiles created = FirstStartFiles.absentBefore(config);
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        ProxyMetrics metrics = new ProxyMetrics(registry);
        ReadinessChecks readiness = new ReadinessChecks();
        AdminRouter router = new AdminRouter();
        AtomicBoolean started = new AtomicBoolean();
        StandardEndpoints.register(router, readiness, registry, started::get);

        NexusServer server;
        try {
            server = new NexusServer(config, AccessLogs.open(config.accessLog(), registry));
        } catch (StartupException | RuntimeException e) {
            created.removeCreated();
            throw e;
        }
        readiness.register("lifecycle", server::lifecycleCheck);
        try {
            server.runtime = runtimeFactory.create(new RuntimeContext(config, registry, metrics, server.accessLog, readiness, router));
            NexusConfig.Admin adminConfig = config.admin();
            server.admin = AdminServer.start(adminConfig.address(), adminConfig.port(), AdminToken.resolve(adminConfig),
                    router);
            LOG.info(() -> "admin listening on http://" + hostPort(server.admin.localAddress()) + " (/healthz, /readyz, /metrics)");
            server.runtimeStarting = true;
            server.runtime.start();
        } catch (Exception e) {
            server.releaseAfterFailedStart();
            created.removeCreated();
            throw new StartupException("cannot start: " + describe(e), e, StartupChecks.isConfigurationProblem(e));
        }
        server.phase = Phase.RUNNING;
        started.set(true);
        LOG.info("started");
        return server;
    }

    /** The admin listener's bound address (useful when the configured port is 0). */
    public InetSocketAddress adminAddress() {
        return admin.localAddress();
    }

    /** Asks the data plane to reload (SIGHUP); ignored unless running. */
    public void reload() {
        if (phase != Phase.RUNNING) {
            return;
        }
        try {
            runtime.reload();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reload failed; the previous state keeps serving", e);
        }
    }

    /**
     * Drains the data plane for up to {@code timeouts.shutdown_drain}, then closes the admin listener
     * and the access log. Safe to call more than once and from several threads; every call returns
     * after shutdown has completed.
     */
    public void shutdown() {
        if (!stopping.compareAndSet(false, true)) {
            awaitTermination();
            return;
        }
        phase = Phase.STOPPING;
        LOG.info(() -> "shutting down: draining for up to " + Durations.format(config.timeouts().shutdownDrain()));
        try {
            runtime.shutdown(config.timeouts().shutdownDrain());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "data plane shutdown failed", e);
        } finally {
            admin.close();
            accessLog.close();
            terminated.countDown();
            LOG.info("stopped");
        }
    }

    /** Blocks until {@link #shutdown()} has completed. */
    public void awaitTermination() {
        boolean interrupted = false;
        while (true) {
            try {
                terminated.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private ReadinessCheck.Result lifecycleCheck() {
        return switch (phase) {
            case STARTING -> ReadinessCheck.Result.down("starting");
            case RUNNING -> ReadinessCheck.Result.up("running");
            case STOPPING -> ReadinessCheck.Result.down("shutting down");
        };
    }

    private void releaseAfterFailedStart() {
        if (runtimeStarting) {
            try {
                runtime.shutdown(Duration.ZERO); // what the data plane started (watchers, pools) before it failed
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "releasing the data plane after a failed start", e);
            }
        }
        if (admin != null) {
            admin.close();
        }
        accessLog.close();
    }

    private static String describe(Exception e) {
        if (e instanceof IOException || e instanceof StartupException || StartupChecks.isConfigurationProblem(e)) {
            return e.getMessage();
        }
        // Unexpected: the stack trace helps whoever reports it.
        LOG.log(Level.SEVERE, "startup failed", e);
        return e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
