package dev.nexus.proxy.observe;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import static org.assertj.core.api.Assertions.assertThat;

class LogTimestampsTest {

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @ParameterizedTest
    @ValueSource(longs = {0L, 1L, 999L, 1_000L, 1_700_000_000_123L, 1_700_000_000_999L, 1_700_000_001_000L, -1L,
            -1_001L, 253_402_300_799_999L})
    void writesTheSameTextAsAnIsoFormatterWithMillisecondsInUtc(long epochMillis) {
        assertThat(format(epochMillis)).isEqualTo(ISO_MILLIS.format(Instant.ofEpochMilli(epochMillis)));
    }

    @ParameterizedTest
    @ValueSource(longs = {1_700_000_000_000L, 1_700_000_059_000L})
    void everyMillisecondOfASecondAndTheNextSecondAreRightAlthoughTheSecondIsReused(long start) {
        for (long millis = start; millis < start + 2_000; millis++) {
            assertThat(format(millis)).isEqualTo(ISO_MILLIS.format(Instant.ofEpochMilli(millis)));
        }
    }

    private static String format(long epochMillis) {
        StringBuilder out = new StringBuilder("x");
        LogTimestamps.append(out, epochMillis);
        return out.substring(1);
    }
}
