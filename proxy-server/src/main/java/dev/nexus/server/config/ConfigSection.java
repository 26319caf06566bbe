package dev.nexus.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One YAML mapping being bound to a record: typed accessors that know the field path, expand
 * environment variables, apply defaults for absent (or null) keys, and record every problem in the
 * document's {@link ConfigProblems} naming the field (the accessor then answers its default, so binding
 * goes on and the operator sees every problem at once). {@link #finish()} reports keys nobody asked
 * for, which is how unknown (usually misspelt) keys become errors.
 */
final class ConfigSection {

    private final ConfigProblems problems;
    private final String path;
    private final JsonNode node;
    private final EnvSubstitution env;
    private final Set<String> known = new LinkedHashSet<>();

    ConfigSection(ConfigProblems problems, String path, JsonNode node, EnvSubstitution env) {
        this.problems = problems;
        this.path = path;
        this.env = env;
        JsonNode given = node == null || node.isNull() ? MissingNode.getInstance() : node;
        if (!given.isMissingNode() && !given.isObject()) {
            problems.add(error(path, "must be a mapping, got " + describe(given)));
            given = MissingNode.getInstance();
        }
        this.node = given;
    }

    /** The nested mapping under {@code key}; empty when absent, so every field takes its default. */
    ConfigSection section(String key) {
        known.add(key);
        return new ConfigSection(problems, pathOf(key), node.get(key), env);
    }

    /** Whether the mapping is in the file at all ({@code key: {}} counts as present). */
    boolean present() {
        return !node.isMissingNode();
    }

    /** The keys of this mapping in file order, for sections whose keys are names (e.g. connection ids). */
    List<String> keys() {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** The environment variable's value, or {@code null} when unset. */
    String environmentVariable(String name) {
        return env.variable(name);
    }

    /** Reports every key that no accessor asked for. Call after reading every field. */
    void finish() {
        for (Map.Entry<String, JsonNode> property : node.properties()) {
            String name = property.getKey();
            if (!known.contains(name)) {
                problems.add(error(pathOf(name), "unknown key; expected one of: " + String.join(", ", known)));
            }
        }
    }

    /** Where this mapping sits, e.g. {@code authority.oauth2}. */
    String path() {
        return path;
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The problem with {@code fieldPath}, naming file and line, for binders to throw. */
    ConfigException error(String fieldPath, String problem) {
        return problems.error(fieldPath, problem);
    }

    /** Records a problem with one field and answers {@code fallback}, so binding goes on. */
    private <T> T reject(String fieldPath, String problem, T fallback) {
        problems.add(error(fieldPath, problem));
        return fallback;
    }

    /** The expanded text of a scalar, or empty when the key is absent or null. */
    Optional<String> text(String key) throws ConfigException {
        known.add(key);
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (value.isContainerNode()) {
            return reject(pathOf(key), "must be a single value, got " + describe(value), Optional.empty());
        }
        return Optional.ofNullable(expand(pathOf(key), value));
    }

    String string(String key, String defaultValue) throws ConfigException {
        Optional<String> text = text(key);
        if (text.isPresent() && text.get().isEmpty()) {
            return reject(pathOf(key), "must not be empty", defaultValue);
        }
        return text.orElse(defaultValue);
    }

    Optional<String> optionalString(String key) throws ConfigException {
        return text(key).filter(s -> !s.isEmpty());
    }

    /** A secret: the value never appears in an error message. An empty value counts as absent. */
    Optional<Secret> secret(String key) throws ConfigException {
        return optionalString(key).map(Secret::of);
    }

    int integer(String key, int defaultValue, int min, int max) throws ConfigException {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(text.get().trim());
        } catch (NumberFormatException e) {
            return reject(pathOf(key), "must be an integer, got " + quote(text.get()), defaultValue);
        }
        if (value < min || value > max) {
            return reject(pathOf(key), "must be " + min + "-" + max + ", got " + value, defaultValue);
        }
        return (int) value;
    }

    double fraction(String key, double defaultValue) throws ConfigException {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        double value;
        try {
            value = Double.parseDouble(text.get().trim());
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!(value > 0.0 && value < 1.0)) {
            return reject(pathOf(key), "must be a number between 0 and 1 (exclusive), got " + quote(text.get()),
                    defaultValue);
        }
        return value;
    }

    boolean bool(String key, boolean defaultValue) throws ConfigException {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        switch (text.get().trim().toLowerCase(Locale.ROOT)) {
            case "true": return true;
            case "false": return false;
            default: return reject(pathOf(key), "must be true or false, got " + quote(text.get()), defaultValue);
        }
    }

    Duration duration(String key, Duration defaultValue, Duration min, Duration max) throws ConfigException {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        Optional<Duration> parsed = Durations.parse(text.get());
        if (parsed.isEmpty()) {
            return reject(pathOf(key), "must be a duration such as 500ms, 5s, 2m or 1h, got " + quote(text.get()),
                    defaultValue);
        }
        Duration value = parsed.get();
        if (value.compareTo(min) < 0) {
            return reject(pathOf(key), "must be at least " + Durations.format(min) + ", got " + text.get().trim(),
                    defaultValue);
        }
        if (value.compareTo(max) > 0) {
            return reject(pathOf(key), "must be at most " + Durations.format(max) + ", got " + text.get().trim(),
                    defaultValue);
        }
        return value;
    }

    <E extends Enum<E>> E choice(String key, E defaultValue) throws ConfigException {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        E[] constants = defaultValue.getDeclaringClass().getEnumConstants();
        for (E constant : constants) {
            if (constant.name().equalsIgnoreCase(text.get().trim())) {
                return constant;
            }
        }
        List<String> names = new ArrayList<>();
        for (E constant : constants) {
            names.add(constant.name().toLowerCase(Locale.ROOT));
        }
        return reject(pathOf(key), "must be one of " + String.join(", ", names) + ", got " + quote(text.get()),
                defaultValue);
    }

    Optional<Path> optionalPath(String key) throws ConfigException {
        Optional<String> text = optionalString(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(text.get()));
        } catch (InvalidPathException e) {
            return reject(pathOf(key), "must be a file path, got " + quote(text.get()), Optional.empty());
        }
    }

    Path path(String key, Path defaultValue) throws ConfigException {
        return optionalPath(key).orElse(defaultValue);
    }

    /** An IP literal (v4 or v6) or {@code localhost}; no DNS lookup happens at configuration time. */
    String address(String key, String defaultValue) throws ConfigException {
        String value = string(key, defaultValue);
        return isAddress(value) ? value : reject(pathOf(key), notAnAddress(value), defaultValue);
    }

    /** A non-empty list of distinct IP addresses (or "localhost"); empty when the key is absent. */
    Optional<List<String>> addressList(String key) throws ConfigException {
        List<String> values = stringList(key);
        JsonNode given = node.get(key);
        if (given == null || given.isNull() || !given.isArray()) {
            return Optional.empty(); // absent, or not a list (stringList reported that)
        }
        if (values.isEmpty()) {
            return reject(pathOf(key), "must name at least one address (leave it out for the default)", Optional.empty());
        }
        Set<InetAddress> seen = new LinkedHashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            if (!isAddress(value)) {
                return reject(pathOf(key) + "[" + i + "]", notAnAddress(value), Optional.empty());
            }
            InetAddress literal = value.equalsIgnoreCase("localhost") ? InetAddress.getLoopbackAddress() : ipLiteral(value);
            if (!seen.add(literal)) {
                return reject(pathOf(key), "lists " + quote(value) + " twice", Optional.empty());
            }
        }
        return Optional.of(values);
    }

    private static boolean isAddress(String value) {
        return value.equalsIgnoreCase("localhost") || NetUtil.isValidIpV4Address(value) || NetUtil.isValidIpV6Address(value);
    }

    private static String notAnAddress(String value) {
        return "must be an IP address or \"localhost\", got " + quote(value);
    }

    /** A mapping of names to scalar values (expanded); absent means empty. Keys keep their order. */
    Map<String, String> stringMap(String key) throws ConfigException {
        known.add(key);
        JsonNode value = node.get(key);
        Map<String, String> result = new LinkedHashMap<>();
        if (value == null || value.isNull()) {
            return result;
        }
        if (!value.isObject()) {
            return reject(pathOf(key), "must be a mapping, got " + describe(value), result);
        }
        for (Map.Entry<String, JsonNode> entry : value.properties()) {
            String entryPath = pathOf(key) + "." + entry.getKey();
            if (entry.getValue().isContainerNode() || entry.getValue().isNull()) {
                reject(entryPath, "must be a single value, got " + describe(entry.getValue()), null);
                continue;
            }
            String expanded = expand(entryPath, entry.getValue());
            if (expanded != null) {
                result.put(entry.getKey(), expanded);
            }
        }
        return result;
    }

    /** A list of scalar values (expanded); absent means empty. A single value is not a list. */
    List<String> stringList(String key) throws ConfigException {
        known.add(key);
        JsonNode value = node.get(key);
        List<String> result = new ArrayList<>();
        if (value == null || value.isNull()) {
            return result;
        }
        if (!value.isArray()) {
            return reject(pathOf(key), "must be a list, e.g. [a, b], got " + describe(value), result);
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = pathOf(key) + "[" + i + "]";
            if (item.isContainerNode() || item.isNull()) {
                return reject(itemPath, "must be a single value, got " + describe(item), new ArrayList<>());
            }
            String expanded = expand(itemPath, item);
            if (expanded == null) {
                return new ArrayList<>();
            }
            result.add(expanded);
        }
        return result;
    }

    static boolean isLoopback(String address) {
        if (address.equalsIgnoreCase("localhost")) {
            return true;
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        try {
            return bytes != null && InetAddress.getByAddress(bytes).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static InetAddress ipLiteral(String text) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The scalar with environment variables substituted; {@code null} (and a recorded problem) when that fails. */
    private String expand(String fieldPath, JsonNode scalar) {
        if (!scalar.isTextual()) {
            return scalar.asText();
        }
        try {
            return env.expand(scalar.textValue());
        } catch (EnvSubstitution.SubstitutionException e) {
            return reject(fieldPath, e.getMessage(), null);
        }
    }

    static String quote(String value) {
        return "\"" + value + "\"";
    }

    private static String describe(JsonNode node) {
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isNull()) {
            return "nothing";
        }
        return "a single value"; // not echoed: it may be a secret written in the wrong place
    }
}
