package dev.nexus.server.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Renders a configuration as YAML in the file's own vocabulary (snake_case keys, durations like
 * {@code 5s}, lower-case choices), for the "effective configuration" log line at startup. Secrets
 * print as their redacted form; unset optional values as {@code null}. {@link #inUse} leaves out the
 * sections of features the configuration does not use, so the log shows what matters for this start.
 */
public final class ConfigPrinter {

    private ConfigPrinter() {
    }

    public static String toYaml(NexusConfig config) {
        StringBuilder out = new StringBuilder();
        appendRecord(out, config, 0, "", Set.of());
        return out.toString();
    }

    /** The sections of the features {@code config} uses; a closing comment names the ones left out. */
    public static String inUse(NexusConfig config) {
        Set<String> unused = unusedSections(config);
        StringBuilder out = new StringBuilder();
        appendRecord(out, config, 0, "", unused);
        if (!unused.isEmpty()) {
            out.append("# not in use (their defaults apply): ").append(String.join(", ", unused)).append('\n');
        }
        return out.toString();
    }

    /** Sections (by field path) whose feature is off: no credential source, listener or log reads them. */
    static Set<String> unusedSections(NexusConfig config) {
        Set<String> unused = new LinkedHashSet<>();
        NexusConfig.Authority authority = config.authority();
        boolean nexusDefault = authority.type() == NexusConfig.AuthorityType.NEXUS;
        if (!nexusDefault && !authority.connections().containsValue(NexusConfig.SourceType.NEXUS)) {
            unused.add("authority.nexus");
        }
        if (nexusDefault && !authority.connections().containsValue(NexusConfig.SourceType.FILE)) {
            unused.add("authority.file");
        }
        if (authority.oauth2().connections().isEmpty()) {
            unused.add("authority.oauth2");
        }
        if (config.redis().url().isEmpty()) {
            unused.add("redis");
        }
        if (!config.transparent().http().enabled() && !config.transparent().tls().enabled()) {
            unused.add("transparent");
        }
        if (config.identity().methods().isEmpty()) {
            unused.add("identity");
        }
        if (!config.audit().enabled()) {
            unused.add("audit");
        }
        return unused;
    }

    private static void appendRecord(StringBuilder out, Record record, int depth, String path, Set<String> skipped) {
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(record);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + component.getName(), e);
            }
            String key = snakeCase(component.getName());
            String fieldPath = path.isEmpty() ? key : path + "." + key;
            if (!skipped.contains(fieldPath)) {
                appendEntry(out, key, value, depth, fieldPath, skipped);
            }
        }
    }

    private static void appendEntry(StringBuilder out, String key, Object value, int depth, String path,
                                    Set<String> skipped) {
        out.append("  ".repeat(depth)).append(key).append(':');
        Object unwrapped = value instanceof Optional<?> optional ? optional.orElse(null) : value;
        if (unwrapped instanceof Record nested) {
            out.append('\n');
            appendRecord(out, nested, depth + 1, path, skipped);
        } else if (unwrapped instanceof Map<?, ?> map && !map.isEmpty()) {
            out.append('\n');
            map.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey((a, b) -> a.toString().compareTo(b.toString())))
                    .forEach(e -> appendEntry(out, mapKey(e.getKey().toString()), e.getValue(), depth + 1,
                            path + "." + e.getKey(), skipped));
        } else if (unwrapped instanceof List<?> list) {
            out.append(" [");
            for (int i = 0; i < list.size(); i++) {
                out.append(i == 0 ? "" : ", ").append(scalar(list.get(i)));
            }
            out.append("]\n");
        } else {
            out.append(' ').append(scalar(unwrapped)).append('\n');
        }
    }

    /** Map keys such as IPv6 CIDRs ({@code fd00::/8}) contain ':' and must be quoted to read back. */
    private static String mapKey(String key) {
        return key.indexOf(':') >= 0 || key.indexOf('#') >= 0 ? quoted(key) : key;
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String scalar(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map<?, ?>) {
            return "{}";
        }
        if (value instanceof Duration duration) {
            return Durations.format(duration);
        }
        if (value instanceof Enum<?> constant) {
            return constant.name().toLowerCase(Locale.ROOT);
        }
        if (value instanceof InetAddress address) {
            return address.getHostAddress();
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        // Strings, paths, URIs and secrets (already redacted by toString), quoted so ':' and '#' stay literal.
        return quoted(value.toString());
    }

    private static String snakeCase(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
