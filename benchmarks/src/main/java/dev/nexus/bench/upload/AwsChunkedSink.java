package dev.nexus.bench.upload;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The origin of the aws-chunked upload benchmark: reads each upload to its end and checks its framing
 * cheaply (every chunk header has a size and a 64-hex-digit chunk-signature, every chunk ends with CRLF,
 * the sizes add up to {@code x-amz-decoded-content-length}, the bytes to {@code Content-Length}), then
 * answers 200, or 400 naming the problem. Signatures are not recomputed: that costs the same in both runs
 * and is proven by the tests. Blocking sockets, one thread per connection.
 *
 * <pre>AwsChunkedSink --port 18100</pre>
 */
public final class AwsChunkedSink {

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[1]);
        try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            while (true) {
                Socket socket = server.accept();
                Thread worker = new Thread(() -> serve(socket), "sink");
                worker.setDaemon(true);
                worker.start();
            }
        }
    }

    private static void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream(), 256 * 1024);
            OutputStream out = socket.getOutputStream();
            while (true) {
                long contentLength = -1;
                long decoded = -1;
                String line = line(in);
                if (line == null) {
                    return;
                }
                for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                    String lower = header.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        contentLength = Long.parseLong(header.substring(15).trim());
                    } else if (lower.startsWith("x-amz-decoded-content-length:")) {
                        decoded = Long.parseLong(header.substring(29).trim());
                    } else if (lower.startsWith("expect:")) {
                        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                }
                String problem = readBody(in, contentLength, decoded);
                String answer = problem == null ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                        : "HTTP/1.1 400 Bad Request\r\nContent-Length: " + problem.length() + "\r\nConnection: close\r\n\r\n" + problem;
                out.write(answer.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (problem != null) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("sink: " + e);
        }
    }

    private static String readBody(InputStream in, long contentLength, long decoded) throws IOException {
        byte[] scratch = new byte[256 * 1024];
        long wire = 0;
        long data = 0;
        while (true) {
            String header = line(in);
            if (header == null) {
                return "body ended early";
            }
            wire += header.length() + 2;
            int semicolon = header.indexOf(";chunk-signature=");
            if (semicolon < 0 || header.length() - semicolon - 17 != 64) {
                return "chunk header without a 64-hex-digit chunk-signature: " + header;
            }
            long size = Long.parseLong(header.substring(0, semicolon), 16);
            if (size == 0) {
                wire += 2;
                String end = line(in);
                if (end == null || !end.isEmpty()) {
                    return "no CRLF after the final chunk";
                }
                break;
            }
            for (long left = size; left > 0; ) {
                int n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
                if (n < 0) {
                    return "body ended inside a chunk";
                }
                left -= n;
            }
            if (in.read() != '\r' || in.read() != '\n') {
                return "chunk not followed by CRLF";
            }
            data += size;
            wire += size + 2;
        }
        if (data != decoded || wire != contentLength) {
            return "decoded " + data + " of " + decoded + ", wire " + wire + " of " + contentLength;
        }
        return null;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(96);
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.append((char) b);
        }
        if (b < 0 && line.length() == 0) {
            return null;
        }
        int end = line.length() > 0 && line.charAt(line.length() - 1) == '\r' ? line.length() - 1 : line.length();
        return line.substring(0, end);
    }
}
