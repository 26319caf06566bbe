package dev.nexus.proxy.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/**
 * A DNS server on 127.0.0.1 that answers every query with NXDOMAIN, so tests of name resolution
 * failures never send a packet beyond loopback.
 */
public final class NxDomainDnsServer implements AutoCloseable {

    private final DatagramSocket socket;

    public NxDomainDnsServer() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread thread = new Thread(this::serve, "nxdomain-dns");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            try {
                DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                socket.receive(query);
                byte[] answer = java.util.Arrays.copyOf(query.getData(), query.getLength());
                answer[2] = (byte) (0x80 | (answer[2] & 0x79)); // QR=1, keep opcode and RD
                answer[3] = (byte) 0x83;                         // RA=1, RCODE=3 (NXDOMAIN)
                for (int i = 6; i < 12; i++) {
                    answer[i] = 0;                               // no answer, authority or additional records
                }
                socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
            } catch (IOException closed) {
                return;
            }
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public void close() {
        socket.close();
    }
}
