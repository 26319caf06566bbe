package dev.nexus.proxy.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin that misbehaves on purpose: for each connection it reads one request head and then runs
 * a script that writes whatever bytes the test wants (malformed responses, truncated bodies, resets).
 * Plain blocking sockets on 127.0.0.1, one daemon thread per connection.
 */
public final class ScriptedOrigin implements AutoCloseable {

    /** What the origin does once a request head has arrived. */
    @FunctionalInterface
    public interface Script {
        void run(Socket socket) throws IOException;
    }

    /** The same, for scripts that answer according to the request head. */
    @FunctionalInterface
    public interface HeadScript {
        void run(Socket socket, String requestHead) throws IOException;
    }

    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();
    private final CountDownLatch closedByProxy = new CountDownLatch(1);

    public ScriptedOrigin(Script script) throws IOException {
        this((socket, head) -> script.run(socket));
    }

    public ScriptedOrigin(HeadScript script) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    connections.incrementAndGet();
                    Thread worker = new Thread(() -> serve(socket, script), "scripted-origin-conn");
                    worker.setDaemon(true);
                    worker.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "scripted-origin");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(Socket socket, HeadScript script) {
        try (socket) {
            socket.setSoTimeout(10_000);
            String head = HttpHeads.read(socket.getInputStream());
            if (head.startsWith("PRI * HTTP/2.0")) {
                // An HTTP/1.1 server refuses the HTTP/2 preface (h2c prior knowledge) as nginx does: it is no request.
                socket.getOutputStream().write(("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                        + "Content-Length: 0\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return;
            }
            requestHeads.add(head);
            script.run(socket, head);
            if (!socket.isClosed() && socket.getInputStream().read() < 0) {
                closedByProxy.countDown();
            }
        } catch (IOException e) {
            closedByProxy.countDown();
        }
    }

    /** Every request head received, byte for byte (ISO-8859-1), in arrival order. */
    public List<String> requestHeads() {
        return requestHeads;
    }

    /** Resets the connection: the peer sees RST rather than an orderly close. */
    public static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    public int port() {
        return server.getLocalPort();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public int connectionsAccepted() {
        return connections.get();
    }

    /** Whether the proxy closed a connection after the script ran, within the timeout. */
    public boolean awaitClosedByProxy(long timeout, TimeUnit unit) throws InterruptedException {
        return closedByProxy.await(timeout, unit);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
