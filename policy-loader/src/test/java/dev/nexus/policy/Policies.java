package dev.nexus.policy;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.policy.match.CompiledPolicy;
import dev.nexus.policy.validate.Diagnostic;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test helpers: load policy text given inline. */
public final class Policies {

    private Policies() {
    }

    /** Loads {@code yaml} as {@code policy.yaml}. */
    public static LoadResult load(String yaml) {
        return PolicyLoader.load(List.of(new SourceFile("policy.yaml", yaml)));
    }

    /** Loads {@code yaml}, asserting it is valid, and returns the compiled policy. */
    public static CompiledPolicy compile(String yaml) {
        LoadResult result = load(yaml);
        assertTrue(result.ok(), () -> "expected a valid policy, got " + result.diagnostics());
        return result.policy();
    }

    /** Every diagnostic of {@code yaml} as text. */
    public static List<String> diagnostics(String yaml) {
        return load(yaml).diagnostics().stream().map(Diagnostic::toString).toList();
    }

    /** Asserts {@code yaml} yields exactly one diagnostic, {@code expected}. */
    public static void assertOnlyDiagnostic(String yaml, String expected) {
        assertEquals(List.of(expected), diagnostics(yaml));
    }
}
