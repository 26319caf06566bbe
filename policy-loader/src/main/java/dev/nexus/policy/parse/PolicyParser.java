package dev.nexus.policy.parse;

import dev.nexus.policy.model.ActionType;
import dev.nexus.policy.model.DefaultPolicy;
import dev.nexus.policy.model.Route;
import dev.nexus.policy.model.RouteMatch;
import dev.nexus.policy.model.SourceLocation;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.policy.pattern.DurationSyntax;
import dev.nexus.policy.pattern.PatternException;
import dev.nexus.policy.validate.Diagnostics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns one policy file (YAML, or JSON when the name ends in {@code .json}) into routes,
 * checking its shape: known keys only, the right type for every value, required keys present.
 * Value checks that need no context (durations, the action name) happen here too; everything
 * else is the validator's job. All problems are collected, each with file, line, column and field.
 */
public final class PolicyParser {

    /** The only document version this proxy reads. */
    public static final int VERSION = 1;

    private final String file;
    private final Diagnostics diagnostics = new Diagnostics();
    /** Counts values of the wrong type or missing; a route with any is left out to avoid follow-on errors. */
    private int shapeErrors;

    private PolicyParser(String file) {
        this.file = file;
    }

    /**
     * Parses {@code content}; {@code file} is the name used in diagnostics and decides the
     * format. Never throws for bad input: problems are in {@link ParsedFile#diagnostics()}.
     */
    public static ParsedFile parse(String file, String content) {
        PolicyParser parser = new PolicyParser(file);
        boolean json = file.toLowerCase(Locale.ROOT).endsWith(".json");
        Node root = new TreeReader(file, parser.diagnostics).read(content, json);
        return parser.bindDocument(root);
    }

    private ParsedFile bindDocument(Node root) {
        if (root == null) {
            return new ParsedFile(file, null, List.of(), diagnostics.list());
        }
        Node.MapNode document = asMap(root, "");
        if (document == null) {
            return new ParsedFile(file, null, List.of(), diagnostics.list());
        }
        checkKeys(document, "", PolicyKeys.DOCUMENT);
        Node.Entry version = document.entries().get("version");
        if (version == null) {
            diagnostics.error(document.location(), "", "missing required key \"version\" (expected version: " + VERSION + ")");
        } else if (!(version.value() instanceof Node.ScalarNode scalar && Long.valueOf(VERSION).equals(scalar.value()))) {
            diagnostics.error(version.value().location(), "version", "unsupported version "
                    + describe(version.value()) + " (this proxy reads version: " + VERSION + ")");
        }
        DefaultPolicy defaults = null;
        Node.Entry defaultsEntry = document.entries().get("defaults");
        if (defaultsEntry != null) {
            defaults = bindDefaults(defaultsEntry.value());
        }
        List<Route> routes = new ArrayList<>();
        Node.Entry routesEntry = document.entries().get("routes");
        if (routesEntry != null) {
            Node.ListNode list = asList(routesEntry.value(), "routes");
            if (list != null) {
                for (int i = 0; i < list.items().size(); i++) {
                    Route route = bindRoute(list.items().get(i), i);
                    if (route != null) {
                        routes.add(route);
                    }
                }
            }
        }
        return new ParsedFile(file, defaults, routes, diagnostics.list());
    }

    private DefaultPolicy bindDefaults(Node node) {
        Node.MapNode map = asMap(node, "defaults");
        if (map == null) {
            return null;
        }
        checkKeys(map, "defaults", PolicyKeys.DEFAULTS);
        Node.Entry action = map.entries().get("action");
        if (action == null) {
            diagnostics.error(map.location(), "defaults", "missing required key \"action\" (allow or deny)");
            return null;
        }
        String actionName = string(action.value(), "defaults.action");
        String message = optionalString(map, "defaults", "message");
        if (actionName == null) {
            return null;
        }
        if (!actionName.equals("allow") && !actionName.equals("deny")) {
            diagnostics.error(action.value().location(), "defaults.action", "invalid default action \"" + actionName
                    + "\" (expected allow or deny)");
            return null;
        }
        ActionType type = actionName.equals("allow") ? ActionType.ALLOW : ActionType.DENY;
        if (message != null && type != ActionType.DENY) {
            diagnostics.error(map.entries().get("message").keyLocation(), "defaults.message",
                    "message is only allowed with action: deny");
        }
        return new DefaultPolicy(type, message, map.location());
    }

