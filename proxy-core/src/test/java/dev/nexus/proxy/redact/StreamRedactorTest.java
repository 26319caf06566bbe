package dev.nexus.proxy.redact;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The streaming matcher on its own: occurrences anywhere, split anywhere, same length, little held back. */
class StreamRedactorTest {

    private static final String SECRET = "ghp_Secr3tT0kenValue42";
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private static SecretPatterns patterns(String... values) {
        return SecretPatterns.compile(SecretForms.of(List.of(values)));
    }

    /** The kinds of buffer a body piece may come in: the scan reads some in place, others through a view. */
    private enum Buffers {
        DIRECT, DIRECT_WITH_OFFSET, HEAP, COMPOSITE;

        ByteBuf of(byte[] bytes, int from, int length) {
            return switch (this) {
                case DIRECT -> ALLOC.directBuffer(length).writeBytes(bytes, from, length);
                case DIRECT_WITH_OFFSET -> ALLOC.directBuffer(length + 7).writeZero(7).writeBytes(bytes, from, length).skipBytes(7);
                case HEAP -> ALLOC.heapBuffer(length).writeBytes(bytes, from, length);
                case COMPOSITE -> ALLOC.compositeDirectBuffer()
                        .addComponent(true, ALLOC.directBuffer(length / 2).writeBytes(bytes, from, length / 2))
                        .addComponent(true, ALLOC.directBuffer(length - length / 2).writeBytes(bytes, from + length / 2, length - length / 2));
            };
        }
    }

    /** Feeds {@code text} cut at {@code cuts} and returns what came out, checking nothing beyond the hold limit waited. */
    private static String redact(SecretPatterns patterns, String text, int... cuts) {
        return redact(patterns, text, Buffers.DIRECT, cuts);
    }

