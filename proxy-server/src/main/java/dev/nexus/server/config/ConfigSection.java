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
 * environment variables, apply defaults for absent (or null) keys, and turn every problem into a
 * {@link ConfigException} naming the field. {@link #finish()} rejects keys nobody asked for, which
 * is how unknown (usually misspelt) keys become errors.
 */
final class ConfigSection {

    private final String source;
    private final String path;
    private final JsonNode node;
    private final EnvSubstitution env;
    private final Set<String> known = new LinkedHashSet<>();

    ConfigSection(String source, String path, JsonNode node, EnvSubstitution env) throws ConfigException {
        this.source = source;
        this.path = path;
        this.node = node == null || node.isNull() ? MissingNode.getInstance() : node;
        this.env = env;
        if (!this.node.isMissingNode() && !this.node.isObject()) {
            throw error(path, "must be a mapping, got " + describe(this.node));
        }
    }

    /** The nested mapping under {@code key}; empty when absent, so every field takes its default. */
    ConfigSection section(String key) throws ConfigException {
        known.add(key);
        return new ConfigSection(source, pathOf(key), node.get(key), env);
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

    /** Rejects keys that no accessor asked for. Call after reading every field. */
    void finish() throws ConfigException {
        for (Map.Entry<String, JsonNode> property : node.properties()) {
            String name = property.getKey();
            if (!known.contains(name)) {
                throw error(pathOf(name), "unknown key; expected one of: " + String.join(", ", known));
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

    ConfigException error(String fieldPath, String problem) {
        return new ConfigException(source + ": " + fieldPath + ": " + problem);
    }

    /** The expanded text of a scalar, or empty when the key is absent or null. */
    Optional<String> text(String key) throws ConfigException {
        known.add(key);
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (value.isContainerNode()) {
            throw error(pathOf(key), "must be a single value, got " + describe(value));
        }
        return Optional.of(expand(pathOf(key), value));
    }

    String string(String key, String defaultValue) throws ConfigException {
        Optional<String> text = text(key);
        if (text.isPresent() && text.get().isEmpty()) {
            throw error(pathOf(key), "must not be empty");
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
            throw error(pathOf(key), "must be an integer, got " + quote(text.get()));
        }
        if (value < min || value > max) {
            throw error(pathOf(key), "must be " + min + "-" + max + ", got " + value);
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
            throw error(pathOf(key), "must be a number between 0 and 1 (exclusive), got " + quote(text.get()));
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
            default: throw error(pathOf(key), "must be true or false, got " + quote(text.get()));
        }
    }

    Duration duration(String key, Duration defaultValue, Duration min, Duration max) throws ConfigException {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        Duration value = Durations.parse(text.get()).orElseThrow(() -> error(pathOf(key),
                "must be a duration such as 500ms, 5s, 2m or 1h, got " + quote(text.get())));
        if (value.compareTo(min) < 0) {
            throw error(pathOf(key), "must be at least " + Durations.format(min) + ", got " + text.get().trim());
        }
        if (value.compareTo(max) > 0) {
            throw error(pathOf(key), "must be at most " + Durations.format(max) + ", got " + text.get().trim());
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
        throw error(pathOf(key), "must be one of " + String.join(", ", names) + ", got " + quote(text.get()));
    }

    Optional<Path> optionalPath(String key) throws ConfigException {
        Optional<String> text = optionalString(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(text.get()));
        } catch (InvalidPathException e) {
            throw error(pathOf(key), "must be a file path, got " + quote(text.get()));
        }
    }

    Path path(String key, Path defaultValue) throws ConfigException {
        return optionalPath(key).orElse(defaultValue);
    }

    /** An IP literal (v4 or v6) or {@code localhost}; no DNS lookup happens at configuration time. */
    String address(String key, String defaultValue) throws ConfigException {
        return requireAddress(pathOf(key), string(key, defaultValue));
    }

    /** A non-empty list of distinct IP addresses (or "localhost"); empty when the key is absent. */
    Optional<List<String>> addressList(String key) throws ConfigException {
        List<String> values = stringList(key);
        JsonNode given = node.get(key);
        if (given == null || given.isNull()) {
            return Optional.empty();
        }
        if (values.isEmpty()) {
            throw error(pathOf(key), "must name at least one address (leave it out for the default)");
        }
        Set<InetAddress> seen = new LinkedHashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String value = requireAddress(pathOf(key) + "[" + i + "]", values.get(i));
            InetAddress literal = value.equalsIgnoreCase("localhost") ? InetAddress.getLoopbackAddress() : ipLiteral(value);
            if (!seen.add(literal)) {
                throw error(pathOf(key), "lists " + quote(value) + " twice");
            }
        }
        return Optional.of(values);
    }

    private String requireAddress(String fieldPath, String value) throws ConfigException {
        if (!value.equalsIgnoreCase("localhost") && !NetUtil.isValidIpV4Address(value) && !NetUtil.isValidIpV6Address(value)) {
            throw error(fieldPath, "must be an IP address or \"localhost\", got " + quote(value));
        }
        return value;
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
            throw error(pathOf(key), "must be a mapping, got " + describe(value));
        }
        for (Map.Entry<String, JsonNode> entry : value.properties()) {
            String entryPath = pathOf(key) + "." + entry.getKey();
            if (entry.getValue().isContainerNode() || entry.getValue().isNull()) {
                throw error(entryPath, "must be a single value, got " + describe(entry.getValue()));
            }
            result.put(entry.getKey(), expand(entryPath, entry.getValue()));
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
            throw error(pathOf(key), "must be a list, e.g. [a, b], got " + describe(value));
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = pathOf(key) + "[" + i + "]";
            if (item.isContainerNode() || item.isNull()) {
                throw error(itemPath, "must be a single value, got " + describe(item));
            }
            result.add(expand(itemPath, item));
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

    private String expand(String fieldPath, JsonNode scalar) throws ConfigException {
        if (!scalar.isTextual()) {
            return scalar.asText();
        }
        try {
            return env.expand(scalar.textValue());
        } catch (EnvSubstitution.SubstitutionException e) {
            throw error(fieldPath, e.getMessage());
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
