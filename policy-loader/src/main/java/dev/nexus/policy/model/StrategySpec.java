package dev.nexus.policy.model;

import java.util.Map;
import java.util.Objects;

/**
 * A credential strategy in the Nexus wire shape: {@code {"type": "...", "config": {...}}}.
 * Carried by Authority token responses and by a route's optional {@code strategy} override.
 * Config values are plain strings; a strategy config never holds a secret.
 */
public record StrategySpec(String type, Map<String, String> config) {

    public StrategySpec {
        Objects.requireNonNull(type, "type");
        config = config == null ? Map.of() : Map.copyOf(config);
    }

    public static StrategySpec of(String type) {
        return new StrategySpec(type, Map.of());
    }

    /** The configured value for {@code key}, or {@code defaultValue} when absent or blank. */
    public String configOr(String key, String defaultValue) {
        String value = config.get(key);
        return value == null || value.isBlank() ? defaultValue : value;
    }
}
