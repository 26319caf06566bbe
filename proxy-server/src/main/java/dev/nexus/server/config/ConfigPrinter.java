package dev.nexus.server.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Renders a configuration as YAML in the file's own vocabulary (snake_case keys, durations like
 * {@code 5s}, lower-case choices), for the "effective configuration" log line at startup. Secrets
 * print as their redacted form; unset optional values as {@code null}.
 */
public final class ConfigPrinter {

    private ConfigPrinter() {
    }

    public static String toYaml(NexusConfig config) {
        StringBuilder out = new StringBuilder();
        appendRecord(out, config, 0);
        return out.toString();
    }

    private static void appendRecord(StringBuilder out, Record record, int depth) {
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(record);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + component.getName(), e);
            }
            appendEntry(out, snakeCase(component.getName()), value, depth);
        }
    }

    private static void appendEntry(StringBuilder out, String key, Object value, int depth) {
        out.append("  ".repeat(depth)).append(key).append(':');
        Object unwrapped = value instanceof Optional<?> optional ? optional.orElse(null) : value;
        if (unwrapped instanceof Record nested) {
            out.append('\n');
            appendRecord(out, nested, depth + 1);
        } else if (unwrapped instanceof Map<?, ?> map && !map.isEmpty()) {
            out.append('\n');
            map.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey((a, b) -> a.toString().compareTo(b.toString())))
                    .forEach(e -> appendEntry(out, mapKey(e.getKey().toString()), e.getValue(), depth + 1));
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
