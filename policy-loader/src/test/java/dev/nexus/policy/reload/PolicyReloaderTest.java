package dev.nexus.policy.reload;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.PolicyRequest;
import dev.nexus.policy.validate.Diagnostic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyReloaderTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<PolicySnapshot> reloaded = new CopyOnWriteArrayList<>();
    private final List<List<Diagnostic>> failed = new CopyOnWriteArrayList<>();
    private PolicyReloader reloader;

    @AfterEach
    void close() throws IOException {
        if (reloader != null) {
            reloader.close();
        }
    }

    private static String policy(String routeName, String host) {
        return "version: 1\nroutes:\n  - name: " + routeName + "\n    match:\n      hosts: [" + host + "]\n    action: allow\n";
    }

    private PolicyReloader start(Path source) throws IOException {
        reloader = new PolicyReloader(source, Duration.ofMillis(100), Duration.ofMillis(50), new PolicyReloader.Listener() {
            @Override
            public void reloaded(PolicySnapshot snapshot) {
                reloaded.add(snapshot);
            }

            @Override
            public void failed(PolicySnapshot snapshot, List<Diagnostic> errors) {
                failed.add(errors);
            }
        }, Clock.systemUTC());
        reloader.start();
        return reloader;
    }

    private String routeFor(String host) {
        Decision decision = reloader.current().decide(new PolicyRequest("", "https", host, 443, "GET", "/"));
        return decision.routeName();
    }

    /** Replaces a file the way editors and config tools do: write aside, then rename over. */
    private static void replace(Path file, String content) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void fileEditIsPickedUp() throws IOException {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, policy("one", "a.example"));
        start(file);
        PolicySnapshot first = reloader.snapshot();
        assertTrue(first.ready());
        assertEquals(1, first.version());
        assertEquals(64, first.contentHash().length());
        assertEquals("one", routeFor("a.example"));

        replace(file, policy("two", "a.example"));
        await().atMost(WAIT).until(() -> reloader.snapshot().version() == 2);
        assertEquals("two", routeFor("a.example"));
        assertNotEquals(first.contentHash(), reloader.snapshot().contentHash());
        assertFalse(reloader.snapshot().loadedAt().isBefore(first.loadedAt()));
        assertEquals(0, reloader.snapshot().reloadFailures());
        assertEquals(2, reloaded.size());
    }

    @Test
    void brokenEditKeepsTheLastGoodPolicyAndReportsTheError() throws IOException {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, policy("good", "a.example"));
        start(file);

        replace(file, policy("bad", "10.0.0.0/33"));
        await().atMost(WAIT).until(() -> reloader.snapshot().reloadFailures() == 1);
        PolicySnapshot snapshot = reloader.snapshot();
        assertEquals(1, snapshot.version(), "the old policy keeps serving");
        assertEquals("good", routeFor("a.example"));
        String expected = file + ":5:15: routes[0].match.hosts[0]: invalid CIDR \"10.0.0.0/33\" (prefix must be 0-32)";
        assertEquals(expected, snapshot.lastError());
        assertEquals(expected, failed.get(0).get(0).toString());

        replace(file, policy("fixed", "a.example"));
        await().atMost(WAIT).until(() -> reloader.snapshot().version() == 2);
        assertEquals("fixed", routeFor("a.example"));
        assertEquals(1, reloader.snapshot().reloadFailures(), "an unchanged broken file is reported once");
    }

    @Test
    void directoryOfFilesIsMergedAndWatched() throws IOException {
        Files.writeString(dir.resolve("a.yaml"), policy("team-a", "a.example"));
        Files.writeString(dir.resolve("b.yml"), policy("team-b", "b.example"));
        Files.writeString(dir.resolve("notes.txt"), "not a policy");
        start(dir);
        assertEquals(List.of("team-a", "team-b"), reloader.current().routeNames());

        replace(dir.resolve("c.json"), "{\"version\": 1, \"routes\": [{\"name\": \"team-c\", \"match\": {\"hosts\": [\"c.example\"]}, \"action\": \"deny\"}]}");
        await().atMost(WAIT).until(() -> reloader.snapshot().version() == 2);
        assertEquals(List.of("team-a", "team-b", "team-c"), reloader.current().routeNames());

        replace(dir.resolve("d.yaml"), policy("team-a", "d.example"));
        await().atMost(WAIT).until(() -> reloader.snapshot().reloadFailures() == 1);
        assertTrue(reloader.snapshot().lastError().contains("duplicate route name \"team-a\""), reloader.snapshot().lastError());
        assertEquals("team-c", routeFor("c.example"));
    }

    @Test
    void configMapSymlinkSwapIsPickedUp() throws IOException {
        Path first = Files.createDirectory(dir.resolve("..2026_11_29_01_00_00.000000001"));
        Files.writeString(first.resolve("policy.yaml"), policy("v1", "a.example"));
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(dir.resolve("policy.yaml"), Path.of("..data/policy.yaml"));
        start(dir);
        assertEquals(List.of("v1"), reloader.current().routeNames());

        Path second = Files.createDirectory(dir.resolve("..2026_11_29_02_00_00.000000002"));
        Files.writeString(second.resolve("policy.yaml"), policy("v2", "a.example"));
        Path tempLink = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(tempLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        await().atMost(WAIT).until(() -> reloader.snapshot().version() == 2);
        assertEquals(List.of("v2"), reloader.current().routeNames());
    }

    @Test
    void invalidFirstPolicyIsNotReadyUntilFixed() throws IOException {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, "version: 1\nroutes: {}\n");
        start(file);
        assertFalse(reloader.snapshot().ready());
        assertNull(reloader.current());
        assertEquals(0, reloader.snapshot().version());
        assertEquals(1, reloader.snapshot().reloadFailures());

        replace(file, policy("ok", "a.example"));
        await().atMost(WAIT).until(() -> reloader.snapshot().ready());
        assertEquals(1, reloader.snapshot().version());
    }

    @Test
    void reloadNowReloadsEvenWhenUnchangedAndThreadsAreNamedDaemons() throws IOException {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, policy("one", "a.example"));
        start(file);
        PolicySnapshot forced = reloader.reloadNow();
        assertEquals(2, forced.version());
        assertEquals(forced, reloader.snapshot());
        List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("nexus-policy-")).toList();
        assertTrue(threads.stream().anyMatch(t -> t.getName().equals("nexus-policy-watch")), threads::toString);
        assertTrue(threads.stream().allMatch(Thread::isDaemon), threads::toString);
    }

    @Test
    void deletedFileIsAFailureNotAnEmptyPolicy() throws IOException {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, policy("one", "a.example"));
        start(file);
        Files.delete(file);
        await().atMost(WAIT).until(() -> reloader.snapshot().reloadFailures() == 1);
        assertEquals("one", routeFor("a.example"));
        assertTrue(reloader.snapshot().lastError().contains("cannot read policy"), reloader.snapshot().lastError());
    }
}
