package dev.nexus.proxy.credentials.oauth2;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.AgentCredentialError;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.cache.MutableClock;
import dev.nexus.proxy.credentials.http.TlsFiles;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.TestTokenServer;
import dev.nexus.proxy.testing.TestTokenServer.AuthMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static dev.nexus.proxy.credentials.CredentialTestSupport.await;
import static dev.nexus.proxy.credentials.CredentialTestSupport.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The OAuth 2 source against a real token endpoint ({@link TestTokenServer}) over loopback HTTP: client
 * authentication both ways, the request fields, expiry, refresh-token rotation in the file, and §5.2 errors.
 * Every secret carries {@link #MARKER}; no log line or agent-facing message may contain it.
 */
class OAuth2CredentialSourceTest {

    private static final String MARKER = "s3cr3t";
    private static final String CLIENT_SECRET = MARKER + "-client-secret/+&=";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final List<OAuth2CredentialSource> sources = new ArrayList<>();
    private TestTokenServer server;
    private LogCapture logs;

    @BeforeEach
    void start() {
        logs = new LogCapture();
        server = TestTokenServer.builder().tokenPrefix(MARKER + "-").start();
    }

    @AfterEach
    void stop() {
        sources.forEach(OAuth2CredentialSource::close);
        server.close();
        logs.close();
        assertThat(logs.text()).as("java.util.logging output").doesNotContain(MARKER);
    }

    private OAuth2CredentialSource source(OAuth2Connection... connections) {
        OAuth2CredentialSource source = new OAuth2CredentialSource(List.of(connections), Duration.ofSeconds(2),
                Duration.ofSeconds(5), TlsFiles.jvmDefaults("oauth2 token endpoint"), clock);
        sources.add(source);
        return source;
    }

    private OAuth2Connection clientCredentials(String id) throws Exception {
        return OAuth2Connection.clientCredentials(id, server.tokenUri(), "proxy-client", SecretSource.file(privateFile(
                "client-secret", CLIENT_SECRET + "\n")));
    }

    private Path privateFile(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static void assertSecretFree(CredentialException failure) {
        assertThat(failure.getMessage()).doesNotContain(MARKER);
        assertThat(AgentCredentialError.of(failure).detail()).doesNotContain(MARKER);
    }

    @Test
    void clientSecretBasicIsWhatTheServerChecks() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.BASIC);

        Lease lease = await(source(clientCredentials("billing")).fetch("billing"));

        assertThat(server.issuedAccessToken(lease.credential("access_token"))).isTrue();
        assertThat(lease.strategy()).isEqualTo(StrategySpec.of("oauth2"));
        assertThat(lease.credential("token_type")).isEqualTo("Bearer");
        TestTokenServer.Call call = server.lastCall();
        assertThat(call.authorization()).startsWith("Basic ");
        assertThat(call.field("grant_type")).isEqualTo("client_credentials");
        assertThat(call.form()).doesNotContainKeys("client_secret", "client_id");
    }

    @Test
    void clientSecretPostSendsIdAndSecretInTheBody() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.POST);

        Lease lease = await(source(clientCredentials("billing").withAuthentication(ClientAuthentication.CLIENT_SECRET_POST))
                .fetch("billing"));

        assertThat(server.issuedAccessToken(lease.credential("access_token"))).isTrue();
        TestTokenServer.Call call = server.lastCall();
        assertThat(call.authorization()).isNull();
        assertThat(call.field("client_id")).isEqualTo("proxy-client");
        assertThat(call.field("client_secret")).isEqualTo(CLIENT_SECRET);
    }

    @Test
    void theWrongAuthenticationMethodIsInvalidClientWithoutTheSecretAnywhere() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.POST);

        CredentialException rejected = failure(source(clientCredentials("billing")).fetch("billing"));

        assertThat(rejected.kind()).isEqualTo(Kind.AUTHORITY_UNAUTHORIZED);
        assertThat(rejected.getMessage()).contains("401 invalid_client").contains("client secret file");
        AgentCredentialError agent = AgentCredentialError.of(rejected);
        assertThat(agent.status()).isEqualTo(502);
        assertThat(agent.detail()).contains("invalid_client");
        assertSecretFree(rejected);
    }

    @Test
    void scopesAudienceAndResourcesAreSent() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.BASIC).allowScopes("billing.read", "billing.write");
        OAuth2Connection connection = clientCredentials("billing")
                .withScopes(List.of("billing.read", "billing.write"))
                .withAudience("https://api.billing.example")
                .withResources(List.of(URI.create("https://api.billing.example/v1"), URI.create("https://files.billing.example/")));

        await(source(connection).fetch("billing"));

        TestTokenServer.Call call = server.lastCall();
        assertThat(call.field("scope")).isEqualTo("billing.read billing.write");
        assertThat(call.field("audience")).isEqualTo("https://api.billing.example");
        assertThat(call.form().get("resource")).containsExactly("https://api.billing.example/v1", "https://files.billing.example/");
    }

    @Test
    void aScopeTheServerRefusesIsInvalidScopeForTheAgent() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.BASIC).allowScopes("billing.read");

        CredentialException refused = failure(source(clientCredentials("billing").withScopes(List.of("admin")))
                .fetch("billing"));

        assertThat(refused.kind()).isEqualTo(Kind.INVALID_CONNECTION);
        assertThat(AgentCredentialError.of(refused).detail()).contains("400 invalid_scope").contains("billing");
        assertSecretFree(refused);
    }

    @Test
    void expiryIsExpiresInAfterTheRequestAndTheStrategyCanBeOverridden() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.BASIC).expiresIn(120);
        StrategySpec header = new StrategySpec("header",
                Map.of("header_name", "X-Api-Token", "credential_field", "access_token"));

        Lease lease = await(source(clientCredentials("billing").withStrategy(header)).fetch("billing"));

        assertThat(lease.expiresAt()).isEqualTo(clock.instant().plusSeconds(120));
        assertThat(lease.strategy()).isEqualTo(header);
    }

    @Test
    void rotatedRefreshTokensAreWrittenBackPrivatelyAndSurviveARestart() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.POST);
        String first = server.issueRefreshToken("proxy-client");
        Path file = privateFile("crm.refresh-token", first + "\n");
        OAuth2Connection crm = OAuth2Connection.refreshToken("crm", server.tokenUri(), "proxy-client",
                SecretSource.value(CLIENT_SECRET, "environment variable CRM_SECRET"), file)
                .withAuthentication(ClientAuthentication.CLIENT_SECRET_POST);
        OAuth2CredentialSource source = source(crm);

        Lease lease = await(source.fetch("crm"));

        assertThat(server.issuedAccessToken(lease.credential("access_token"))).isTrue();
        assertThat(server.lastCall().field("grant_type")).isEqualTo("refresh_token");
        assertThat(server.lastCall().field("refresh_token")).isEqualTo(first);
        String second = Files.readString(file).strip();
        assertThat(second).isNotEqualTo(first);
        assertThat(server.refreshTokenValid(second)).isTrue();
        assertThat(server.refreshTokenValid(first)).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no temporary files left behind")
                    .containsExactlyInAnyOrder("crm.refresh-token");
        }

        // The 401 path: refresh() rotates again, with the token written last time.
        await(source.refresh("crm"));
        assertThat(server.lastCall().field("refresh_token")).isEqualTo(second);

        source.close();
        Lease afterRestart = await(source(crm).fetch("crm"));
        assertThat(server.issuedAccessToken(afterRestart.credential("access_token"))).isTrue();
        assertThat(server.recordedCalls()).allSatisfy(call -> assertThat(call.status()).isEqualTo(200));
    }

    @Test
    void concurrentRequestsForOneConnectionNeverPresentTheSameRefreshTokenTwice() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.BASIC);
        Path file = privateFile("crm.refresh-token", server.issueRefreshToken("proxy-client"));
        OAuth2CredentialSource source = source(OAuth2Connection.refreshToken("crm", server.tokenUri(), "proxy-client",
                SecretSource.value(CLIENT_SECRET, "environment variable CRM_SECRET"), file));

        List<CompletableFuture<Lease>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(i % 2 == 0 ? source.fetch("crm") : source.refresh("crm"));
        }
        for (CompletableFuture<Lease> call : calls) {
            await(call);
        }

        assertThat(server.calls()).isEqualTo(8);
        assertThat(server.recordedCalls()).allSatisfy(call -> assertThat(call.status()).isEqualTo(200));
        assertThat(server.recordedCalls().stream().map(call -> call.field("refresh_token")).distinct()).hasSize(8);
    }

    @Test
    void aRevokedRefreshTokenNeedsAHumanAndSaysWhichFile() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.BASIC);
        Path file = privateFile("crm.refresh-token", MARKER + "-revoked-refresh-token");
        OAuth2CredentialSource source = source(OAuth2Connection.refreshToken("crm", server.tokenUri(), "proxy-client",
                SecretSource.value(CLIENT_SECRET, "environment variable CRM_SECRET"), file));

        CredentialException failed = failure(source.fetch("crm"));

        assertThat(failed.kind()).isEqualTo(Kind.ATTENTION_REQUIRED);
        AgentCredentialError agent = AgentCredentialError.of(failed);
        assertThat(agent.status()).isEqualTo(409);
        assertThat(agent.detail()).contains("invalid_grant").contains(file.toString());
        assertSecretFree(failed);
    }

    @Test
    void serverErrorsAreUnavailable() throws Exception {
        server.client("proxy-client", CLIENT_SECRET, AuthMethod.BASIC).failWith(503, "temporarily_unavailable");

        CredentialException failed = failure(source(clientCredentials("billing")).fetch("billing"));

        assertThat(failed.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(failed.getMessage()).contains("503 temporarily_unavailable");
    }

    @Test
    void secretFilesOthersCanReadAreRefusedAtStartNamingTheFile() throws Exception {
        Path file = privateFile("crm.refresh-token", "token");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        OAuth2Connection crm = OAuth2Connection.refreshToken("crm", server.tokenUri(), "proxy-client", null, file);

        assertThatThrownBy(() -> source(crm)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("chmod 600");
    }

    @Test
    void anUnknownConnectionIsNotFound() {
        assertThat(failure(source().fetch("nobody")).kind()).isEqualTo(Kind.NOT_FOUND);
    }
}
