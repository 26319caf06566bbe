package dev.nexus.proxy.ingress;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/**
 * The loopback addresses iptables REDIRECT delivers to: 127.0.0.1 for IPv4 and ::1 for IPv6. Whether
 * this host can listen on ::1 is a property of the host (IPv6 disabled in the kernel or the container
 * removes it) and of the JVM ({@code -Djava.net.preferIPv4Stack=true} hides it), so it is asked, not assumed.
 */
public final class LoopbackAddresses {

    static final InetAddress IPV4 = NetUtil.LOCALHOST4;
    static final InetAddress IPV6 = NetUtil.LOCALHOST6;

    private LoopbackAddresses() {
    }

    /** Whether ::1 is configured on an interface of this host and this JVM uses IPv6 at all. */
    public static boolean hasIpv6() {
        if (NetUtil.isIpV4StackPreferred()) {
            return false;
        }
        try {
            return NetworkInterface.getByInetAddress(IPV6) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