    private static String redact(SecretPatterns patterns, String text, Buffers buffers, int... cuts) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        StreamRedactor redactor = new StreamRedactor(patterns);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        List<Integer> bounds = new ArrayList<>();
        for (int cut : cuts) {
            bounds.add(cut);
        }
        bounds.add(bytes.length);
        for (int to : bounds) {
            ByteBuf piece = buffers.of(bytes, from, to - from);
            redactor.redact(piece, ALLOC, buf -> {
                byte[] chunk = new byte[buf.readableBytes()];
                buf.readBytes(chunk);
                buf.release();
                out.writeBytes(chunk);
            });
            assertThat(to - out.size()).as("bytes held back").isLessThanOrEqualTo(patterns.maxHeldBytes());
            from = to;
        }
        ByteBuf rest = redactor.finish(ALLOC);
        if (rest != null) {
            byte[] chunk = new byte[rest.readableBytes()];
            rest.readBytes(chunk);
            rest.release();
            out.writeBytes(chunk);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String stars(int n) {
        return "*".repeat(n);
    }

    @Test
    void aSecretSplitAcrossTwoPiecesIsFoundAtEveryOffset() {
        SecretPatterns patterns = patterns(SECRET);
        String body = "{\"headers\":{\"Authorization\":\"Bearer " + SECRET + "\"}}";
        String expected = body.replace(SECRET, stars(SECRET.length()));
        for (int cut = 0; cut <= body.length(); cut++) {
            assertThat(redact(patterns, body, cut)).as("cut at %d", cut).isEqualTo(expected);
        }
    }

    @Test
    void aSecretSpreadOverOneBytePiecesIsFound() {
        String body = "x" + SECRET + "y" + SECRET;
        int[] everyByte = new int[body.length() - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(redact(patterns(SECRET), body, everyByte))
                .isEqualTo("x" + stars(SECRET.length()) + "y" + stars(SECRET.length()));
    }

    @Test
    void encodedSpellingsAndOverlapsAreAllMasked() {
        String secret = "p@ss word/with+plus";
        String body = "raw=" + secret + "&url=p%40ss%20word%2Fwith%2Bplus&form=p%40ss+word%2Fwith%2Bplus"
                + "&lower=p%40ss%20word%2fwith%2bplus&json=\"p@ss word\\/with+plus\"";
        String out = redact(patterns(secret), body, 7, 30, 31, 90);
        assertThat(out).doesNotContain("p@ss").doesNotContain("p%40ss").hasSameSizeAs(body);
        assertThat(out).startsWith("raw=" + stars(secret.length()) + "&url=");
    }

    @Test
    void aPrefixThatDoesNotCompleteIsPassedOnUnchanged() {
        String body = "ghp_Secr3tT0kenValue4 and ghp_Secr3tT0ken and ghp_";
        for (int cut = 0; cut <= body.length(); cut++) {
            assertThat(redact(patterns(SECRET), body, cut)).isEqualTo(body);
        }
    }

    @Test
    void shortValuesAreNotLookedFor() {
        SecretPatterns patterns = patterns("admin", "1234567");
        assertThat(patterns.isEmpty()).isTrue();
        assertThat(redact(patterns, "admin 1234567 admin")).isEqualTo("admin 1234567 admin");
    }

    @Test
    void randomBinaryStreamsAreMaskedExactlyWhereTheSecretsAre() {
        Random random = new Random(42);
        SecretPatterns patterns = patterns(SECRET, "another-secret-value");
        for (int round = 0; round < 200; round++) {
            StringBuilder body = new StringBuilder();
            StringBuilder expected = new StringBuilder();
            for (int part = 0; part < 20; part++) {
                String noise = randomText(random, random.nextInt(40));
                body.append(noise);
                expected.append(noise);
                if (random.nextInt(3) == 0) {
                    String secret = random.nextBoolean() ? SECRET : "another-secret-value";
                    body.append(secret);
                    expected.append(stars(secret.length()));
                }
            }
            int a = random.nextInt(body.length() + 1);
            int b = random.nextInt(body.length() + 1);
            assertThat(redact(patterns, body.toString(), Math.min(a, b), Math.max(a, b)))
                    .isEqualTo(expected.toString());
        }
    }

    /**
     * Text built from pieces of the secrets' spellings keeps firing the start-state filter and leads the
     * automaton down partial matches; whatever the cuts, the output must mask exactly the union of all
     * occurrences of every spelling. Secrets of the shortest length, of the widest filter window and
     * longer, so the stride takes each of its shapes.
     */
    @Test
    void textMadeOfSecretFragmentsIsMaskedExactlyAtEveryStrideAndCut() {
        Random random = new Random(16);
        List<List<String>> secretSets = List.of(
                List.of("p@ss word/with+plus", "ghp_4bQ9xZk2Lm7Rt1Vw8Ys3Nd6Fh0Jc5Pa2Ue9"),
                List.of("abcdabca", "abcaabcd"),
                List.of("k".repeat(SecretPatterns.MAX_WINDOW + 30) + "end", "xyz".repeat(SecretPatterns.MAX_WINDOW)));
        for (List<String> secrets : secretSets) {
            List<byte[]> spellings = SecretForms.of(secrets);
            SecretPatterns patterns = SecretPatterns.compile(spellings);
            for (int round = 0; round < 150; round++) {
                String body = fragmentText(random, spellings, 300 + random.nextInt(500));
                int[] cuts = random.ints(random.nextInt(6), 0, body.length() + 1).sorted().toArray();
                assertThat(redact(patterns, body, cuts)).as("cuts %s in %s", Arrays.toString(cuts), body)
                        .isEqualTo(maskedByReference(body, spellings));
            }
        }
    }

    @Test
    void everyKindOfBufferIsMaskedExactlyAtEveryCut() {
        Random random = new Random(23);
        List<byte[]> spellings = SecretForms.of(List.of("p@ss word/with+plus", "ghp_4bQ9xZk2Lm7Rt1Vw8Ys3Nd6Fh0Jc5Pa2Ue9"));
        SecretPatterns patterns = SecretPatterns.compile(spellings);
        for (Buffers buffers : Buffers.values()) {
            for (int round = 0; round < 60; round++) {
                String body = fragmentText(random, spellings, 300 + random.nextInt(3000));
                int[] cuts = random.ints(random.nextInt(6), 0, body.length() + 1).sorted().toArray();
                assertThat(redact(patterns, body, buffers, cuts)).as("%s, cuts %s in %s", buffers, Arrays.toString(cuts), body)
                        .isEqualTo(maskedByReference(body, spellings));
            }
        }
    }

    /**
     * A secret at the first or the last bytes of a large piece, at every offset around the last windows
     * the filter strides over (fewer bytes than a window are left to the automaton), in a piece of its
     * own or followed by a cut: masked in every kind of buffer, in zeros and in text alike.
     */
    @Test
    void secretsAtTheEndsOfLargePiecesAreMasked() {
        String secret = "p@ss word/with+plus";
        List<byte[]> spellings = SecretForms.of(List.of(secret));
        SecretPatterns patterns = SecretPatterns.compile(spellings);
        for (String filler : List.of("\0", "{\"a\":\"b c\"},")) {
            String noise = filler.repeat(9000 / filler.length());
            for (int k = 0; k <= secret.length() + 4; k++) {
                String atStart = noise.substring(0, k) + secret + noise;
                String atEnd = noise + secret + noise.substring(0, k);
                for (Buffers buffers : Buffers.values()) {
                    for (String body : List.of(atStart, atEnd)) {
                        int end = body.indexOf(secret) + secret.length();
                        String expected = maskedByReference(body, spellings);
                        assertThat(redact(patterns, body, buffers)).as("%s, offset %d", buffers, k).isEqualTo(expected);
                        assertThat(redact(patterns, body, buffers, end)).as("%s, cut after, offset %d", buffers, k)
                                .isEqualTo(expected);
                        assertThat(redact(patterns, body, buffers, end - secret.length())).as("%s, cut before, offset %d",
                                buffers, k).isEqualTo(expected);
                    }
                }
            }
        }
    }

    @Test
    void headerValuesAreMaskedInPlaceOfTheSecret() {
        SecretPatterns patterns = patterns(SECRET);
        long[] found = new long[1];
        assertThat(patterns.redact("https://example.com/cb?key=" + SECRET + "&x=" + SECRET, found))
                .isEqualTo("https://example.com/cb?key=" + stars(SECRET.length()) + "&x=" + stars(SECRET.length()));
        assertThat(patterns.redact("nothing to see", found)).isNull();
        assertThat(found[0]).isEqualTo(2);
    }

    @Test
    void aHeaderValueThatIsExactlyTheSecretIsMaskedAndShorterOnesAreLeftAlone() {
        SecretPatterns patterns = patterns(SECRET);
        long[] found = new long[1];
        assertThat(patterns.redact(SECRET, found)).isEqualTo(stars(SECRET.length()));
        assertThat(patterns.redact(SECRET.substring(1), found)).isNull();
        assertThat(patterns.redact("", found)).isNull();
        assertThat(found[0]).isEqualTo(1);
    }

    @Test
    void readOnlyPiecesAreCopiedNotWrittenTo() {
        StreamRedactor redactor = new StreamRedactor(patterns(SECRET));
        ByteBuf readOnly = Unpooled.copiedBuffer("a " + SECRET + " b", StandardCharsets.UTF_8).asReadOnly();
        List<String> out = new ArrayList<>();
        redactor.redact(readOnly, ALLOC, buf -> {
            out.add(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        });
        assertThat(out).containsExactly("a " + stars(SECRET.length()) + " b");
        assertThat(redactor.redactions()).isEqualTo(1);
    }

    /** Whole spellings, their prefixes and suffixes, and a little noise, glued together. */
    private static String fragmentText(Random random, List<byte[]> spellings, int length) {
        StringBuilder text = new StringBuilder(length + 200);
        while (text.length() < length) {
            String spelling = new String(spellings.get(random.nextInt(spellings.size())), StandardCharsets.ISO_8859_1);
            switch (random.nextInt(4)) {
                case 0 -> text.append(spelling);
                case 1 -> text.append(spelling, 0, random.nextInt(spelling.length()));
                case 2 -> text.append(spelling, random.nextInt(spelling.length()), spelling.length());
                default -> text.append(randomText(random, random.nextInt(12)));
            }
        }
        return text.toString();
    }

    /** The obvious way: every occurrence of every spelling, found with indexOf, overwritten. */
    private static String maskedByReference(String text, List<byte[]> spellings) {
        char[] masked = text.toCharArray();
        for (byte[] bytes : spellings) {
            String spelling = new String(bytes, StandardCharsets.ISO_8859_1);
            for (int at = text.indexOf(spelling); at >= 0; at = text.indexOf(spelling, at + 1)) {
                Arrays.fill(masked, at, at + spelling.length(), '*');
            }
        }
        return new String(masked);
    }

    private static String randomText(Random random, int length) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzghp_S3\"{}:, \n";
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
