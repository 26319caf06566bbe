package dev.nexus.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A plain socket to the proxy for sending exactly the bytes a test wants, malformed ones included,
 * and reading exactly what comes back. Every read is bounded by a timeout.
 */
public final class RawConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawConnection(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawConnection send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawConnection send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one response head (up to the blank line), as text. */
    public String readHead() throws IOException {
        return HttpHeads.read(in);
    }

    /** Reads exactly {@code n} bytes. */
    public byte[] readBytes(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new IOException("connection closed after " + bytes.length + " of " + n + " bytes");
        }
        return bytes;
    }

    /** Reads until the peer closes; returns everything read. */
    public String readUntilClosed() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /** True when the peer has closed (EOF or reset) within the read timeout. */
    public boolean closedByPeer() throws IOException {
        try {
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    public InputStream input() {
        return in;
    }

    public OutputStream output() {
        return out;
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
