package dev.nexus.policy.reload;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.PolicySources;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.policy.match.CompiledPolicy;
import dev.nexus.policy.validate.Diagnostic;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Keeps the policy current: loads it at {@link #start()}, then reloads when the files change.
 * Changes are noticed by a {@link WatchService} (fast) and by a periodic content-hash poll
 * (Kubernetes ConfigMap updates are symlink swaps some watchers miss); events are debounced.
 * A reload is parse -> validate -> compile -> one atomic swap, so every request sees exactly
 * one policy version; a broken edit keeps the last good policy, counts a failure, logs every
 * error and tells the {@link Listener}.
 */
public final class PolicyReloader implements Closeable {

    /** Told about every reload attempt; called on the reloader's thread, must not block long. */
    public interface Listener {
        default void reloaded(PolicySnapshot snapshot) {
        }

        default void failed(PolicySnapshot snapshot, List<Diagnostic> errors) {
        }
    }

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(200);

    private static final Logger LOG = Logger.getLogger(PolicyReloader.class.getName());

    private final Path source;
    private final Duration pollInterval;
    private final Duration debounce;
    private final Listener listener;
    private final Clock clock;
    private final AtomicReference<PolicySnapshot> current = new AtomicReference<>(PolicySnapshot.EMPTY);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            daemon("nexus-policy-reload"));
    /** Hash of the files last attempted (good or bad), so an unchanged broken file is not re-reported. */
    private String lastAttemptedHash;
    private ScheduledFuture<?> pendingReload;
    private WatchService watchService;

    public PolicyReloader(Path source, Listener listener) {
        this(source, DEFAULT_POLL_INTERVAL, DEFAULT_DEBOUNCE, listener, Clock.systemUTC());
    }

    public PolicyReloader(Path source, Duration pollInterval, Duration debounce, Listener listener, Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.pollInterval = pollInterval;
        this.debounce = debounce;
        this.listener = listener == null ? new Listener() { } : listener;
        this.clock = clock;
    }

    /**
     * Loads the policy now and starts watching. Returns the resulting snapshot; when the first
     * load fails it is not {@link PolicySnapshot#ready() ready} and later edits may still fix it.
     */
    public PolicySnapshot start() throws IOException {
        PolicySnapshot snapshot = reload(true);
        Path directory = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
        watchService = directory.getFileSystem().newWatchService();
        directory.register(watchService, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        daemon("nexus-policy-watch").newThread(this::watchLoop).start();
        long pollMillis = pollInterval.toMillis();
        scheduler.scheduleWithFixedDelay(() -> reload(false), pollMillis, pollMillis, TimeUnit.MILLISECONDS);
        return snapshot;
    }

    /** The policy in force, or {@code null} before the first valid load. Read it once per request. */
    public CompiledPolicy current() {
        return current.get().policy();
    }

    public PolicySnapshot snapshot() {
        return current.get();
    }

    /** Reloads now even if the files look unchanged (e.g. on SIGHUP) and returns the resulting snapshot. */
    public PolicySnapshot reloadNow() {
        return reload(true);
    }

    private void watchLoop() {
        try {
            while (true) {
                WatchKey key = watchService.take();
                key.pollEvents();
                scheduleDebouncedReload();
                if (!key.reset()) {
                    LOG.warning("policy directory is no longer watchable; relying on the periodic check");
                    return;
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed: stop watching
        }
    }

    private synchronized void scheduleDebouncedReload() {
        if (pendingReload != null) {
            pendingReload.cancel(false);
        }
        if (!scheduler.isShutdown()) {
            pendingReload = scheduler.schedule(() -> reload(false), debounce.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized PolicySnapshot reload(boolean force) {
        PolicySnapshot previous = current.get();
        List<SourceFile> sources;
        try {
            sources = PolicySources.read(source);
        } catch (IOException e) {
            String hash = "unreadable:" + e.getMessage();
            if (!force && hash.equals(lastAttemptedHash)) {
                return previous;
            }
            lastAttemptedHash = hash;
            return fail(previous, "cannot read policy: " + e.getMessage(), List.of());
        }
        String hash = PolicySources.contentHash(sources);
        if (!force && hash.equals(lastAttemptedHash)) {
            return previous;
        }
        lastAttemptedHash = hash;
        LoadResult result;
        try {
            result = PolicyLoader.load(sources);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "policy reload failed unexpectedly", e);
            return fail(previous, "unexpected error while loading the policy: " + e, List.of());
        }
        if (!result.ok()) {
            return fail(previous, result.errors().stream().map(Diagnostic::toString).collect(Collectors.joining("\n")),
                    result.errors());
        }
        PolicySnapshot next = new PolicySnapshot(result.policy(), previous.version() + 1, hash, clock.instant(),
                previous.reloadFailures(), previous.lastError(), previous.lastErrorAt());
        current.set(next);
        result.warnings().forEach(w -> LOG.warning(w.toString()));
        LOG.info(() -> "policy version " + next.version() + " loaded from " + source + ": "
                + result.routeCount() + " routes, sha256 " + hash);
        notify(() -> listener.reloaded(next));
        return next;
    }

    private PolicySnapshot fail(PolicySnapshot previous, String error, List<Diagnostic> errors) {
        PolicySnapshot next = new PolicySnapshot(previous.policy(), previous.version(), previous.contentHash(),
                previous.loadedAt(), previous.reloadFailures() + 1, error, clock.instant());
        current.set(next);
        LOG.warning(() -> "policy " + source + " not loaded"
                + (previous.ready() ? ", still serving version " + previous.version() : "") + ":\n" + error);
        notify(() -> listener.failed(next, errors));
        return next;
    }

    private static void notify(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "policy reload listener failed", e);
        }
    }

    @Override
    public void close() throws IOException {
        scheduler.shutdownNow();
        if (watchService != null) {
            watchService.close();
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
