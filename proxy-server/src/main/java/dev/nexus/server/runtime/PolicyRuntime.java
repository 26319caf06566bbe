package dev.nexus.server.runtime;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.policy.match.CompiledPolicy;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.reload.PolicyReloader;
import dev.nexus.policy.reload.PolicySnapshot;
import dev.nexus.policy.validate.Diagnostic;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.server.admin.ReadinessCheck;
import dev.nexus.server.admin.ReadinessChecks;
import dev.nexus.server.config.NexusConfig;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The routing policy of a running proxy: a hot-reloaded file or directory when {@code policy.path} is
 * set, else the embedded default policy. Exposes the current policy to the data plane, readiness
 * ("policy loaded") and metrics (version, hash, last reload, failures).
 */
final class PolicyRuntime implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PolicyRuntime.class.getName());
    static final String EMBEDDED_POLICY = "/dev/nexus/server/default-policy.yaml";
    private static final Decision NOT_LOADED = new Decision.Deny(null, "no valid policy is loaded yet", null);

    private final PolicyReloader reloader;
    private final Supplier<CompiledPolicy> current;
    private final Supplier<PolicySnapshot> snapshot;

    private PolicyRuntime(PolicyReloader reloader, Supplier<CompiledPolicy> current, Supplier<PolicySnapshot> snapshot) {
        this.reloader = reloader;
        this.current = current;
        this.snapshot = snapshot;
    }

    static PolicyRuntime start(NexusConfig.Policy config, PrometheusRegistry registry, ReadinessChecks readiness)
            throws IOException {
        PolicyRuntime runtime;
        if (config.path().isPresent()) {
            Path path = config.path().get();
            PolicyReloader reloader = new PolicyReloader(path, config.pollInterval(), PolicyReloader.DEFAULT_DEBOUNCE,
                    new PolicyReloader.Listener() {
                        @Override
                        public void reloaded(PolicySnapshot snapshot) {
                            LOG.info(() -> "policy version " + snapshot.version() + " loaded from " + path + " ("
                                    + snapshot.policy().routeCount() + " routes, sha256 " + snapshot.contentHash() + ")");
                        }

                        @Override
                        public void failed(PolicySnapshot snapshot, List<Diagnostic> errors) {
                            errors.forEach(error -> LOG.warning("policy not reloaded, previous version keeps serving: "
                                    + error));
                        }
                    }, java.time.Clock.systemUTC());
            reloader.start();
            runtime = new PolicyRuntime(reloader, reloader::current, reloader::snapshot);
        } else {
            LoadResult embedded = loadEmbedded();
            LOG.info(() -> "no policy.path configured: using the embedded default policy ("
                    + embedded.routeCount() + " routes; public destinations allowed without credentials)");
            PolicySnapshot fixed = new PolicySnapshot(embedded.policy(), 1, embedded.contentHash(), Instant.now(), 0,
                    null, null);
            runtime = new PolicyRuntime(null, embedded::policy, () -> fixed);
        }
        CounterWithCallback.builder().name("nexus_policy_reload_failures_total")
                .help("Policy reloads refused because the new version was invalid")
                .callback(cb -> cb.call(runtime.snapshot.get().reloadFailures())).register(registry);
        GaugeWithCallback.builder().name("nexus_policy_version").help("Version number of the policy in use (1 = first load)")
                .callback(cb -> cb.call(runtime.snapshot.get().version())).register(registry);
        GaugeWithCallback.builder().name("nexus_policy_last_reload_timestamp_seconds")
                .help("When the policy in use was loaded")
                .callback(cb -> {
                    PolicySnapshot current = runtime.snapshot.get();
                    if (current.loadedAt() != null) {
                        cb.call(current.loadedAt().toEpochMilli() / 1000.0);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("nexus_policy_hash").help("Always 1; the sha256 label names the content of the policy in use")
                .labelNames("sha256").callback(cb -> cb.call(1, runtime.snapshot.get().contentHash())).register(registry);
        readiness.register("policy loaded", () -> runtime.snapshot.get().ready()
                ? ReadinessCheck.Result.up("version " + runtime.snapshot.get().version())
                : ReadinessCheck.Result.down("no valid policy loaded yet"));
        return runtime;
    }

    private static LoadResult loadEmbedded() {
        try (InputStream in = PolicyRuntime.class.getResourceAsStream(EMBEDDED_POLICY)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            LoadResult result = PolicyLoader.load(List.of(new SourceFile("default-policy.yaml", text)));
            if (!result.ok()) {
                throw new IllegalStateException("the embedded default policy is invalid: " + result.errors());
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Until a first valid policy is loaded every request is denied, and {@code /readyz} says why. */
    PolicyDecider decider() {
        return request -> {
            CompiledPolicy policy = current.get();
            return policy != null ? policy.decide(request) : NOT_LOADED;
        };
    }

    void reload() {
        if (reloader != null) {
            reloader.reloadNow();
        }
    }

    @Override
    public void close() throws IOException {
        if (reloader != null) {
            reloader.close();
        }
    }
}
