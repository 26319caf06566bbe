package dev.nexus.proxy.inject;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Protocol 0.4's {@code {field}} templating through the real proxy: the agent sends placeholders (literally
 * or percent-encoded, as stock clients do), the origin receives the rendered path and query, a SigV4
 * signature covers the rendered path, and the rendered values never reach a log or the agent.
 */
class PathTemplatingTest {

    private static final String BOT_TOKEN = "123456:AAH-secret/bot token";
    private static final String AWS_SECRET = "aws-secret-key-never-logged";

    private final FixedLeases leases = new FixedLeases();
    private final List<String> agentSaw = new ArrayList<>();
    private TestOrigin origin;
    private ProxyHarness proxy;
    private LogCapture logs;

    @BeforeEach
    void start() throws Exception {
        logs = new LogCapture();
        // A key with "revoked" in the rendered path is refused, as an origin refuses a rotated-out key.
        origin = TestOrigin.start(TestOrigin.Responder.of(request -> request.uri().contains("revoked")
                ? TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "bad token")
                : TestOrigin.text(HttpResponseStatus.OK, "ok")));
        leases.add("telegram", StrategySpec.of("path"), v -> Map.of("api_key", BOT_TOKEN))
                .add("rotating", StrategySpec.of("path"), v -> Map.of("api_key", v == 1 ? "AAH-revoked" : "AAH-fresh"))
                .add("whatsapp", new StrategySpec("header", Map.of("value_prefix", "Bearer ")),
                        v -> Map.of("api_key", "wa-token", "phone_number_id", "wa-phone-1055", "chat_id", "team a&b=c"))
                .add("s3", new StrategySpec("aws_sigv4", Map.of("service", "s3", "region", "eu-west-1")),
                        v -> Map.of("access_key", "AKIDTEMPLATE", "secret_key", AWS_SECRET, "bucket", "reports 2026"));
        proxy = ProxyHarness.builder().policy(routeByPath()).injector(new CredentialInjector(leases)).start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
        String everything = logs.text() + String.join("\n", agentSaw);
        logs.close();
        assertThat(everything).doesNotContain("AAH-").doesNotContain(AWS_SECRET).doesNotContain("wa-phone-1055");
    }

    private static PolicyDecider routeByPath() {
        return request -> {
            String connection = request.path().split("/")[1];
            return new Decision.Inject("route-" + connection, "test route", RouteOptions.PASS_THROUGH,
                    address -> true, connection, null);
        };
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        HttpResponse<String> response = proxy.client().send(request, HttpResponse.BodyHandlers.ofString());
        agentSaw.add(response.headers().map() + " " + response.body());
        return response;
    }

    @Test
    void telegramStyleBotTokenIsRenderedPathEscapedFromTheEncodedPlaceholder() throws Exception {
        // The JDK client cannot send '{' literally: it sends %7B...%7D, which counts as the same placeholder.
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                URI.create(origin.url("/telegram/bot%7Bapi_key%7D/getMe"))).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(origin.lastRequest().uri()).isEqualTo("/telegram/bot123456:AAH-secret%2Fbot%20token/getMe");
    }

    @Test
    void curlSendingLiteralBracesGetsTheSameRendering() throws Exception {
        Curl.Result curl = Curl.run("-g", "-o", "/dev/null", "-w", "%{http_code}", "-x", proxy.proxyUrl(),
                origin.url("/telegram/bot{api_key}/getMe?offset={unknown_field}"));
        assertThat(curl.stdout()).as(curl.stderr()).isEqualTo("200");
        assertThat(origin.lastRequest().uri())
                .isEqualTo("/telegram/bot123456:AAH-secret%2Fbot%20token/getMe?offset={unknown_field}");
    }

    @Test
    void replayAfterA401RendersTheTemplateAgainWithTheRefreshedKey() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                        URI.create(origin.url("/rotating/bot%7Bapi_key%7D/sendMessage?chat=%7Bapi_key%7D")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hi\"}")).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(leases.refreshCalls).hasValue(1);
        assertThat(origin.requests()).extracting(RecordedRequest::uri).containsExactly(
                "/rotating/botAAH-revoked/sendMessage?chat=AAH-revoked",
                "/rotating/botAAH-fresh/sendMessage?chat=AAH-fresh");
        assertThat(new String(origin.lastRequest().body(), StandardCharsets.UTF_8)).isEqualTo("{\"text\":\"hi\"}");
    }

    @Test
    void queryTemplatesAreQueryEscapedAndUnknownPlaceholdersStay() throws Exception {
        send(HttpRequest.newBuilder(URI.create(origin.url(
                "/whatsapp/%7Bphone_number_id%7D/messages?to=%7Bchat_id%7D&keep=%7Bnot_a_field%7D"))).build());

        RecordedRequest seen = origin.lastRequest();
        assertThat(seen.uri()).isEqualTo("/whatsapp/wa-phone-1055/messages?to=team+a%26b%3Dc&keep=%7Bnot_a_field%7D");
        assertThat(seen.header("authorization")).isEqualTo("Bearer wa-token");
    }

    @Test
    void sigV4SignsTheRenderedPath() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(origin.url("/s3/%7Bbucket%7D/report.csv")))
                .PUT(HttpRequest.BodyPublishers.ofString("a,b")).build());

        assertThat(response.statusCode()).isEqualTo(200);
        RecordedRequest seen = origin.lastRequest();
        assertThat(seen.uri()).isEqualTo("/s3/reports%202026/report.csv");
        assertThat(seen.header("authorization")).isEqualTo(sdkSignature(seen));
    }

    /** What the AWS SDK signer computes for the request exactly as the origin received it. */
    private String sdkSignature(RecordedRequest seen) {
        String host = seen.header("host");
        Instant time = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX").parse(seen.header("x-amz-date"), Instant::from);
        SdkHttpFullRequest request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.PUT).protocol("http").host("127.0.0.1").port(origin.port())
                .encodedPath(seen.uri())
                .putHeader("Host", host)
                .putHeader("x-amz-content-sha256", seen.header("x-amz-content-sha256"))
                .contentStreamProvider(() -> new ByteArrayInputStream(seen.body()))
                .build();
        Aws4SignerParams params = Aws4SignerParams.builder()
                .awsCredentials(AwsBasicCredentials.create("AKIDTEMPLATE", AWS_SECRET))
                .signingName("s3").signingRegion(Region.of("eu-west-1"))
                .signingClockOverride(Clock.fixed(time, ZoneOffset.UTC))
                .doubleUrlEncode(false).normalizePath(false)
                .build();
        return Aws4Signer.create().sign(request, params).firstMatchingHeader("Authorization").orElseThrow();
    }
}
