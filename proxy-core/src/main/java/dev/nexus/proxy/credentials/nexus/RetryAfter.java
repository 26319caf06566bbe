package dev.nexus.proxy.credentials.nexus;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Reads a 429's {@code Retry-After} (RFC 9110 section 10.2.3: delta seconds or an HTTP date). A missing or
 * unreadable value means {@link #DEFAULT}; an absurd one is capped at {@link #MAX}, so a broken gateway
 * cannot silence the Authority for a day.
 */
final class RetryAfter {

    static final Duration DEFAULT = Duration.ofSeconds(5);
    static final Duration MAX = Duration.ofMinutes(10);

    private RetryAfter() {
    }

    static Instant parse(String header, Instant now) {
        Duration wait = DEFAULT;
        if (header != null && !header.isBlank()) {
            String value = header.trim();
            try {
                wait = Duration.ofSeconds(Long.parseLong(value));
            } catch (NumberFormatException notSeconds) {
                try {
                    wait = Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                } catch (DateTimeParseException notADate) {
                    wait = DEFAULT;
                }
            }
        }
        if (wait.isNegative()) {
            wait = Duration.ZERO;
        }
        return now.plus(wait.compareTo(MAX) > 0 ? MAX : wait);
    }
}
