package dev.nexus.bench.jmh;

import dev.nexus.bench.upload.AwsChunkedUploadClient;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.strategy.CredentialStrategy;
import dev.nexus.proxy.strategy.OutboundRequest;
import dev.nexus.proxy.strategy.Strategies;
import dev.nexus.proxy.strategy.StrategyOptions;
import dev.nexus.proxy.strategy.StreamingBodySigner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.UnixChannelUtil;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
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

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The aws-chunked re-signer alone (issue 19), per 1 MiB upload: 16 chunks of 64 KiB signed with a
 * placeholder key, fed to the {@link StreamingBodySigner} the {@code aws_sigv4} strategy hands out in
 * pieces of {@code piece} bytes (slices of one pooled direct buffer, as socket reads arrive), each
 * result then made writable the way the epoll transport does before its {@code writev} (a buffer that
 * is not all direct is copied whole into a direct one) and released. {@code verify=true} is a route
 * with {@code agent_secret_key}: every chunk's signature is also checked against the placeholder key.
 * The head is signed per upload too (it is once per request in the proxy). Score: microseconds per
 * MiB; 1 MiB / score is the signer's throughput on one core.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar AwsChunkedSigner -f 1 -wi 5 -i 5 -w 1s -r 2s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AwsChunkedSignerBenchmark {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final String AMZ_DATE = "20261207T120000Z";
    private static final String SCOPE = "20261207/us-east-1/s3/aws4_request";
    private static final String PLACEHOLDER_SECRET = "bench-placeholder-secret";
    private static final String SEED = "0".repeat(64);
    private static final int CHUNK = 64 * 1024;
    private static final int CHUNKS = 16;
    private static final long DECODED = (long) CHUNK * CHUNKS;

    @Param({"true", "false"})
    public boolean verify;

    /** Bytes per body piece fed to the signer, as the HTTP decoder hands them on. */
    @Param({"65536"})
    public int piece;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private CredentialStrategy strategy;
    private Lease lease;
    private ByteBuf body;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        Epoll.ensureAvailability(); // loads the native transport UnixChannelUtil asks about
        Map<String, String> config = verify
                ? Map.of("service", "s3", "region", "us-east-1", "agent_secret_key", PLACEHOLDER_SECRET)
                : Map.of("service", "s3", "region", "us-east-1");
        strategy = Strategies.create(new StrategySpec("aws_sigv4", config), StrategyOptions.DEFAULT);
        lease = new Lease("bench", StrategySpec.of("aws_sigv4"), Map.of("access_key", "AKIDBENCHREAL",
                "secret_key", "bench-real-secret"), null, NOW);
        byte[] encoded = agentBody();
        body = alloc.directBuffer(encoded.length).writeBytes(encoded);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        body.release();
    }

    @Benchmark
    public long upload() {
        OutboundRequest request = request();
        strategy.stripAgentCredentials(request);
        strategy.apply(request, lease);
        StreamingBodySigner signer = request.streamingBodySigner();
        long forwarded = 0;
        try {
            for (int offset = 0; offset < body.writerIndex(); offset += piece) {
                forwarded += written(signer.feed(body.retainedSlice(offset, Math.min(piece, body.writerIndex() - offset))));
            }
            forwarded += written(signer.end());
        } finally {
            signer.release();
        }
        return forwarded;
    }

    /** What the epoll transport does with an outbound buffer before writing it; released as after the write. */
    private long written(ByteBuf out) {
        ByteBuf writable = out;
        if (UnixChannelUtil.isBufferCopyNeededForWrite(out)) {
            writable = alloc.directBuffer(out.readableBytes()).writeBytes(out);
            out.release();
        }
        long bytes = writable.readableBytes();
        writable.release();
        return bytes;
    }

    private static OutboundRequest request() {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/bench/upload.bin");
        head.headers().set("Host", "127.0.0.1:18100")
                .set("Authorization", "AWS4-HMAC-SHA256 Credential=placeholder/" + SCOPE
                        + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length, Signature=" + SEED)
                .set("X-Amz-Date", AMZ_DATE)
                .set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
                .set("Content-Encoding", "aws-chunked")
                .set("X-Amz-Decoded-Content-Length", Long.toString(DECODED))
                .set("Content-Length", Long.toString(AwsChunkedUploadClient.encodedLength(DECODED, CHUNK)));
        return new OutboundRequest("http", "127.0.0.1", 18100, head, null, NOW);
    }

    /** The body an S3 client sends, chained from {@link #SEED} with the placeholder key. */
    private static byte[] agentBody() throws GeneralSecurityException {
        byte[] key = AwsChunkedUploadClient.signingKey(PLACEHOLDER_SECRET, AMZ_DATE.substring(0, 8));
        byte[] data = new byte[CHUNK];
        new Random(19).nextBytes(data);
        String dataHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        String emptyHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[0]));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String previous = SEED;
        for (int i = 0; i <= CHUNKS; i++) {
            boolean last = i == CHUNKS;
            previous = AwsChunkedUploadClient.sign(key, "AWS4-HMAC-SHA256-PAYLOAD\n" + AMZ_DATE + "\n" + SCOPE + "\n" + previous
                    + "\n" + emptyHash + "\n" + (last ? emptyHash : dataHash));
            out.writeBytes(((last ? "0" : Integer.toHexString(CHUNK)) + ";chunk-signature=" + previous + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            if (!last) {
                out.writeBytes(data);
            }
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }
}
