package dev.nexus.bench.upload;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One aws-chunked upload ({@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD}) as an S3 client sends it: the head
 * signed with SigV4, then chunks of {@code --chunk} bytes each signed along the chain, streamed from a
 * repeated 1 MiB random buffer. Through {@code --proxy} (absolute-form) with the agents' placeholder key,
 * or directly with the real key: the signing work on this side is the same either way. Prints one JSON
 * line: bytes, seconds, MB/s and the status line.
 *
 * <pre>AwsChunkedUploadClient --target 127.0.0.1:18100 [--proxy 127.0.0.1:13128] --bytes N [--chunk 65536]
 *     --access-key K --secret-key S</pre>
 */
public final class AwsChunkedUploadClient {

    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static void main(String[] args) throws Exception {
        String target = null;
        String proxy = null;
        long bytes = 0;
        int chunk = 65536;
        String accessKey = null;
        String secretKey = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--target" -> target = args[i + 1];
                case "--proxy" -> proxy = args[i + 1];
                case "--bytes" -> bytes = Long.parseLong(args[i + 1]);
                case "--chunk" -> chunk = Integer.parseInt(args[i + 1]);
                case "--access-key" -> accessKey = args[i + 1];
                case "--secret-key" -> secretKey = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (target == null || bytes <= 0 || accessKey == null || secretKey == null) {
            throw new IllegalArgumentException("--target, --bytes, --access-key and --secret-key are required");
        }
        long start = System.nanoTime();
        String status = upload(target, proxy, bytes, chunk, accessKey, secretKey);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("{\"bytes\":%d,\"seconds\":%.3f,\"mb_per_s\":%.1f,\"status\":\"%s\"}%n", bytes, seconds,
                bytes / 1e6 / seconds, status);
        if (!status.startsWith("HTTP/1.1 200")) {
            System.exit(1);
        }
    }

    private static String upload(String target, String proxy, long bytes, int chunk, String accessKey, String secretKey)
            throws IOException, GeneralSecurityException {
        String amzDate = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        String scope = amzDate.substring(0, 8) + "/us-east-1/s3/aws4_request";
        byte[] signingKey = signingKey(secretKey, amzDate.substring(0, 8));
        long contentLength = encodedLength(bytes, chunk);
        String canonical = "PUT\n/bench/upload.bin\n\nhost:" + target + "\nx-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\n"
                + "x-amz-date:" + amzDate + "\nx-amz-decoded-content-length:" + bytes + "\n\n"
                + "host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length\nSTREAMING-AWS4-HMAC-SHA256-PAYLOAD";
        String seed = sign(signingKey, "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonical.getBytes(StandardCharsets.UTF_8)));
        String requestTarget = proxy == null ? "/bench/upload.bin" : "http://" + target + "/bench/upload.bin";
        String head = "PUT " + requestTarget + " HTTP/1.1\r\nHost: " + target + "\r\n"
                + "Authorization: AWS4-HMAC-SHA256 Credential=" + accessKey + "/" + scope
                + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length, Signature=" + seed + "\r\n"
                + "X-Amz-Date: " + amzDate + "\r\nX-Amz-Content-Sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\n"
                + "Content-Encoding: aws-chunked\r\nX-Amz-Decoded-Content-Length: " + bytes + "\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n";
        byte[] source = new byte[1 << 20];
        new Random(19).nextBytes(source);
        String[] hostPort = (proxy == null ? target : proxy).split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5000);
            socket.setSoTimeout(120_000);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 256 * 1024);
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            String previous = seed;
            long sent = 0;
            int offset = 0;
            while (true) {
                int size = (int) Math.min(chunk, bytes - sent);
                sha256.reset();
                int from = offset;
                for (int left = size; left > 0; ) { // the chunk's bytes, wrapping around the source buffer
                    int take = Math.min(left, source.length - from);
                    sha256.update(source, from, take);
                    left -= take;
                    from = (from + take) % source.length;
                }
                previous = sign(signingKey, "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + previous + "\n"
                        + EMPTY_SHA256 + "\n" + HexFormat.of().formatHex(sha256.digest()));
                out.write((Integer.toHexString(size) + ";chunk-signature=" + previous + "\r\n").getBytes(StandardCharsets.US_ASCII));
                if (size == 0) {
                    out.write('\r');
                    out.write('\n');
                    break;
                }
                for (int left = size; left > 0; ) {
                    int take = Math.min(left, source.length - offset);
                    out.write(source, offset, take);
                    left -= take;
                    offset = (offset + take) % source.length;
                }
                out.write('\r');
                out.write('\n');
                sent += size;
            }
            out.flush();
            return statusLine(new BufferedInputStream(socket.getInputStream()));
        }
    }

    /** Bytes on the wire: every chunk's header line, data and CRLF, the final chunk and the closing CRLF. */
    public static long encodedLength(long bytes, int chunk) {
        long full = bytes / chunk;
        int rest = (int) (bytes % chunk);
        long signature = ";chunk-signature=".length() + 64 + 2;
        long length = full * (Integer.toHexString(chunk).length() + signature + chunk + 2);
        if (rest > 0) {
            length += Integer.toHexString(rest).length() + signature + rest + 2;
        }
        return length + 1 + signature + 2;
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** The SigV4 signing key for {@code date} in us-east-1, service s3. */
    public static byte[] signingKey(String secretKey, String date) throws GeneralSecurityException {
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        return hmac(hmac(hmac(key, "us-east-1"), "s3"), "aws4_request");
    }

    /** The hex HMAC-SHA256 signature of {@code toSign}. */
    public static String sign(byte[] key, String toSign) throws GeneralSecurityException {
        return HexFormat.of().formatHex(hmac(key, toSign));
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256Hex(byte[] data) throws GeneralSecurityException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
