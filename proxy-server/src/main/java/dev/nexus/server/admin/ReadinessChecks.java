package dev.nexus.server.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The named readiness checks behind {@code /readyz}. The proxy is ready when no check is
 * {@link ReadinessCheck.Status#DOWN}; a check that throws counts as DOWN.
 */
public final class ReadinessChecks {

    private static final Logger LOG = Logger.getLogger(ReadinessChecks.class.getName());

    private final Map<String, ReadinessCheck> checks = new LinkedHashMap<>();

    public synchronized ReadinessChecks register(String name, ReadinessCheck check) {
        if (checks.putIfAbsent(name, check) != null) {
            throw new IllegalArgumentException("readiness check already registered: " + name);
        }
        return this;
    }

    /** Runs every check, in registration order. */
    public Report evaluate() {
        List<Map.Entry<String, ReadinessCheck>> snapshot;
        synchronized (this) {
            snapshot = new ArrayList<>(checks.entrySet());
        }
        List<Entry> entries = new ArrayList<>();
        boolean ready = true;
        for (Map.Entry<String, ReadinessCheck> check : snapshot) {
            ReadinessCheck.Result result;
            try {
                result = check.getValue().check();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "readiness check '" + check.getKey() + "' failed", e);
                result = ReadinessCheck.Result.down("check failed: " + e.getClass().getSimpleName());
            }
            ready &= result.status() != ReadinessCheck.Status.DOWN;
            entries.add(new Entry(check.getKey(), result.status().name().toLowerCase(Locale.ROOT), result.detail()));
        }
        return new Report(ready ? "ready" : "not_ready", entries);
    }

    /** The {@code /readyz} body. */
    public record Report(String status, List<Entry> checks) {
        public boolean ready() {
            return status.equals("ready");
        }
    }

    public record Entry(String name, String status, String detail) {
    }
}
