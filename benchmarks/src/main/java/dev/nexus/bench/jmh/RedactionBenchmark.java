package dev.nexus.bench.jmh;

import dev.nexus.proxy.redact.SecretPatterns;
import dev.nexus.proxy.redact.StreamRedactor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Response redaction's body scan ({@link StreamRedactor}, a new one per response as in the proxy) over
 * a 1 KiB and an 8 MiB body (JSON, or zero bytes as the end-to-end script's origin serves) in pooled
 * direct buffers of 8 KiB (the proxy's read size), against
 * the plain copy every relayed byte costs anyway ({@code copy}) and both together
 * ({@code redactAndCopy}). The patterns are those of a 40-byte API token and a 19-byte password with
 * characters that percent-encoding changes (raw, %20 and + forms). The JSON body holds the token once.
 * Targets: at most 10 % more CPU per 1 KiB response, at least 0.9x the throughput for 8 MiB.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar Redaction -f 1 -wi 3 -i 5 -w 1s -r 1s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RedactionBenchmark {

    private static final int READ_SIZE = 8192;
    private static final String TOKEN = "ghp_4bQ9xZk2Lm7Rt1Vw8Ys3Nd6Fh0Jc5Pa2Ue9";
    private static final String[] WORDS = {"id", "name", "value", "items", "repository", "owner", "login",
            "created_at", "updated", "description", "a", "the", "of", "url", "https", "api", "example", "com",
            "true", "false", "null", "12345", "html_url", "node_id", "MDQ6VXNlcjE=", "private", "fork"};

    @Param({"1024", "8388608"})
    public int bodyBytes;

    /** {@code json}: text that now and then looks like the start of a secret; {@code zeros}: what BenchOrigin serves. */
    @Param({"json", "zeros"})
    public String content = "json";

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private SecretPatterns patterns;
    private ByteBuf[] pieces;
    private ByteBuf target;
    private final Consumer<ByteBuf> release = ByteBuf::release;

    @Setup(Level.Trial)
    public void prepare() {
        patterns = SecretPatterns.compile(List.of(bytes(TOKEN), bytes("p@ss word/with+plus"),
                bytes("p%40ss%20word%2Fwith%2Bplus"), bytes("p%40ss+word%2Fwith%2Bplus")));
        byte[] body = content.equals("zeros") ? new byte[bodyBytes] : jsonBody(bodyBytes);
        int count = (body.length + READ_SIZE - 1) / READ_SIZE;
        pieces = new ByteBuf[count];
        for (int i = 0; i < count; i++) {
            int from = i * READ_SIZE;
            int length = Math.min(READ_SIZE, body.length - from);
            pieces[i] = alloc.directBuffer(length).writeBytes(body, from, length);
        }
        target = alloc.directBuffer(READ_SIZE);
    }

    @TearDown(Level.Trial)
    public void release() {
        for (ByteBuf piece : pieces) {
            piece.release();
        }
        target.release();
    }

    /** The baseline: each piece copied once, as relaying it to a socket does. */
    @Benchmark
    public int copy() {
        int copied = 0;
        for (ByteBuf piece : pieces) {
            target.clear().writeBytes(piece, piece.readerIndex(), piece.readableBytes());
            copied += target.readableBytes();
        }
        return copied;
    }

    /** The scan alone, in place (a token once found stays masked; later rounds rescan the same bytes). */
    @Benchmark
    public long redact() {
        StreamRedactor redactor = new StreamRedactor(patterns);
        for (ByteBuf piece : pieces) {
            redactor.redact(piece.retainedDuplicate(), alloc, release);
        }
        ByteBuf rest = redactor.finish(alloc);
        if (rest != null) {
            rest.release();
        }
        return redactor.redactions();
    }

    /** What a relayed response costs with redaction: the scan, then the copy. */
    @Benchmark
    public int redactAndCopy() {
        redact();
        return copy();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** JSON-looking text of exactly {@code size} bytes with the token once, near the middle. */
    private static byte[] jsonBody(int size) {
        Random random = new Random(7);
        StringBuilder text = new StringBuilder(size + 64).append('{');
        boolean tokenPlaced = false;
        while (text.length() < size) {
            if (!tokenPlaced && text.length() > size / 2) {
                text.append("\"token\":\"").append(TOKEN).append("\",");
                tokenPlaced = true;
            }
            text.append('"').append(WORDS[random.nextInt(WORDS.length)]).append("\":\"")
                    .append(WORDS[random.nextInt(WORDS.length)]).append(' ')
                    .append(WORDS[random.nextInt(WORDS.length)]).append("\",");
        }
        byte[] bytes = new byte[size];
        System.arraycopy(text.toString().getBytes(StandardCharsets.UTF_8), 0, bytes, 0, size);
        return bytes;
    }
}
