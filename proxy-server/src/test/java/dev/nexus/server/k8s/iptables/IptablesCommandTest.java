package dev.nexus.server.k8s.iptables;

import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.k8s.K8sCommands;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IptablesCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return K8sCommands.iptables(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void defaultsRedirect80And443ExcludingTheProxyUidAndLoopbackForBothFamilies() {
        assertThat(run("--print")).isZero();
        assertThat(stdout()).isEqualTo("""
                #!/bin/sh
                # nexus-proxy transparent interception: setup (nat table, chain NEXUS_OUTPUT)
                set -eu
                iptables -t nat -N NEXUS_OUTPUT
                iptables -t nat -A NEXUS_OUTPUT -m owner --uid-owner 1337 -j RETURN
                iptables -t nat -A NEXUS_OUTPUT -d 127.0.0.0/8 -j RETURN
                iptables -t nat -A NEXUS_OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 15080
                iptables -t nat -A NEXUS_OUTPUT -p tcp --dport 443 -j REDIRECT --to-ports 15443
                iptables -t nat -A OUTPUT -p tcp -j NEXUS_OUTPUT
                ip6tables -t nat -N NEXUS_OUTPUT
                ip6tables -t nat -A NEXUS_OUTPUT -m owner --uid-owner 1337 -j RETURN
                ip6tables -t nat -A NEXUS_OUTPUT -d ::1/128 -j RETURN
                ip6tables -t nat -A NEXUS_OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 15080
                ip6tables -t nat -A NEXUS_OUTPUT -p tcp --dport 443 -j REDIRECT --to-ports 15443
                ip6tables -t nat -A OUTPUT -p tcp -j NEXUS_OUTPUT
                """);
        assertThat(stderr()).isEmpty();
    }

    @Test
    void optionsChangeUidPortsAndSendEachExcludedCidrToItsOwnFamily() {
        assertThat(run("--print", "--proxy-uid", "2000", "--proxy-gid=2001", "--http-port", "18080",
                "--https-port=18443", "--exclude-cidrs", "10.96.0.0/12,fd00::/8", "--exclude-cidrs", "169.254.169.254")).isZero();
        assertThat(stdout()).isEqualTo("""
                #!/bin/sh
                # nexus-proxy transparent interception: setup (nat table, chain NEXUS_OUTPUT)
                set -eu
                iptables -t nat -N NEXUS_OUTPUT
                iptables -t nat -A NEXUS_OUTPUT -m owner --uid-owner 2000 -j RETURN
                iptables -t nat -A NEXUS_OUTPUT -m owner --gid-owner 2001 -j RETURN
                iptables -t nat -A NEXUS_OUTPUT -d 127.0.0.0/8 -j RETURN
                iptables -t nat -A NEXUS_OUTPUT -d 10.96.0.0/12 -j RETURN
                iptables -t nat -A NEXUS_OUTPUT -d 169.254.169.254/32 -j RETURN
                iptables -t nat -A NEXUS_OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 18080
                iptables -t nat -A NEXUS_OUTPUT -p tcp --dport 443 -j REDIRECT --to-ports 18443
                iptables -t nat -A OUTPUT -p tcp -j NEXUS_OUTPUT
                ip6tables -t nat -N NEXUS_OUTPUT
                ip6tables -t nat -A NEXUS_OUTPUT -m owner --uid-owner 2000 -j RETURN
                ip6tables -t nat -A NEXUS_OUTPUT -m owner --gid-owner 2001 -j RETURN
                ip6tables -t nat -A NEXUS_OUTPUT -d ::1/128 -j RETURN
                ip6tables -t nat -A NEXUS_OUTPUT -d fd00::/8 -j RETURN
                ip6tables -t nat -A NEXUS_OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 18080
                ip6tables -t nat -A NEXUS_OUTPUT -p tcp --dport 443 -j REDIRECT --to-ports 18443
                ip6tables -t nat -A OUTPUT -p tcp -j NEXUS_OUTPUT
                """);
    }

    @Test
    void cleanupRemovesExactlyTheChainAndItsHook() {
        assertThat(run("--print", "--cleanup")).isZero();
        assertThat(stdout()).isEqualTo("""
                #!/bin/sh
                # nexus-proxy transparent interception: cleanup (nat table, chain NEXUS_OUTPUT)
                set -eu
                iptables -t nat -D OUTPUT -p tcp -j NEXUS_OUTPUT
                iptables -t nat -F NEXUS_OUTPUT
                iptables -t nat -X NEXUS_OUTPUT
                ip6tables -t nat -D OUTPUT -p tcp -j NEXUS_OUTPUT
                ip6tables -t nat -F NEXUS_OUTPUT
                ip6tables -t nat -X NEXUS_OUTPUT
                """);
    }

    @Test
    void noIpv6LeavesOutIp6tables() {
        assertThat(run("--print", "--no-ipv6", "--exclude-cidrs", "fd00::/8")).isZero();
        assertThat(stdout()).doesNotContain("ip6tables").doesNotContain("fd00");
    }

    @Test
    void outputIsDeterministic() {
        run("--print", "--exclude-cidrs", "10.0.0.0/8,192.168.0.0/16");
        String first = stdout();
        out.reset();
        run("--print", "--exclude-cidrs", "10.0.0.0/8,192.168.0.0/16");
        assertThat(stdout()).isEqualTo(first);
    }

    @Test
    void badCidrIsAUsageErrorNamingTheValue() {
        assertThat(run("--print", "--exclude-cidrs", "10.0.0.0/33")).isEqualTo(2);
        assertThat(stderr()).contains("--exclude-cidrs: '10.0.0.0/33' has a prefix length outside 0-32");
        assertThat(stdout()).isEmpty();
    }

    @Test
    void hostnameIsRefusedAsCidrWithoutResolvingIt() {
        assertThat(run("--print", "--exclude-cidrs", "metadata.google.internal")).isEqualTo(2);
        assertThat(stderr()).contains("'metadata.google.internal' is not an IPv4 or IPv6 CIDR");
    }

    @Test
    void badPortAndUnknownOptionAndMissingPrintAreUsageErrors() {
        assertThat(run("--print", "--http-port", "70000")).isEqualTo(2);
        assertThat(stderr()).contains("--http-port must be between 1 and 65535, got 70000");
        err.reset();
        assertThat(run("--print", "--frobnicate")).isEqualTo(2);
        assertThat(stderr()).contains("unknown option --frobnicate");
        err.reset();
        assertThat(run("--proxy-uid", "1337")).isEqualTo(2);
        assertThat(stderr()).contains("--print is required");
        err.reset();
        assertThat(run("--print", "--http-port", "15443")).isEqualTo(2);
        assertThat(stderr()).contains("--http-port and --https-port must differ, both are 15443");
    }

    @Test
    void helpPrintsUsageWithTheProxyConfigThatMatchesTheDefaults() {
        assertThat(run("--help")).isZero();
        assertThat(stdout()).startsWith("Usage: nexus-proxy iptables --print")
                .contains("transparent: {http: {enabled: true, port: 15080}, tls: {enabled: true, port: 15443}}")
                .contains("they listen on 127.0.0.1 and ::1");
    }

    @Test
    void defaultRulesOfBothFamiliesRedirectToTheProxysDefaultTransparentListeners() {
        NexusConfig.Transparent proxy = NexusConfig.Transparent.DEFAULT;
        assertThat(run("--print")).isZero();
        for (String tool : List.of("iptables", "ip6tables")) {
            assertThat(stdout())
                    .contains(tool + " -t nat -A NEXUS_OUTPUT -p tcp --dport " + proxy.http().originalPort()
                            + " -j REDIRECT --to-ports " + proxy.http().port() + "\n")
                    .contains(tool + " -t nat -A NEXUS_OUTPUT -p tcp --dport " + proxy.tls().originalPort()
                            + " -j REDIRECT --to-ports " + proxy.tls().port() + "\n")
                    .contains(tool + " -t nat -A NEXUS_OUTPUT -m owner --uid-owner 1337 -j RETURN\n");
        }
        // REDIRECT from OUTPUT delivers IPv4 to 127.0.0.1 and IPv6 to ::1: the listeners' default addresses,
        // which the loopback RETURN rules keep from being redirected again.
        assertThat(proxy.http().addresses()).isEmpty();
        assertThat(NexusConfig.TransparentListener.LOOPBACKS).containsExactly("127.0.0.1", "::1");
        assertThat(stdout()).contains("iptables -t nat -A NEXUS_OUTPUT -d 127.0.0.0/8 -j RETURN\n")
                .contains("ip6tables -t nat -A NEXUS_OUTPUT -d ::1/128 -j RETURN\n");
    }
}
