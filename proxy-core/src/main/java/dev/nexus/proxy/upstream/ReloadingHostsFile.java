package dev.nexus.proxy.upstream;

import io.netty.resolver.HostsFileEntriesProvider;
import io.netty.resolver.HostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The hosts file as the DNS resolvers of every event loop see it, re-read when it changes: operators' edits
 * and Kubernetes {@code hostAliases} updates take effect without a restart (Netty's own resolver reads the
 * file once). Lookups never touch the disk: at most every {@link #CHECK_INTERVAL} a lookup asks a background
 * thread to compare the file's modification time and size and re-parse it when they changed; the lookup itself
 * (and the ones before the new entries are in) use the entries already read. An unreadable or missing file
 * keeps the last entries and is reported once per change of state.
 */
final class ReloadingHostsFile implements HostsFileEntriesResolver, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReloadingHostsFile.class.getName());

    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);

    private record Snapshot(FileTime modified, long size, Map<String, List<InetAddress>> ipv4,
                            Map<String, List<InetAddress>> ipv6) {
        static final Snapshot EMPTY = new Snapshot(null, -1, Map.of(), Map.of());
    }

    private final Path path;
    private final ExecutorService checker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "nexus-hosts-file");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong nextCheckNanos = new AtomicLong();
    private final AtomicBoolean checking = new AtomicBoolean();
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile String lastProblem;

    /**
     * Reads the file now (on the caller's thread: call at startup, not on an event loop).
     *
     * @param path the hosts file; {@code null} for the platform's
     */
    ReloadingHostsFile(Path path) {
        this.path = path != null ? path : platformDefault();
        reloadIfChanged();
        nextCheckNanos.set(System.nanoTime() + CHECK_INTERVAL.toNanos());
    }

    private static Path platformDefault() {
        if (PlatformDependent.isWindows()) {
            String root = Objects.requireNonNullElse(System.getenv("SystemRoot"), "C:\\Windows");
            return Path.of(root, "System32", "drivers", "etc", "hosts");
        }
        return Path.of("/etc/hosts");
    }

    @Override
    public InetAddress address(String inetHost, ResolvedAddressTypes types) {
        scheduleCheckIfDue();
        Snapshot current = snapshot;
        String name = inetHost.toLowerCase(Locale.ROOT);
        List<InetAddress> v4 = current.ipv4().get(name);
        List<InetAddress> v6 = current.ipv6().get(name);
        return switch (types) {
            case IPV4_ONLY -> first(v4);
            case IPV6_ONLY -> first(v6);
            case IPV4_PREFERRED -> v4 != null ? first(v4) : first(v6);
            case IPV6_PREFERRED -> v6 != null ? first(v6) : first(v4);
        };
    }

    private static InetAddress first(List<InetAddress> addresses) {
        return addresses == null || addresses.isEmpty() ? null : addresses.get(0);
    }

    private void scheduleCheckIfDue() {
        long now = System.nanoTime();
        long due = nextCheckNanos.get();
        if (now - due < 0 || !nextCheckNanos.compareAndSet(due, now + CHECK_INTERVAL.toNanos())
                || !checking.compareAndSet(false, true)) {
            return;
        }
        try {
            checker.execute(() -> {
                try {
                    reloadIfChanged();
                } finally {
                    checking.set(false);
                }
            });
        } catch (RejectedExecutionException closed) {
            checking.set(false);
        }
    }

    /** Re-parses the file when its modification time or size differ from what was read last. */
    private void reloadIfChanged() {
        Snapshot current = snapshot;
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (attributes.lastModifiedTime().equals(current.modified()) && attributes.size() == current.size()) {
                return;
            }
            HostsFileEntriesProvider entries = HostsFileEntriesProvider.parser().parse(path.toFile());
            snapshot = new Snapshot(attributes.lastModifiedTime(), attributes.size(), Map.copyOf(entries.ipv4Entries()),
                    Map.copyOf(entries.ipv6Entries()));
            if (current != Snapshot.EMPTY || lastProblem != null) {
                LOG.info(() -> "hosts file " + path + " changed: re-read (" + snapshot.ipv4().size() + " IPv4 and "
                        + snapshot.ipv6().size() + " IPv6 names)");
            }
            lastProblem = null;
        } catch (NoSuchFileException e) {
            report("hosts file " + path + " does not exist; names resolve through DNS only"
                    + (current == Snapshot.EMPTY ? "" : " (the last entries read stay in use)"));
        } catch (IOException | RuntimeException e) {
            report("hosts file " + path + " cannot be read (" + e.getMessage() + "); the last entries read stay in use");
        }
    }

    private void report(String problem) {
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            LOG.warning(problem);
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }
}
