package dev.nexus.proxy.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentsFileTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int hash(String stdin, String... args) {
        return AgentsFileCommands.hash(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theHashCommandPrintsALineTheAgentsFileAcceptsAndThatVerifiesTheSecret(@TempDir Path dir) throws Exception {
        assertEquals(0, hash("billing-Secret-7f3a\n", "--iterations", "20000"));
        String line = out.toString(StandardCharsets.UTF_8).trim();
        Path file = Files.writeString(dir.resolve("agents.yaml"), "agents:\n  billing-bot: \"" + line + "\"\n");

        AgentsFile agents = AgentsFile.load(file);

        assertTrue(line.startsWith("pbkdf2-sha256$20000$"), line);
        assertFalse(line.contains("billing-Secret-7f3a"));
        assertEquals(Set.of("billing-bot"), agents.names());
        assertTrue(agents.hashOf("billing-bot").matches("billing-Secret-7f3a".toCharArray()));
    }

    @Test
    void theHashCommandUsesTheDefaultCostAndRefusesEmptyInputAndStrayArguments() {
        assertEquals(0, hash("s\r\n"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("pbkdf2-sha256$310000$"));
        assertTrue(Pbkdf2Hash.parse(out.toString(StandardCharsets.UTF_8).trim()).matches("s".toCharArray()));

        assertEquals(2, hash(""));
        assertEquals(2, hash("x", "--rounds", "3"));
        assertEquals(2, hash("x", "--iterations", "12"));
        assertEquals("agents hash: no secret on standard input\nusage: nexus-proxy agents hash [--iterations N] < secret\n"
                        + "agents hash: unexpected argument '--rounds'\nusage: nexus-proxy agents hash [--iterations N] < secret\n"
                        + "agents hash: iterations must be 10000-10000000, got 12\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aPlainTextSecretIsRefusedWithoutEchoingIt() {
        IdentityConfigException e = assertThrows(IdentityConfigException.class,
                () -> AgentsFile.parse("agents.yaml", "agents:\n  billing-bot: my-plain-password\n"));

        assertTrue(e.getMessage().startsWith("agents.yaml: agents.billing-bot: not a pbkdf2-sha256 hash"), e.getMessage());
        assertFalse(e.getMessage().contains("my-plain-password"));
    }

    @Test
    void namesAndShapeAreChecked() {
        String hash = Pbkdf2Hash.create("x".toCharArray(), Pbkdf2Hash.MIN_ITERATIONS).encode();

        assertEquals("agents.yaml: agents.billing.bot: invalid agent name (letters, digits, '-' and '_', starting with a "
                        + "letter or digit, at most 128)",
                assertThrows(IdentityConfigException.class,
                        () -> AgentsFile.parse("agents.yaml", "agents:\n  billing.bot: \"" + hash + "\"\n")).getMessage());
        assertEquals("agents.yaml: unknown key \"agent\" (allowed: agents)",
                assertThrows(IdentityConfigException.class,
                        () -> AgentsFile.parse("agents.yaml", "agents: {}\nagent: {}\n")).getMessage());
        assertEquals("agents.yaml: expected a mapping \"agents:\" of agent name to hash",
                assertThrows(IdentityConfigException.class, () -> AgentsFile.parse("agents.yaml", "- a\n")).getMessage());
        assertEquals("missing.yaml: cannot read agents file: no such file",
                assertThrows(IdentityConfigException.class, () -> AgentsFile.load(Path.of("missing.yaml"))).getMessage());
    }
}
