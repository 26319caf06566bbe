package dev.nexus.proxy.ingress;

import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import dev.nexus.proxy.testing.TestTls;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * HTTP/2 agents through interception to an HTTP/1.1 origin: the leaf offers h2 by ALPN, each stream is
 * decided and injected like an HTTP/1.1 request, and the answer goes back on its stream. Real clients:
 * the JDK HttpClient (HTTP_2) and curl (--http2, --http2-prior-knowledge for h2c inside CONNECT).
 */
class Http2InterceptionTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final TestResources resources = new TestResources();
    private TestOrigin tlsOrigin;
    private TestOrigin plainOrigin;
    private InterceptingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        TestOrigin.Responder echo = TestOrigin.Responder.of(request -> TestOrigin.text(HttpResponseStatus.OK,
                "key=" + request.header("x-api-key") + " host=" + request.header("host") + " path=" + request.uri()
                        + " body=" + new String(request.body())));
        tlsOrigin = resources.add(TestOrigin.startTls(originTls.serverContext(), echo));
        plainOrigin = resources.add(TestOrigin.start(echo));
        proxy = resources.add(new InterceptingProxy(dir, originTls.writePem(dir)));
    }

    private HttpClient h2Agent() throws Exception {
        return HttpClient.newBuilder().proxy(ProxySelector.of(proxy.harness().address()))
                .sslContext(proxy.agentTls()).version(HttpClient.Version.HTTP_2).build();
    }

    private String httpsUrl(String path) {
        return "https://localhost:" + tlsOrigin.port() + path;
    }

    @Test
    void jdkClientSpeaksH2ToTheProxyAndTheOriginGetsTheInjectedHeader() throws Exception {
        HttpResponse<String> response = h2Agent().send(HttpRequest.newBuilder(URI.create(httpsUrl("/h2?x=1")))
                .header("X-API-Key", "agent-guess").POST(HttpRequest.BodyPublishers.ofString("payload")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("key=" + InterceptingProxy.ECHOED_SECRET + " host=localhost:" + tlsOrigin.port()
                + " path=/h2?x=1 body=payload");
        assertThat(tlsOrigin.lastRequest().headers().names()).noneMatch(name -> name.toLowerCase().startsWith("x-http2"));
        assertThat(proxy.policyRequests()).extracting(r -> r.method() + " " + r.scheme() + " " + r.path())
                .contains("POST https /h2");
    }

    @Test
    void manyConcurrentStreamsOnOneConnectionAreEachServed() throws Exception {
        HttpClient agent = h2Agent();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            responses.add(agent.sendAsync(HttpRequest.newBuilder(URI.create(httpsUrl("/n" + i))).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < responses.size(); i++) {
            HttpResponse<String> response = responses.get(i).get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(response.body()).contains("path=/n" + i + " ").contains("key=" + InterceptingProxy.ECHOED_SECRET);
        }
    }

    @Test
    void curlHttp2ThroughInterception() throws Exception {
        assumeThat(Curl.installed()).as("curl is not installed").isTrue();
        Curl.Result result = Curl.run("--http2", "-x", proxy.harness().proxyUrl(), "--cacert",
                proxy.caPem().toString(), "-w", " http_version=%{http_version}", httpsUrl("/curl-h2"));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).startsWith("key=" + InterceptingProxy.ECHOED_SECRET).endsWith("http_version=2");
    }

    @Test
    void curlHttp2PriorKnowledgeInsideConnectIsH2c() throws Exception {
        assumeThat(Curl.installed()).as("curl is not installed").isTrue();
        Curl.Result result = Curl.run("--http2-prior-knowledge", "-p", "-x", proxy.harness().proxyUrl(),
                "-w", " http_version=%{http_version}", plainOrigin.url("/h2c"));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("key=" + InterceptingProxy.ECHOED_SECRET + " host=127.0.0.1:" + plainOrigin.port()
                + " path=/h2c body= http_version=2");
        assertThat(proxy.policyRequests()).extracting(r -> r.method() + " " + r.scheme())
                .containsExactly("CONNECT https", "GET http");
    }
}
