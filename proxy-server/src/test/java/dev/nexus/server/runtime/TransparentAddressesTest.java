package dev.nexus.server.runtime;

import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.server.config.NexusConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class TransparentAddressesTest {

    private static final NexusConfig.TransparentListener DEFAULT_HTTP =
            new NexusConfig.TransparentListener(true, Optional.empty(), 15080, 80);
    private static final NexusConfig.TransparentListener DEFAULT_TLS =
            new NexusConfig.TransparentListener(true, Optional.empty(), 15443, 443);

    @Test
    void byDefaultEachListenerBindsBothLoopbacksWhereRedirectDeliversIpv4AndIpv6() {
        ProxySettings.TransparentListener http = new TransparentAddresses(() -> true).listener(DEFAULT_HTTP);
        assertThat(http.addresses()).containsExactly(new InetSocketAddress("127.0.0.1", 15080),
                new InetSocketAddress("::1", 15080));
        assertThat(http.originalPort()).isEqualTo(80);
    }

    @Test
    void withoutIpv6LoopbackTheDefaultLeavesOutIpv6AndSaysSoOnce() {
        try (LogCapture log = new LogCapture(TransparentAddresses.class.getName())) {
            TransparentAddresses addresses = new TransparentAddresses(() -> false);
            assertThat(addresses.listener(DEFAULT_HTTP).addresses()).containsExactly(new InetSocketAddress("127.0.0.1", 15080));
            assertThat(addresses.listener(DEFAULT_TLS).addresses()).containsExactly(new InetSocketAddress("127.0.0.1", 15443));
            assertThat(log.records()).hasSize(1);
            assertThat(log.text()).contains("no IPv6 loopback (::1), so they listen on 127.0.0.1 only");
        }
    }

    @Test
    void explicitAddressesAreKeptAsGivenSoAMissingIpv6LoopbackFailsTheBind() {
        try (LogCapture log = new LogCapture(TransparentAddresses.class.getName())) {
            ProxySettings.TransparentListener tls = new TransparentAddresses(() -> false).listener(
                    new NexusConfig.TransparentListener(true, Optional.of(List.of("::1")), 15443, 443));
            assertThat(tls.addresses()).containsExactly(new InetSocketAddress("::1", 15443));
            assertThat(log.records()).isEmpty();
        }
    }

    @Test
    void aDisabledListenerIsNotBound() {
        assertThat(new TransparentAddresses(() -> true).listener(NexusConfig.Transparent.DEFAULT.http())).isNull();
    }
}
