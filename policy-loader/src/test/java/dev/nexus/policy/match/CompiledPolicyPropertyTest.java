package dev.nexus.policy.match;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.policy.model.ActionType;
import dev.nexus.policy.parse.ParsedFile;
import dev.nexus.policy.parse.PolicyParser;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random policies and random requests: the compiled matcher must agree with the naive
 * {@link ReferenceMatcher}. The seed is printed on failure; set -Dpolicy.seed=N to replay.
 */
class CompiledPolicyPropertyTest {

    private static final String[] HOST_PATTERNS = {"a.x.com", "b.a.x.com", "x.com", "*.x.com", "*.a.x.com",
            "*.b.a.x.com", "c.y.org", "*.y.org", "*", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3",
            "0.0.0.0/0", "fd00::/8", "fd00:1::/32", "::1", "XN--BCHER-KVA.x.com", "bücher.x.com"};
    private static final String[] REQUEST_HOSTS = {"a.x.com", "A.X.COM.", "b.a.x.com", "c.b.a.x.com", "x.com", "z.x.com",
            "c.y.org", "d.c.y.org", "y.org", "other.net", "10.1.2.3", "10.1.2.4", "10.1.9.9", "10.9.9.9", "11.0.0.1",
            "[fd00::1]", "[fd00:1::5]", "[fe80::1]", "[::1]", "::1", "bücher.x.com", "xn--bcher-kva.x.com", "[::ffff:10.1.2.3]"};
    private static final String[] PATH_PATTERNS = {"/a", "/a/b", "/a/*", "/a/**", "/a/*/c", "/b/**", "/", "/a/b/c", "/*"};
    private static final String[] REQUEST_PATHS = {"/", "/a", "/a/", "/a/b", "/a/b/c", "/a/x/c", "/b", "/b/c/d", "/c",
            "/a/../b/x", "/x/%2e%2e/a/b", "//a//b", "/a%2Fb", "/ab"};
    private static final String[] AGENTS = {"*", "bot-*", "bot-1", "spiffe://p/*"};
    private static final String[] REQUEST_AGENTS = {"", "bot-1", "bot-2", "spiffe://p/ns/x", "other"};

    @Test
    void compiledMatcherAgreesWithNaiveReference() {
        long seed = Long.getLong("policy.seed", 20261129L);
        Random random = new Random(seed);
        long deadline = System.nanoTime() + 20_000_000_000L;
        int compared = 0;
        for (int p = 0; p < 300 && System.nanoTime() < deadline; p++) {
            String yaml = randomPolicy(random);
            LoadResult loaded = PolicyLoader.load(List.of(new SourceFile("random.yaml", yaml)));
            assertTrue(loaded.ok(), () -> "seed " + seed + ": generated policy invalid: " + loaded.errors() + "\n" + yaml);
            ParsedFile parsed = PolicyParser.parse("random.yaml", yaml);
            ActionType defaultAction = parsed.defaults() == null ? ActionType.DENY : parsed.defaults().action();
            ReferenceMatcher reference = new ReferenceMatcher(parsed.routes(), defaultAction);
            for (int r = 0; r < 20; r++) {
                PolicyRequest request = randomRequest(random);
                ReferenceMatcher.Outcome expected = reference.decide(request);
                Decision actual = loaded.policy().decide(request);
                boolean intercepts = actual instanceof Decision.Destined d && d.options().interceptTls();
                boolean forced = actual.reason().endsWith("so each request is checked");
                ActionType actualAction = actual instanceof Decision.Inject ? ActionType.INJECT
                        : actual instanceof Decision.Allow ? ActionType.ALLOW : ActionType.DENY;
                if (!java.util.Objects.equals(expected.route(), actual.routeName()) || expected.action() != actualAction
                        || expected.forcedIntercept() != forced || forced && !intercepts) {
                    fail("seed " + seed + ", policy " + p + ", request " + request + "\nexpected " + expected
                            + "\nactual " + actual + "\n" + String.join("\n", loaded.policy().explain(request).steps())
                            + "\npolicy:\n" + yaml);
                }
                compared++;
            }
        }
        assertTrue(compared >= 2000, "compared only " + compared + " requests within the time bound");
    }

