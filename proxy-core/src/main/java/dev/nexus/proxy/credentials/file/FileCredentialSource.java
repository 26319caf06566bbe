package dev.nexus.proxy.credentials.file;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.TokenGrant;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The development credential source: leases from a local YAML file (see {@code example-credentials.yaml}),
 * for a single node without an Authority. The file holds secrets, so it is refused when group or others
 * may read or write it, unless {@code allowInsecurePermissions} says the operator accepts that.
 * <p>
 * A daemon thread polls the file's content hash every {@code pollInterval} and applies a changed content once
 * it has been stable for one more poll (editors write in several steps; ConfigMap/Secret volumes swap
 * symlinks, which content hashing sees and modification times may not). A broken edit is logged with its
 * location and ignored: the last good content keeps serving. Connections whose entry changed are reported
 * to {@link #onChange} listeners so caches drop the old lease. {@link #refresh} re-reads the file at once.
 * Every poll also looks at the file's permissions, so a file that becomes readable by others (a
 * {@code chmod 644}, a changed volume mode) is warned about at once, not only at its next edit.
 */
public final class FileCredentialSource implements CredentialSource {

    private static final Logger LOG = Logger.getLogger(FileCredentialSource.class.getName());
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);

    private final CredentialFile file;
    private final boolean allowInsecurePermissions;
    private final Clock clock;
    private final ScheduledExecutorService watcher;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<String, TokenGrant> grants;
    // Touched only on the watcher thread (after construction).
    private String appliedHash;
    private String pendingHash;
    private String lastProblem;

    public FileCredentialSource(Path path, boolean allowInsecurePermissions) {
        this(path, allowInsecurePermissions, DEFAULT_POLL_INTERVAL, Clock.systemUTC());
    }

    /**
     * @throws CredentialFileException when the file is unreadable, invalid, or readable/writable by other
     *                                 users without {@code allowInsecurePermissions}
     */
    public FileCredentialSource(Path path, boolean allowInsecurePermissions, Duration pollInterval, Clock clock) {
        this.file = new CredentialFile(path);
        this.allowInsecurePermissions = allowInsecurePermissions;
        this.clock = clock;
        checkPermissions(file, allowInsecurePermissions);
        byte[] content = file.read();
        this.grants = Map.copyOf(file.parse(content));
        this.appliedHash = sha256(content);
        LOG.info(() -> "credential file " + path + " loaded: " + grants.size() + " connection(s)");
        this.watcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "nexus-credential-file-watch");
            thread.setDaemon(true);
            return thread;
        });
        long period = pollInterval.toMillis();
        watcher.scheduleWithFixedDelay(this::poll, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<Lease> fetch(String connectionId) {
        TokenGrant grant = grants.get(connectionId);
        if (grant == null) {
            return CompletableFuture.failedFuture(new CredentialException(Kind.NOT_FOUND, connectionId,
                    "the connection is not in credential file " + file.path()));
        }
        return CompletableFuture.completedFuture(grant.toLease(connectionId, clock.instant()));
    }

    /** Re-reads the file now (on the watcher thread) and answers from what it holds then. */
    @Override
    public CompletableFuture<Lease> refresh(String connectionId) {
        return CompletableFuture.runAsync(() -> reload(false), watcher).thenCompose(ignored -> fetch(connectionId));
    }

    @Override
    public void onChange(Consumer<String> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Checks, without watching or keeping anything, what the constructor would: that the file is private
     * (unless {@code allowInsecurePermissions}) and valid; for a start to fail before it writes any file.
     *
     * @throws CredentialFileException naming the file and the problem (never its content)
     */
    public static void verify(Path path, boolean allowInsecurePermissions) {
        CredentialFile file = new CredentialFile(path);
        checkPermissions(file, allowInsecurePermissions);
        file.parse(file.read());
    }

    /** The connection ids the file currently defines. */
    public Set<String> connectionIds() {
        return grants.keySet();
    }

    private void poll() {
        try {
            reload(true);
        } catch (RuntimeException e) {
            // Never let an unexpected failure stop the schedule; the message is ours or a type name only.
            report("credential file " + file.path() + " could not be reloaded (" + e.getClass().getName() + ")");
        }
    }

    /** Applies the file's content if it changed; with {@code debounce}, only once it was the same on two polls. */
    private void reload(boolean debounce) {
        byte[] content;
        try {
            content = file.read();
        } catch (CredentialFileException e) {
            report(e.getMessage() + "; keeping the last good content");
            return;
        }
        String hash = sha256(content);
        if (hash.equals(appliedHash)) {
            pendingHash = null;
            warnIfExposed();
            return;
        }
        if (debounce && !hash.equals(pendingHash)) {
            pendingHash = hash;
            return;
        }
        pendingHash = null;
        try {
            checkPermissions(file, allowInsecurePermissions);
            Map<String, TokenGrant> next = Map.copyOf(file.parse(content));
            Map<String, TokenGrant> previous = grants;
            grants = next;
            appliedHash = hash;
            lastProblem = null;
            LOG.info(() -> "credential file " + file.path() + " reloaded: " + next.size() + " connection(s)");
            notifyChanged(previous, next);
        } catch (CredentialFileException e) {
            report(e.getMessage() + "; keeping the last good content");
        }
    }

    private void notifyChanged(Map<String, TokenGrant> previous, Map<String, TokenGrant> next) {
        Set<String> ids = new HashSet<>(previous.keySet());
        ids.addAll(next.keySet());
        for (String id : ids) {
            if (!Objects.equals(previous.get(id), next.get(id))) {
                listeners.forEach(listener -> listener.accept(id));
            }
        }
    }

    private static void checkPermissions(CredentialFile file, boolean allowInsecurePermissions) {
        Set<PosixFilePermission> excess = file.excessPermissions();
        if (excess.isEmpty()) {
            return;
        }
        String problem = exposure(file);
        if (!allowInsecurePermissions) {
            throw new CredentialFileException(problem + ": " + remedy(file));
        }
        LOG.warning(() -> problem + "; accepted because insecure permissions are explicitly allowed");
    }

    /**
     * An unchanged file whose permissions now let others read it: the content already served stays, but the
     * operator hears of it on this poll (once until the problem changes) instead of at the next edit.
     */
    private void warnIfExposed() {
        if (allowInsecurePermissions) {
            return;
        }
        try {
            if (file.excessPermissions().isEmpty()) {
                lastProblem = null;
                return;
            }
        } catch (CredentialFileException e) {
            report(e.getMessage());
            return;
        }
        report(exposure(file) + ": " + remedy(file) + "; its next edit will be refused until then");
    }

    private static String exposure(CredentialFile file) {
        return "credential file " + file.path() + " is readable or writable by other users (permissions "
                + file.describePermissions() + "); it holds secrets";
    }

    private static String remedy(CredentialFile file) {
        return "run 'chmod 600 " + file.path()
                + "' (in Kubernetes, mount it with defaultMode 0400), or allow insecure permissions explicitly";
    }

    /** Logs a problem once until it changes, so a broken file does not flood the log twice a second. */
    private void report(String problem) {
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            LOG.log(Level.WARNING, problem);
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }

    @Override
    public String toString() {
        return "FileCredentialSource[" + file.path() + "]";
    }
}
