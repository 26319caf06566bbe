package dev.nexus.proxy.observe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The time of a log line: ISO-8601 in UTC with millisecond precision ({@code 2026-12-07T23:41:08.123Z}), the same
 * width on every line. The date and time up to the second are formatted once per second and reused, so a busy
 * log pays a few character appends per line instead of a {@link DateTimeFormatter} run. Safe from any thread.
 */
public final class LogTimestamps {

    private static final DateTimeFormatter UP_TO_SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);

    /** The last second formatted; replaced as a whole, so a reader never sees a second with another's text. */
    private record Second(long epochSecond, String text) {
    }

    private static volatile Second last = new Second(Long.MIN_VALUE, "");

    private LogTimestamps() {
    }

    /** Appends {@code epochMillis} as described above. */
    public static void append(StringBuilder out, long epochMillis) {
        long epochSecond = Math.floorDiv(epochMillis, 1000);
        Second second = last;
        if (second.epochSecond() != epochSecond) {
            second = new Second(epochSecond, UP_TO_SECONDS.format(Instant.ofEpochSecond(epochSecond)));
            last = second;
        }
        int millis = (int) Math.floorMod(epochMillis, 1000);
        out.append(second.text())
                .append((char) ('0' + millis / 100))
                .append((char) ('0' + millis / 10 % 10))
                .append((char) ('0' + millis % 10))
                .append('Z');
    }
}