    /** {@code decide} reads the packed routes, {@code explain} walks the host groups: they must agree. */
    @Test
    void decideAgreesWithExplain() {
        long seed = Long.getLong("policy.seed", 20261207L);
        Random random = new Random(seed);
        for (int p = 0; p < 300; p++) {
            String yaml = randomPolicy(random);
            CompiledPolicy policy = PolicyLoader.load(List.of(new SourceFile("random.yaml", yaml))).policy();
            for (int r = 0; r < 20; r++) {
                PolicyRequest request = randomRequest(random);
                Explanation explained = policy.explain(request);
                if (policy.decide(request) != explained.decision()) {
                    fail("seed " + seed + ", request " + request + ": decide gave " + policy.decide(request) + "\n"
                            + String.join("\n", explained.steps()) + "\npolicy:\n" + yaml);
                }
            }
        }
    }

    private static String randomPolicy(Random random) {
        StringBuilder yaml = new StringBuilder("version: 1\n");
        if (random.nextInt(3) == 0) {
            yaml.append("defaults: {action: allow}\n");
        }
        yaml.append("routes:\n");
        int routes = 1 + random.nextInt(12);
        for (int i = 0; i < routes; i++) {
            yaml.append("  - name: r").append(i).append('\n').append("    match:\n");
            yaml.append("      hosts: ").append(pick(random, HOST_PATTERNS, 1 + random.nextInt(2))).append('\n');
            if (random.nextInt(4) == 0) {
                yaml.append("      ports: ").append(random.nextBoolean() ? "[8080]" : "[443, 8080]").append('\n');
            }
            if (random.nextInt(4) == 0) {
                yaml.append("      schemes: [").append(random.nextBoolean() ? "http" : "https").append("]\n");
            }
            if (random.nextInt(4) == 0) {
                yaml.append("      methods: ").append(random.nextBoolean() ? "[GET]" : "[post, PUT]").append('\n');
            }
            if (random.nextInt(2) == 0) {
                yaml.append("      paths: ").append(pick(random, PATH_PATTERNS, 1 + random.nextInt(2))).append('\n');
            }
            if (random.nextInt(4) == 0) {
                yaml.append("      agents: ").append(pick(random, AGENTS, 1 + random.nextInt(2))).append('\n');
            }
            switch (random.nextInt(3)) {
                case 0 -> yaml.append("    action: inject\n    connection: c").append(i).append('\n');
                case 1 -> yaml.append("    action: allow\n");
                default -> yaml.append("    action: deny\n");
            }
        }
        return yaml.toString();
    }

    private static String pick(Random random, String[] values, int count) {
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            list.append(i == 0 ? "" : ", ").append('"').append(values[random.nextInt(values.length)]).append('"');
        }
        return list.append(']').toString();
    }

    private static PolicyRequest randomRequest(Random random) {
        String scheme = random.nextBoolean() ? "https" : "http";
        int port = switch (random.nextInt(4)) {
            case 0 -> 8080;
            case 1 -> scheme.equals("https") ? 80 : 443;
            default -> scheme.equals("https") ? 443 : 80;
        };
        boolean tunnel = random.nextInt(6) == 0;
        String method = tunnel ? "CONNECT" : random.nextBoolean() ? "GET" : random.nextBoolean() ? "POST" : "put";
        return new PolicyRequest(REQUEST_AGENTS[random.nextInt(REQUEST_AGENTS.length)], scheme,
                REQUEST_HOSTS[random.nextInt(REQUEST_HOSTS.length)], port, method,
                tunnel ? null : REQUEST_PATHS[random.nextInt(REQUEST_PATHS.length)]);
    }
}
