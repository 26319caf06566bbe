package dev.nexus.policy.pattern;

import java.time.Duration;

/** Durations as written in policy files: a positive integer and a unit, {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}. */
public final class DurationSyntax {

    private DurationSyntax() {
    }

    public static Duration parse(String text) {
        int digits = 0;
        while (digits < text.length() && Character.isDigit(text.charAt(digits))) {
            digits++;
        }
        String unit = text.substring(digits);
        if (digits == 0 || digits > 9) {
            throw invalid(text);
        }
        long amount = Long.parseLong(text.substring(0, digits));
        Duration duration = switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> throw invalid(text);
        };
        if (duration.isZero()) {
            throw new PatternException("invalid duration \"" + text + "\" (must be greater than zero)");
        }
        return duration;
    }

    private static PatternException invalid(String text) {
        return new PatternException("invalid duration \"" + text + "\" (expected a number and a unit ms, s, m or h, e.g. 30s or 500ms)");
    }
}
