package dev.nexus.proxy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;

/**
 * An S3-like origin on loopback that accepts an upload only when every signature in it was made with the
 * real key: the request head (SigV4, recomputed here from the AWS specification) and, for aws-chunked
 * bodies, the chain of chunk signatures and the {@code x-amz-trailer-signature}, together with the
 * {@code x-amz-checksum-crc32} trailer. It proves what s3proxy 2.6.0 does not check (chunk signatures,
 * trailer modes), independently of the proxy's own signing code. Uploads are kept by path; anything
 * wrong is answered 403 {@code SignatureDoesNotMatch} (or 400) with the reason, like S3.
 */
public final class SigV4VerifyingOrigin implements AutoCloseable {

    /** One accepted upload: the decoded bytes and how they were framed. */
    public record Upload(String contentSha256, byte[] data, int chunks, List<String> trailers) {
    }

    private final String secretKey;
    private final HttpServer server;
    private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
    private final List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();

    public SigV4VerifyingOrigin(String secretKey) throws IOException {
        this.secretKey = secretKey;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "sigv4-verifying-origin");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The upload stored at {@code path} (as sent, query excluded), or {@code null}. */
    public Upload upload(String path) {
        return uploads.get(path);
    }

    /** Why requests were refused, in order. */
    public List<String> refusals() {
        return refusals;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String problem;
            Upload upload = null;
            try {
                String seed = verifyHead(exchange);
                upload = decode(exchange, body, seed);
                problem = null;
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
            if (problem != null) {
                refusals.add(problem);
                byte[] error = ("<Error><Code>SignatureDoesNotMatch</Code><Message>" + problem + "</Message></Error>")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/xml");
                exchange.sendResponseHeaders(403, error.length);
                exchange.getResponseBody().write(error);
                return;
            }
            uploads.put(exchange.getRequestURI().getRawPath(), upload);
            exchange.getResponseHeaders().set("ETag", '"' + HexFormat.of().formatHex(digest("MD5", upload.data())) + '"');
            exchange.sendResponseHeaders(200, -1);
        }
    }

    /** Recomputes the head's signature with the real key; returns it (the seed of the chunk chain). */
    private String verifyHead(HttpExchange exchange) {
        String authorization = header(exchange, "Authorization");
        String credential = part(authorization, "Credential=");
        String signedHeaders = part(authorization, "SignedHeaders=");
        String signature = part(authorization, "Signature=");
        String[] scope = credential.split("/");
        String amzDate = header(exchange, "X-Amz-Date");
        StringBuilder canonical = new StringBuilder(exchange.getRequestMethod()).append('\n')
                .append(exchange.getRequestURI().getRawPath()).append('\n')
                .append(canonicalQuery(exchange.getRequestURI().getRawQuery())).append('\n');
        for (String name : signedHeaders.split(";")) {
            canonical.append(name).append(':').append(header(exchange, name).trim().replaceAll(" +", " ")).append('\n');
        }
        canonical.append('\n').append(signedHeaders).append('\n').append(header(exchange, "X-Amz-Content-Sha256"));
        String credentialScope = scope[1] + '/' + scope[2] + '/' + scope[3] + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + '\n' + credentialScope + '\n' + hex(digest("SHA-256",
                canonical.toString().getBytes(StandardCharsets.UTF_8)));
        String expected = hex(hmac(signingKey(scope[1], scope[2], scope[3]), toSign));
        if (!expected.equals(signature)) {
            throw new IllegalArgumentException("the request head's signature was not made with the real key");
        }
        return signature;
    }

    private Upload decode(HttpExchange exchange, byte[] body, String seed) {
        String mode = header(exchange, "X-Amz-Content-Sha256");
        if (!mode.startsWith("STREAMING-")) {
            if (!mode.equals("UNSIGNED-PAYLOAD") && !mode.equals(hex(digest("SHA-256", body)))) {
                throw new IllegalArgumentException("x-amz-content-sha256 does not match the body");
            }
            return new Upload(mode, body, 0, List.of());
        }
        String[] scope = part(header(exchange, "Authorization"), "Credential=").split("/");
        String amzDate = header(exchange, "X-Amz-Date");
        AwsChunkedReader reader = new AwsChunkedReader(body, mode.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
                ? new Chain(signingKey(scope[1], scope[2], scope[3]), amzDate,
                scope[1] + '/' + scope[2] + '/' + scope[3] + "/aws4_request", seed) : null);
        Upload upload = reader.read(mode);
        long declared = Long.parseLong(header(exchange, "X-Amz-Decoded-Content-Length"));
        if (upload.data().length != declared) {
            throw new IllegalArgumentException("decoded " + upload.data().length + " bytes, x-amz-decoded-content-length " + declared);
        }
        return upload;
    }

    /** The chunk and trailer signature chain (S3 API reference, "Transferring Payload in Multiple Chunks"). */
    private record Chain(byte[] key, String amzDate, String scope, String[] previous) {
        Chain(byte[] key, String amzDate, String scope, String seed) {
            this(key, amzDate, scope, new String[]{seed});
        }

