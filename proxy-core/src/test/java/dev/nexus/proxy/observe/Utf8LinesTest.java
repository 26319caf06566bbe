package dev.nexus.proxy.observe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8LinesTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "{\"host\":\"api.example.com\"}", "caf\u00e9 \u00fc\u00df", "\u20ac \u4e2d\u6587 \uffff",
            "emoji \ud83d\ude80 and \ud834\udd1e", "\u007f\u0080\u07ff\u0800"})
    void writesEachLineAsTheJdkEncodesItFollowedByALineBreak(String line) throws IOException {
        assertThat(written(line)).isEqualTo((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lone high \ud83d end", "lone low \ude80 end", "high at the end \ud83d", "\ude80\ud83d"})
    void writesALoneSurrogateAsAQuestionMarkLikeTheJdk(String line) throws IOException {
        assertThat(written(line)).isEqualTo((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aLongLineAfterShortOnesIsWrittenWholeAndTheReturnedLengthsAreTheBytesWritten() throws IOException {
        Utf8Lines lines = new Utf8Lines();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String longLine = "\u4e2d".repeat(5_000) + "x".repeat(3_000);
        int total = 0;
        for (String line : new String[]{"short", longLine, "again"}) {
            total += lines.encode(line);
            lines.writeTo(out);
        }
        byte[] expected = ("short\n" + longLine + "\nagain\n").getBytes(StandardCharsets.UTF_8);
        assertThat(out.toByteArray()).isEqualTo(expected);
        assertThat(total).isEqualTo(expected.length);
    }

    private static byte[] written(String line) throws IOException {
        Utf8Lines lines = new Utf8Lines();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        lines.encode(line);
        lines.writeTo(out);
        return out.toByteArray();
    }
}
