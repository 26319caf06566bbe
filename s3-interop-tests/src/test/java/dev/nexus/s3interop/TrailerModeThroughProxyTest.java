package dev.nexus.s3interop;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.SigV4VerifyingOrigin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.Map;

import static dev.nexus.s3interop.S3ThroughProxy.PLACEHOLDER;
import static dev.nexus.s3interop.S3ThroughProxy.REAL_SECRET;
import static dev.nexus.s3interop.S3ThroughProxy.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The AWS SDK for Java v2 with its default checksums, which over plain HTTP sends
 * {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER} (chunk signatures, then a signed
 * {@code x-amz-checksum-crc32} trailer). s3proxy 2.6.0 understands neither that mode nor chunk signatures
 * at all, so here the origin is {@link SigV4VerifyingOrigin}: it accepts an upload only when the head,
 * every chunk and the trailer were signed with the real key and the CRC32 matches the data.
 */
class TrailerModeThroughProxyTest {

    private static SigV4VerifyingOrigin origin;
    private static ProxyHarness proxy;
    private static SdkHttpClient http;
    private static S3Client client;

    @BeforeAll
    static void start() throws Exception {
        origin = new SigV4VerifyingOrigin(REAL_SECRET);
        proxy = S3ThroughProxy.startProxy(Map.of("agent_secret_key", PLACEHOLDER.secretAccessKey()));
        http = S3ThroughProxy.httpVia(proxy);
        client = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + origin.port())).forcePathStyle(true)
                .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(PLACEHOLDER)).httpClient(http).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        proxy.close();
        origin.close();
    }

    @Test
    void streamingPutObjectWithTheDefaultChecksumTrailerIsVerifiedWithTheRealKey() {
        byte[] data = random(3 * 1024 * 1024 + 17, 3);
        client.putObject(b -> b.bucket("bucket").key("trailer.bin"),
                RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data), data.length, "application/octet-stream"));

        SigV4VerifyingOrigin.Upload upload = origin.upload("/bucket/trailer.bin");
        assertThat(upload.contentSha256()).isEqualTo("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
        assertThat(upload.chunks()).isGreaterThan(2);
        assertThat(upload.trailers()).anyMatch(t -> t.startsWith("x-amz-checksum-crc32:"))
                .anyMatch(t -> t.startsWith("x-amz-trailer-signature:"));
        assertThat(upload.data()).isEqualTo(data);
    }

    @Test
    void uploadPartWithTheChecksumTrailerIsVerifiedWithTheRealKey() {
        byte[] part = random(8 * 1024 * 1024, 4);
        String etag = client.uploadPart(b -> b.bucket("bucket").key("parts.bin").uploadId("upload-1").partNumber(1),
                RequestBody.fromBytes(part)).eTag();

        SigV4VerifyingOrigin.Upload upload = origin.upload("/bucket/parts.bin");
        assertThat(upload.contentSha256()).isEqualTo("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
        assertThat(upload.data()).isEqualTo(part);
        assertThat(etag).isNotBlank();
    }

    @Test
    void theVerifierRefusesTheSameUploadSignedWithThePlaceholderKey() {
        try (S3Client direct = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + origin.port()))
                .forcePathStyle(true).region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(PLACEHOLDER))
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            assertThatThrownBy(() -> direct.putObject(b -> b.bucket("bucket").key("direct.bin"), RequestBody.fromBytes(new byte[1024])))
                    .isInstanceOf(S3Exception.class).hasMessageContaining("not made with the real key");
        }
        assertThat(origin.upload("/bucket/direct.bin")).isNull();
    }
}