    private Route bindRoute(Node node, int index) {
        String path = "routes[" + index + "]";
        int shapeErrorsBefore = shapeErrors;
        Node.MapNode map = asMap(node, path);
        if (map == null) {
            return null;
        }
        checkKeys(map, path, PolicyKeys.ROUTE);
        Map<String, SourceLocation> locations = new HashMap<>();
        map.entries().forEach((key, entry) -> locations.put(key, entry.value().location()));

        String name = requiredString(map, path, "name");
        ActionType action = bindAction(map, path);
        RouteMatch match = bindMatch(map, path, locations);
        String connection = optionalString(map, path, "connection");
        List<String> connectionChoices = stringList(map, path, "connection_choices", "", locations);
        String connectionHeader = optionalString(map, path, "connection_header");
        String message = optionalString(map, path, "message");
        StrategySpec strategy = bindStrategy(map, path, locations);
        Boolean interceptTls = optionalBoolean(map, path, "intercept_tls");
        List<String> strip = stringList(map, path, "strip_request_headers", "", locations);
        Duration timeout = optionalDuration(map, path, "timeout", locations);
        Long maxBody = optionalLong(map, path, "max_body_bytes");
        Boolean unsigned = optionalBoolean(map, path, "unsigned_payload");
        List<String> privateCidrs = stringList(map, path, "allow_private_cidrs", "", locations);
        String redactResponses = redactResponses(map, path);
        Duration maxStreamLifetime = optionalDuration(map, path, "max_stream_lifetime", locations);
        String onCredentialExpiry = optionalString(map, path, "on_credential_expiry");
        Duration maxTunnelLifetime = optionalDuration(map, path, "max_tunnel_lifetime", locations);
        Long replayBuffer = optionalLong(map, path, "replay_buffer_bytes");
        if (shapeErrors > shapeErrorsBefore) {
            return null;
        }
        return new Route(name, file, index, match, action, connection, strategy, message, interceptTls, strip,
                timeout, maxBody, Boolean.TRUE.equals(unsigned), privateCidrs, connectionChoices, connectionHeader,
                redactResponses, maxStreamLifetime, onCredentialExpiry, maxTunnelLifetime, replayBuffer, map.location(),
                locations);
    }

    private ActionType bindAction(Node.MapNode map, String path) {
        String action = requiredString(map, path, "action");
        if (action == null) {
            return null;
        }
        for (ActionType type : ActionType.values()) {
            if (type.wireName().equals(action)) {
                return type;
            }
        }
        shapeErrors++;
        diagnostics.error(map.entries().get("action").value().location(), path + ".action",
                "invalid action \"" + action + "\" (expected inject, allow or deny)");
        return null;
    }

    private RouteMatch bindMatch(Node.MapNode route, String routePath, Map<String, SourceLocation> locations) {
        Node.Entry entry = route.entries().get("match");
        if (entry == null) {
            shapeErrors++;
            diagnostics.error(route.location(), routePath, "missing required key \"match\"");
            return null;
        }
        String path = routePath + ".match";
        Node.MapNode match = asMap(entry.value(), path);
        if (match == null) {
            return null;
        }
        checkKeys(match, path, PolicyKeys.MATCH);
        match.entries().forEach((key, e) -> locations.put("match." + key, e.value().location()));
        List<String> hosts = stringList(match, path, "hosts", "match.", locations);
        if (!match.entries().containsKey("hosts")) {
            shapeErrors++;
            diagnostics.error(match.location(), path, "missing required key \"hosts\" (use [\"*\"] for every host)");
        }
        List<Integer> ports = new ArrayList<>();
        Node.Entry portsEntry = match.entries().get("ports");
        if (portsEntry != null) {
            Node.ListNode list = asNonEmptyList(portsEntry.value(), path + ".ports");
            if (list != null) {
                for (int i = 0; i < list.items().size(); i++) {
                    Node item = list.items().get(i);
                    String itemPath = path + ".ports[" + i + "]";
                    locations.put("match.ports[" + i + "]", item.location());
                    Long port = integer(item, itemPath);
                    if (port != null) {
                        ports.add(port < 0 || port > Integer.MAX_VALUE ? -1 : port.intValue());
                    }
                }
            }
        }
        return new RouteMatch(hosts, ports, stringList(match, path, "schemes", "match.", locations),
                stringList(match, path, "methods", "match.", locations),
                stringList(match, path, "paths", "match.", locations),
                stringList(match, path, "agents", "match.", locations),
                Boolean.TRUE.equals(optionalBoolean(match, path, "paths_ignore_case")));
    }

    private StrategySpec bindStrategy(Node.MapNode route, String routePath, Map<String, SourceLocation> locations) {
        Node.Entry entry = route.entries().get("strategy");
        if (entry == null) {
            return null;
        }
        String path = routePath + ".strategy";
        Node.MapNode strategy = asMap(entry.value(), path);
        if (strategy == null) {
            return null;
        }
        checkKeys(strategy, path, PolicyKeys.STRATEGY);
        String type = requiredString(strategy, path, "type");
        if (strategy.entries().containsKey("type")) {
            locations.put("strategy.type", strategy.entries().get("type").value().location());
        }
        Map<String, String> config = new LinkedHashMap<>();
        Node.Entry configEntry = strategy.entries().get("config");
        if (configEntry != null) {
            Node.MapNode configMap = asMap(configEntry.value(), path + ".config");
            if (configMap != null) {
                locations.put("strategy.config", configMap.location());
                configMap.entries().forEach((key, e) -> {
                    locations.put("strategy.config." + key, e.keyLocation());
                    String value = string(e.value(), path + ".config." + key);
                    if (value != null) {
                        config.put(key, value);
                    }
                });
            }
        }
        return type == null ? null : new StrategySpec(type, config);
    }

