package dev.nexus.proxy.upstream;

import dev.nexus.proxy.testing.NxDomainDnsServer;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Names in the hosts file the proxy was given take effect when the file changes, without a restart (an
 * operator's edit, a Kubernetes hostAliases update). DNS answers NXDOMAIN for everything, so a name resolves
 * only through the file.
 */
class HostsFileReloadTest {

    @TempDir
    Path dir;
    private Path hosts;
    private TestOrigin origin;
    private NxDomainDnsServer dns;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        hosts = dir.resolve("hosts");
        Files.writeString(hosts, "127.0.0.1 first.nexus.test\n");
        origin = TestOrigin.start();
        dns = new NxDomainDnsServer();
        proxy = ProxyHarness.start(b -> b.hostsFile(hosts).dnsServers(List.of(dns.address())), ProxyHarness.ALLOW_ALL);
    }

    @AfterEach
    void stop() {
        proxy.close();
        dns.close();
        origin.close();
    }

    private int status(String host) throws IOException, InterruptedException {
        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(
                URI.create("http://" + host + ":" + origin.port() + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode();
    }

    @Test
    void anEditedHostsFileTakesEffectWithoutARestart() throws Exception {
        assertThat(status("first.nexus.test")).isEqualTo(200);
        assertThat(status("second.nexus.test")).isEqualTo(502);

        Files.writeString(hosts, "# moved\n127.0.0.1 second.nexus.test\n");

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> status("second.nexus.test") == 200);
    }

    @Test
    void aHostsFileThatDisappearsKeepsTheLastEntries() throws Exception {
        Files.delete(hosts);
        // Several checks' worth of lookups: the file stays missing, the entries read at start stay in use.
        await().pollDelay(Duration.ofMillis(2 * ReloadingHostsFile.CHECK_INTERVAL.toMillis() + 500))
                .atMost(Duration.ofSeconds(15)).until(() -> status("first.nexus.test") == 200);
        assertThat(status("first.nexus.test")).isEqualTo(200);
    }
}
