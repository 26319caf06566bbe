package dev.nexus.server.runtime;

import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.server.config.NexusConfig;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Where the transparent listeners bind. Addresses from the configuration are bound as given (one that
 * this host lacks fails startup). The default is both loopbacks, because REDIRECT delivers IPv4 traffic to
 * 127.0.0.1 and IPv6 traffic to ::1; on a host without IPv6 loopback ::1 is left out, said once in the log,
 * instead of failing a proxy that cannot receive IPv6 traffic anyway.
 */
final class TransparentAddresses {

    private static final Logger LOG = Logger.getLogger(TransparentAddresses.class.getName());

    private final BooleanSupplier hostHasIpv6Loopback;
    private boolean ipv6Skipped;

    /**
     * @param hostHasIpv6Loopback asked only when an enabled listener takes the default addresses, so a proxy
     *                            without transparent mode never looks at the host's interfaces
     */
    TransparentAddresses(BooleanSupplier hostHasIpv6Loopback) {
        this.hostHasIpv6Loopback = hostHasIpv6Loopback;
    }

    /** The data plane's listener for {@code listener}, or {@code null} when it is off. */
    ProxySettings.TransparentListener listener(NexusConfig.TransparentListener listener) {
        if (!listener.enabled()) {
            return null;
        }
        List<String> addresses = listener.addresses().orElseGet(this::defaultLoopbacks);
        return new ProxySettings.TransparentListener(
                addresses.stream().map(address -> new InetSocketAddress(address, listener.port())).toList(),
                listener.originalPort());
    }

    private List<String> defaultLoopbacks() {
        if (hostHasIpv6Loopback.getAsBoolean()) {
            return NexusConfig.TransparentListener.LOOPBACKS;
        }
        if (!ipv6Skipped) {
            ipv6Skipped = true;
            LOG.info("transparent listeners: this host has no IPv6 loopback (::1), so they listen on 127.0.0.1 only"
                    + " (IPv6 traffic redirected by ip6tables would be refused)");
        }
        return List.of("127.0.0.1");
    }
}
