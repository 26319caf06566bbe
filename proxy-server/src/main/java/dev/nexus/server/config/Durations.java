package dev.nexus.server.config;

import java.time.Duration;
import java.util.Optional;

/** Durations as written in the configuration: a whole number and a unit, e.g. {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 7d}. */
public final class Durations {

    private Durations() {
    }

    /** Parses {@code text}, or returns empty when it is not of the form number + unit. */
    public static Optional<Duration> parse(String text) {
        String s = text.trim();
        int unitStart = 0;
        while (unitStart < s.length() && Character.isDigit(s.charAt(unitStart))) {
            unitStart++;
        }
        if (unitStart == 0 || unitStart > 12) {
            return Optional.empty();
        }
        long amount = Long.parseLong(s.substring(0, unitStart));
        switch (s.substring(unitStart)) {
            case "ms": return Optional.of(Duration.ofMillis(amount));
            case "s": return Optional.of(Duration.ofSeconds(amount));
            case "m": return Optional.of(Duration.ofMinutes(amount));
            case "h": return Optional.of(Duration.ofHours(amount));
            case "d": return Optional.of(Duration.ofDays(amount));
            default: return Optional.empty();
        }
    }

    /** The shortest exact form in the same notation, e.g. {@code 90s}, {@code 2m}, {@code 1500ms}. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis == 0 || millis % 1000 != 0) {
            return millis + "ms";
        }
        long seconds = millis / 1000;
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