    // ---- typed accessors: each reports a located error and returns null on a type mismatch ----

    private Node.MapNode asMap(Node node, String path) {
        if (node instanceof Node.MapNode map) {
            return map;
        }
        shapeErrors++;
        diagnostics.error(node.location(), path, "expected a mapping (key: value), got " + node.kind());
        return null;
    }

    private Node.ListNode asList(Node node, String path) {
        if (node instanceof Node.ListNode list) {
            return list;
        }
        shapeErrors++;
        diagnostics.error(node.location(), path, "expected a list, got " + node.kind());
        return null;
    }

    private Node.ListNode asNonEmptyList(Node node, String path) {
        Node.ListNode list = asList(node, path);
        if (list != null && list.items().isEmpty()) {
            shapeErrors++;
            diagnostics.error(node.location(), path, "must not be empty (leave the key out instead)");
            return null;
        }
        return list;
    }

    private void checkKeys(Node.MapNode map, String path, List<String> allowed) {
        map.entries().forEach((key, entry) -> {
            if (!allowed.contains(key)) {
                diagnostics.error(entry.keyLocation(), path.isEmpty() ? key : path + "." + key,
                        "unknown key \"" + key + "\" (allowed: " + String.join(", ", allowed) + ")");
            }
        });
    }

    private String string(Node node, String path) {
        if (node instanceof Node.ScalarNode scalar && scalar.value() instanceof String text) {
            return text;
        }
        shapeErrors++;
        diagnostics.error(node.location(), path, "expected a string, got " + node.kind());
        return null;
    }

    private Long integer(Node node, String path) {
        if (node instanceof Node.ScalarNode scalar && scalar.value() instanceof Long number) {
            return number;
        }
        shapeErrors++;
        diagnostics.error(node.location(), path, "expected an integer, got " + node.kind());
        return null;
    }

    private String requiredString(Node.MapNode map, String path, String key) {
        Node.Entry entry = map.entries().get(key);
        if (entry == null) {
            shapeErrors++;
            diagnostics.error(map.location(), path, "missing required key \"" + key + "\"");
            return null;
        }
        return string(entry.value(), path + "." + key);
    }

    private String optionalString(Node.MapNode map, String path, String key) {
        Node.Entry entry = map.entries().get(key);
        return entry == null ? null : string(entry.value(), path + "." + key);
    }

    /** YAML 1.1 reads an unquoted {@code off} as {@code false}: that spelling means {@code off} here too. */
    private String redactResponses(Node.MapNode map, String path) {
        Node.Entry entry = map.entries().get("redact_responses");
        if (entry != null && entry.value() instanceof Node.ScalarNode scalar && Boolean.FALSE.equals(scalar.value())) {
            return "off";
        }
        return optionalString(map, path, "redact_responses");
    }

    private Boolean optionalBoolean(Node.MapNode map, String path, String key) {
        Node.Entry entry = map.entries().get(key);
        if (entry == null) {
            return null;
        }
        if (entry.value() instanceof Node.ScalarNode scalar && scalar.value() instanceof Boolean value) {
            return value;
        }
        shapeErrors++;
        diagnostics.error(entry.value().location(), path + "." + key, "expected true or false, got " + entry.value().kind());
        return null;
    }

    /** A duration such as {@code 30s}; a malformed one is reported at its value and read as absent. */
    private Duration optionalDuration(Node.MapNode map, String path, String key, Map<String, SourceLocation> locations) {
        String text = optionalString(map, path, key);
        if (text == null) {
            return null;
        }
        try {
            return DurationSyntax.parse(text);
        } catch (PatternException e) {
            diagnostics.error(locations.get(key), path + "." + key, e.getMessage());
            return null;
        }
    }

    private Long optionalLong(Node.MapNode map, String path, String key) {
        Node.Entry entry = map.entries().get(key);
        return entry == null ? null : integer(entry.value(), path + "." + key);
    }

    /** A list of strings under {@code key}; records each item's location as {@code prefix + key + [i]}. */
    private List<String> stringList(Node.MapNode map, String path, String key, String prefix,
                                    Map<String, SourceLocation> locations) {
        Node.Entry entry = map.entries().get(key);
        if (entry == null) {
            return List.of();
        }
        Node.ListNode list = asNonEmptyList(entry.value(), path + "." + key);
        if (list == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            Node item = list.items().get(i);
            locations.put(prefix + key + "[" + i + "]", item.location());
            String value = string(item, path + "." + key + "[" + i + "]");
            values.add(value == null ? "" : value);
        }
        return values;
    }

    private static String describe(Node node) {
        return node instanceof Node.ScalarNode scalar && scalar.value() != null ? String.valueOf(scalar.value()) : node.kind();
    }
}