        String next(String algorithm, String... hashes) {
            String toSign = algorithm + '\n' + amzDate + '\n' + scope + '\n' + previous[0] + '\n' + String.join("\n", hashes);
            previous[0] = hex(hmac(key, toSign));
            return previous[0];
        }
    }

    /** Reads {@code size;chunk-signature=sig CRLF data CRLF ... 0;... CRLF trailers CRLF}, checking as it goes. */
    private static final class AwsChunkedReader {
        private static final String EMPTY_SHA256 = hex(digest("SHA-256", new byte[0]));
        private final byte[] body;
        private final Chain chain;
        private int at;

        AwsChunkedReader(byte[] body, Chain chain) {
            this.body = body;
            this.chain = chain;
        }

        Upload read(String mode) {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            int chunks = 0;
            while (true) {
                String header = line();
                String[] parts = header.split(";chunk-signature=", 2);
                int size = Integer.parseInt(parts[0], 16);
                chunks++;
                if ((chain != null) != (parts.length == 2)) {
                    throw new IllegalArgumentException("chunk " + chunks + ": chunk-signature presence does not fit " + mode);
                }
                byte[] chunk = java.util.Arrays.copyOfRange(body, at, at + size);
                at += size;
                if (chain != null && !chain.next("AWS4-HMAC-SHA256-PAYLOAD", EMPTY_SHA256,
                        hex(digest("SHA-256", chunk))).equals(parts[1])) {
                    throw new IllegalArgumentException("chunk " + chunks + ": chunk-signature was not made with the real key");
                }
                data.writeBytes(chunk);
                if (size == 0) {
                    break;
                }
                if (!line().isEmpty()) {
                    throw new IllegalArgumentException("chunk " + chunks + " is not followed by CRLF");
                }
            }
            List<String> trailers = new ArrayList<>();
            for (String line = line(); !line.isEmpty(); line = line()) {
                trailers.add(line);
            }
            if (at != body.length) {
                throw new IllegalArgumentException((body.length - at) + " bytes after the end of the aws-chunked body");
            }
            checkTrailers(mode, trailers, data.toByteArray());
            return new Upload(mode, data.toByteArray(), chunks, trailers);
        }

        private void checkTrailers(String mode, List<String> trailers, byte[] data) {
            if (!mode.endsWith("-TRAILER")) {
                if (!trailers.isEmpty()) {
                    throw new IllegalArgumentException("trailers in " + mode);
                }
                return;
            }
            StringBuilder canonical = new StringBuilder();
            String signature = null;
            for (String trailer : trailers) {
                String name = trailer.substring(0, trailer.indexOf(':')).trim().toLowerCase(Locale.ROOT);
                String value = trailer.substring(trailer.indexOf(':') + 1).trim();
                if (name.equals("x-amz-trailer-signature")) {
                    signature = value;
                    continue;
                }
                canonical.append(name).append(':').append(value).append('\n');
                if (name.equals("x-amz-checksum-crc32")) {
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    byte[] expected = java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array();
                    if (!Base64.getEncoder().encodeToString(expected).equals(value)) {
                        throw new IllegalArgumentException("x-amz-checksum-crc32 does not match the data");
                    }
                }
            }
            if (chain != null && (signature == null || !chain.next("AWS4-HMAC-SHA256-TRAILER",
                    hex(digest("SHA-256", canonical.toString().getBytes(StandardCharsets.UTF_8)))).equals(signature))) {
                throw new IllegalArgumentException("x-amz-trailer-signature was not made with the real key");
            }
        }

        private String line() {
            int start = at;
            while (at + 1 < body.length && !(body[at] == '\r' && body[at + 1] == '\n')) {
                at++;
            }
            if (at + 1 >= body.length) {
                throw new IllegalArgumentException("the aws-chunked body ends inside a line");
            }
            String line = new String(body, start, at - start, StandardCharsets.ISO_8859_1);
            at += 2;
            return line;
        }
    }

    private byte[] signingKey(String date, String region, String service) {
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        return hmac(hmac(hmac(key, region), service), "aws4_request");
    }

    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            pairs.add(pair.contains("=") ? pair : pair + '=');
        }
        pairs.sort(null);
        return String.join("&", pairs);
    }

    private static String header(HttpExchange exchange, String name) {
        String value = exchange.getRequestHeaders().getFirst(name);
        if (value == null) {
            throw new IllegalArgumentException("header " + name + " is missing");
        }
        return value;
    }

    private static String part(String authorization, String name) {
        int start = authorization.indexOf(name);
        if (start < 0) {
            throw new IllegalArgumentException("Authorization has no " + name);
        }
        start += name.length();
        int end = authorization.indexOf(',', start);
        return authorization.substring(start, end < 0 ? authorization.length() : end).trim();
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
