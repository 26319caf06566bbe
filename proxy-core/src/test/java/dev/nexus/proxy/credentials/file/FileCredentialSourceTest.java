package dev.nexus.proxy.credentials.file;

import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.nexus.proxy.credentials.CredentialTestSupport.await;
import static dev.nexus.proxy.credentials.CredentialTestSupport.failure;
import static dev.nexus.proxy.credentials.CredentialTestSupport.replaceAtomically;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileCredentialSourceTest {

    private static final Duration FAST_POLL = Duration.ofMillis(50);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    private FileCredentialSource source;

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
    }

    private Path write(String name, String content, String permissions) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    private static String apiKeyEntry(String id, String value) {
        return id + ":\n  strategy: {type: header, config: {header_name: X-API-Key}}\n  credentials: {api_key: " + value + "}\n";
    }

    private static void rewrite(Path file, String content) throws Exception {
        replaceAtomically(file, content);
    }

    @Test
    void shippedExampleParsesEveryStrategy() throws Exception {
        Path file = dir.resolve("credentials.yaml");
        try (InputStream example = getClass().getResourceAsStream("/dev/nexus/proxy/credentials/example-credentials.yaml")) {
            Files.write(file, example.readAllBytes());
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        source = new FileCredentialSource(file, false, FAST_POLL, CLOCK);
        assertEquals(6, source.connectionIds().size());
        Lease github = await(source.fetch("github-demo"));
        assertEquals("header", github.strategy().type());
        assertEquals("token ", github.strategy().config().get("value_prefix"));
        assertNull(github.expiresAt());
        assertEquals(CLOCK.instant().plusSeconds(3600), await(source.fetch("weather-demo")).expiresAt(), "expires_in counts from the fetch");
        assertEquals(Instant.parse("2030-01-01T00:00:00Z"), await(source.fetch("s3-demo")).expiresAt());
        assertEquals("oauth2", await(source.fetch("google-demo")).strategy().type());
        assertEquals(Kind.NOT_FOUND, failure(source.fetch("not-in-file")).kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r--r--", "rw-r-----", "rw----r--", "rw--w----", "rw-rw-rw-"})
    void refusedWhenOthersCanReadOrWrite(String permissions) throws Exception {
        Path file = write("open.yaml", apiKeyEntry("c1", "perm-secret"), permissions);
        CredentialFileException refused = assertThrows(CredentialFileException.class,
                () -> new FileCredentialSource(file, false, FAST_POLL, CLOCK));
        assertTrue(refused.getMessage().contains(file.toString()), refused.getMessage());
        assertTrue(refused.getMessage().contains(permissions), refused.getMessage());
        assertTrue(refused.getMessage().contains("chmod 600"), refused.getMessage());

        source = new FileCredentialSource(file, true, FAST_POLL, CLOCK);
        assertEquals("perm-secret", await(source.fetch("c1")).credential("api_key"), "accepted when explicitly allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-------", "r--------", "rwx------"})
    void privateFilesAreAccepted(String permissions) throws Exception {
        source = new FileCredentialSource(write("private.yaml", apiKeyEntry("c1", "v"), permissions), false, FAST_POLL, CLOCK);
        assertEquals("v", await(source.fetch("c1")).credential("api_key"));
    }

    @Test
    void reloadsOnChangeAndTellsListeners() throws Exception {
        Path file = write("live.yaml", apiKeyEntry("c1", "first") + apiKeyEntry("c2", "same"), "rw-------");
        source = new FileCredentialSource(file, false, FAST_POLL, CLOCK);
        List<String> changed = new CopyOnWriteArrayList<>();
        source.onChange(changed::add);
        assertEquals("first", await(source.fetch("c1")).credential("api_key"));

        rewrite(file, apiKeyEntry("c1", "second") + apiKeyEntry("c2", "same") + apiKeyEntry("c3", "new"));
        await().atMost(Duration.ofSeconds(5)).until(() -> "second".equals(source.fetch("c1").join().credential("api_key")));
        assertEquals("new", await(source.fetch("c3")).credential("api_key"));
        await().atMost(Duration.ofSeconds(5)).until(() -> changed.containsAll(List.of("c1", "c3")));
        assertFalse(changed.contains("c2"), "unchanged entries are not reported");
    }

    @Test
    void followsAKubernetesStyleSymlinkSwap() throws Exception {
        // Secret volumes: credentials.yaml -> ..data/credentials.yaml, and ..data is swapped to a new directory.
        Path first = Files.createDirectory(dir.resolve("..2026_11_29_v1"));
        write(first.getFileName() + "/credentials.yaml", apiKeyEntry("c1", "mounted-v1"), "r--------");
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("credentials.yaml"), Path.of("..data/credentials.yaml"));
        source = new FileCredentialSource(file, false, FAST_POLL, CLOCK);
        assertEquals("mounted-v1", await(source.fetch("c1")).credential("api_key"));

        Path second = Files.createDirectory(dir.resolve("..2026_11_29_v2"));
        write(second.getFileName() + "/credentials.yaml", apiKeyEntry("c1", "mounted-v2"), "r--------");
        Path swap = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(swap, dir.resolve("..data"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(5)).until(() -> "mounted-v2".equals(source.fetch("c1").join().credential("api_key")));
    }

    @Test
    void aModeChangeWithoutAnEditIsWarnedAboutOnTheNextPoll() throws Exception {
        Path file = write("chmod.yaml", apiKeyEntry("c1", "chmod-secret-42"), "rw-------");
        source = new FileCredentialSource(file, false, FAST_POLL, CLOCK);
        try (LogCapture logs = new LogCapture("dev.nexus")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

            await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("is readable or writable by other users"));
            assertTrue(logs.contains("permissions rw-r--r--") && logs.contains("chmod 600 " + file), logs.text());
            assertEquals(1, logs.lines().stream().filter(line -> line.contains("readable or writable")).count(),
                    "warned once, not on every poll: " + logs.text());
            assertFalse(logs.contains("chmod-secret-42"), logs.text());
            assertEquals("chmod-secret-42", await(source.fetch("c1")).credential("api_key"));
        }
    }

    @Test
    void verifyChecksPermissionsAndContentWithoutWatching() throws Exception {
        FileCredentialSource.verify(write("ok.yaml", apiKeyEntry("c1", "v"), "rw-------"), false);
        Path open = write("open.yaml", apiKeyEntry("c1", "verify-secret-9"), "rw-r--r--");

        CredentialFileException e = assertThrows(CredentialFileException.class, () -> FileCredentialSource.verify(open, false));

        assertTrue(e.getMessage().contains("chmod 600 " + open), e.getMessage());
        assertFalse(e.getMessage().contains("verify-secret-9"), e.getMessage());
        FileCredentialSource.verify(open, true);
    }

    @Test
    void brokenEditKeepsTheLastGoodContentAndLogsOnlyTheLocation() throws Exception {
        Path file = write("edit.yaml", apiKeyEntry("c1", "good"), "rw-------");
        source = new FileCredentialSource(file, false, FAST_POLL, CLOCK);
        try (LogCapture logs = new LogCapture("dev.nexus")) {
            rewrite(file, "c1:\n  strategy: {type: header\n  credentials: {api_key: broken-secret-77}\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("is not valid YAML at line"));
            assertEquals("good", await(source.fetch("c1")).credential("api_key"));

            rewrite(file, "c1:\n  credentials: {api_key: missing-strategy-secret}\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("connection 'c1': field 'strategy' is missing"));
            assertEquals("good", await(source.fetch("c1")).credential("api_key"));

            assertFalse(logs.contains("broken-secret-77"), String.join("\n", logs.lines()));
            assertFalse(logs.contains("missing-strategy-secret"), String.join("\n", logs.lines()));

            rewrite(file, apiKeyEntry("c1", "fixed"));
            await().atMost(Duration.ofSeconds(5)).until(() -> "fixed".equals(source.fetch("c1").join().credential("api_key")));
        }
    }

    @Test
    void refreshRereadsTheFileAtOnce() throws Exception {
        Path file = write("refresh.yaml", apiKeyEntry("c1", "before"), "rw-------");
        source = new FileCredentialSource(file, false, Duration.ofHours(1), CLOCK);
        rewrite(file, apiKeyEntry("c1", "after"));
        assertEquals("before", await(source.fetch("c1")).credential("api_key"), "no poll has run yet");
        assertEquals("after", await(source.refresh("c1")).credential("api_key"));
    }

    @Test
    void invalidFileIsRefusedAtStartupNamingTheConnectionAndField() throws Exception {
        Path file = write("bad.yaml", "c1:\n  strategy: {type: header}\n  credentials: startup-secret-9\n", "rw-------");
        CredentialFileException e = assertThrows(CredentialFileException.class,
                () -> new FileCredentialSource(file, false, FAST_POLL, CLOCK));
        assertTrue(e.getMessage().contains("connection 'c1': field 'credentials' must be an object"), e.getMessage());
        assertFalse(e.getMessage().contains("startup-secret-9"));

        Path duplicate = write("dup.yaml", apiKeyEntry("c1", "a") + apiKeyEntry("c1", "b"), "rw-------");
        CredentialFileException dup = assertThrows(CredentialFileException.class,
                () -> new FileCredentialSource(duplicate, false, FAST_POLL, CLOCK));
        assertTrue(dup.getMessage().contains("line 4"), dup.getMessage());

        CredentialFileException missing = assertThrows(CredentialFileException.class,
                () -> new FileCredentialSource(dir.resolve("absent.yaml"), false, FAST_POLL, CLOCK));
        assertTrue(missing.getMessage().contains("absent.yaml"), missing.getMessage());
    }
}
