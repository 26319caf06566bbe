package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategySpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.signer.AwsS3V4Signer;
import software.amazon.awssdk.auth.signer.params.AwsS3V4SignerParams;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static dev.nexus.proxy.strategy.TestRequests.TIME;
import static dev.nexus.proxy.strategy.TestRequests.inject;
import static dev.nexus.proxy.strategy.TestRequests.lease;
import static dev.nexus.proxy.strategy.TestRequests.request;
import static dev.nexus.proxy.strategy.TestRequests.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AwsSigV4StrategyTest {

    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final Map<String, String> KEYS = Map.of("access_key", "AKIDEXAMPLE", "secret_key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    @Test
    void defaultRegionIsUsEast1AndDateAndPayloadHeadersAreSet() {
        OutboundRequest request = inject(strategy("aws_sigv4", Map.of("service", "execute-api")), request("GET", "/items"),
                lease("aws_sigv4", KEYS));

        assertEquals("20150830T123600Z", request.headers().get("X-Amz-Date"));
        assertEquals(EMPTY_SHA256, request.headers().get("X-Amz-Content-Sha256"));
        assertTrue(request.headers().get("Authorization").startsWith(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, "
                        + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="));
        assertFalse(request.headers().contains("X-Amz-Security-Token"));
    }

    @Test
    void regionIsConfigurable() {
        OutboundRequest request = inject(strategy("aws_sigv4", Map.of("service", "sqs", "region", "eu-central-1")),
                request("GET", "/"), lease("aws_sigv4", KEYS));

        assertTrue(request.headers().get("Authorization").contains("/20150830/eu-central-1/sqs/aws4_request"));
    }

    @Test
    void onlyHeadersTheOriginSeesUnchangedAreSigned() {
        OutboundRequest request = request("POST", "/", Unpooled.EMPTY_BUFFER, "Content-Type", "application/json", "Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==",
                "X-Amz-Target", "DynamoDB_20120810.GetItem", "User-Agent", "aws-cli/2", "Content-Length", "0", "Accept", "*/*",
                "Connection", "keep-alive");

        inject(strategy("aws_sigv4", Map.of("service", "dynamodb")), request, lease("aws_sigv4", KEYS));

        assertTrue(request.headers().get("Authorization").contains(
                "SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target,"));
    }

    @Test
    void agentSigningHeadersAndStrayPresignParametersAreStrippedOtherXAmzHeadersKept() {
        OutboundRequest request = request("GET", "/bucket/key?versionId=3&X-Amz-Credential=nexus-placeholder"
                        + "&X-Amz-Signature=abc&x-amz-date=1&X-Amz-SignedHeaders=host&X-Amz-Expires=60&X-Amz-Security-Token=t",
                "Authorization", "AWS4-HMAC-SHA256 Credential=nexus-placeholder/20150830/us-east-1/s3/aws4_request, Signature=0",
                "X-Amz-Date", "20000101T000000Z", "x-amz-security-token", "agent-token", "X-Amz-Content-Sha256", EMPTY_SHA256,
                "X-Amz-Meta-Owner", "team-a");

        strategy("aws_sigv4", Map.of("service", "s3")).stripAgentCredentials(request);

        assertEquals("/bucket/key?versionId=3", request.head().uri());
        assertFalse(request.headers().contains("Authorization"));
        assertFalse(request.headers().contains("X-Amz-Date"));
        assertFalse(request.headers().contains("X-Amz-Security-Token"));
        assertFalse(request.headers().contains("X-Amz-Content-Sha256"));
        assertEquals("team-a", request.headers().get("X-Amz-Meta-Owner"));
    }

    @Test
    void presignedUrlIsReSignedInTheQueryWithTheRealKeyAndTheAgentsExpiry() {
        CredentialStrategy s3 = strategy("aws_sigv4", Map.of("service", "s3"));
        OutboundRequest request = request("GET", "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=nexus-placeholder%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
                + "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "0".repeat(64));
        request.headers().set("Host", "examplebucket.s3.amazonaws.com");

        s3.stripAgentCredentials(request);
        assertFalse(request.head().uri().contains("nexus-placeholder"));
        assertFalse(s3.needsBody(request));
        inject(s3, request, lease("aws_sigv4", Map.of("access_key", "AKIAIOSFODNN7EXAMPLE",
                "secret_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")));

        // The S3 API reference's presigned-URL example ("Authenticating Requests: Using Query Parameters").
        assertEquals("/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", request.head().uri());
        assertFalse(request.headers().contains("Authorization"));
        assertFalse(request.headers().contains("X-Amz-Date"));
    }

    @Test
    void presignedUrlWithoutAValidExpiryIsAMalformedRequestNamingTheParameter() {
        CredentialStrategy s3 = strategy("aws_sigv4", Map.of("service", "s3"));
        OutboundRequest request = request("GET", "/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20130524T000000Z&X-Amz-Expires=-5");

        StrategyException error = assertThrows(StrategyException.class, () -> inject(s3, request, lease("aws_sigv4", KEYS)));

        assertEquals(StrategyException.Kind.MALFORMED_REQUEST, error.kind());
        assertEquals("X-Amz-Expires", error.field());
        assertEquals("presigned URL: X-Amz-Expires must be a number of seconds from 1 to 604800", error.getMessage());
    }

    @Test
    void awsChunkedUploadKeepsItsStreamingHashAndGetsABodySigner() {
        CredentialStrategy s3 = strategy("aws_sigv4", Map.of("service", "s3"));
        OutboundRequest request = request("PUT", "/b/k", "X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                "Content-Encoding", "aws-chunked", "X-Amz-Decoded-Content-Length", "1024", "Content-Length", "1200",
                "Authorization", "AWS4-HMAC-SHA256 Credential=nexus-placeholder/20150830/us-east-1/s3/aws4_request, Signature=0");

        s3.stripAgentCredentials(request);
        assertFalse(s3.needsBody(request));
        inject(s3, request, lease("aws_sigv4", KEYS));

        assertEquals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", request.headers().get("X-Amz-Content-Sha256"));
        assertTrue(request.headers().get("Authorization").contains(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length, Signature="));
        assertFalse(request.headers().get("Authorization").contains("nexus-placeholder"));
        assertTrue(request.streamingBodySigner() != null);
        request.streamingBodySigner().release();
    }

    @Test
    void verifyingChunksNeedsTheAgentsOwnSigV4Authorization() {
        CredentialStrategy verifying = strategy("aws_sigv4", Map.of("service", "s3", "agent_secret_key", "placeholder"));
        OutboundRequest request = request("PUT", "/b/k", "X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                "X-Amz-Decoded-Content-Length", "1024");

        verifying.stripAgentCredentials(request);
        StrategyException error = assertThrows(StrategyException.class, () -> verifying.apply(request, lease("aws_sigv4", KEYS)));

        assertEquals(StrategyException.Kind.MALFORMED_REQUEST, error.kind());
        assertEquals("aws-chunked body: chunk signatures cannot be verified: the request has no AWS4-HMAC-SHA256 "
                + "Authorization and X-Amz-Date of its own", error.getMessage());
    }

    @Test
    void placeholderCredentialsNeverReachTheOrigin() {
        OutboundRequest request = request("GET", "/", "Authorization", "AWS4-HMAC-SHA256 Credential=nexus-placeholder/x",
                "X-Amz-Date", "20000101T000000Z", "X-Amz-Security-Token", "agent-token");

        inject(strategy("aws_sigv4", Map.of("service", "sts")), request, lease("aws_sigv4", KEYS));

        assertEquals(1, request.headers().getAll("Authorization").size());
        assertFalse(request.headers().get("Authorization").contains("nexus-placeholder"));
        assertEquals(List.of("20150830T123600Z"), request.headers().getAll("X-Amz-Date"));
        assertFalse(request.headers().contains("X-Amz-Security-Token"));
    }

    @Test
    void sessionTokenIsSentAndSigned() {
        OutboundRequest request = inject(strategy("aws_sigv4", Map.of("service", "sts")), request("GET", "/"),
                lease("aws_sigv4", Map.of("access_key", "AKID", "secret_key", "s", "session_token", "FwoGZXIvYXdzE+/token=")));

        assertEquals("FwoGZXIvYXdzE+/token=", request.headers().get("X-Amz-Security-Token"));
        assertTrue(request.headers().get("Authorization").contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
    }

    @Test
    void bodyHashIsTheHexSha256OfTheBufferedBody() {
        ByteBuf body = Unpooled.copiedBuffer("Param1=value1", StandardCharsets.US_ASCII);
        try {
            OutboundRequest request = request("POST", "/", body, "Content-Length", "13");

            inject(strategy("aws_sigv4", Map.of("service", "service")), request, lease("aws_sigv4", KEYS));

            assertEquals("9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", request.headers().get("X-Amz-Content-Sha256"));
            assertEquals(13, body.readableBytes());
        } finally {
            body.release();
        }
    }

    @Test
    void unsignedPayloadMatchesTheSdkS3SignerWithPayloadSigningOff() {
        CredentialStrategy unsigned = Strategies.create(new StrategySpec("aws_sigv4", Map.of("service", "s3", "region", "eu-west-1")),
                new StrategyOptions(true));
        OutboundRequest request = request("PUT", "/my-bucket/photos/2015%20summer.jpg", "Content-Type", "image/jpeg",
                "Content-Length", "1048576");
        request.headers().set("Host", "my-bucket.s3.eu-west-1.amazonaws.com");

        inject(unsigned, request, lease("aws_sigv4", KEYS));

        SdkHttpFullRequest sdkRequest = SdkHttpFullRequest.builder().method(SdkHttpMethod.PUT).protocol("https")
                .host("my-bucket.s3.eu-west-1.amazonaws.com").encodedPath("/my-bucket/photos/2015%20summer.jpg")
                .putHeader("Content-Type", "image/jpeg").build();
        AwsS3V4SignerParams params = AwsS3V4SignerParams.builder()
                .awsCredentials(AwsBasicCredentials.create(KEYS.get("access_key"), KEYS.get("secret_key")))
                .signingName("s3").signingRegion(Region.EU_WEST_1).signingClockOverride(Clock.fixed(TIME, ZoneOffset.UTC))
                .enablePayloadSigning(false)
                .doubleUrlEncode(false) // what the SDK's S3 client sets: S3 paths are encoded once
                .build();
        SdkHttpFullRequest signed = AwsS3V4Signer.create().sign(sdkRequest, params);

        assertFalse(unsigned.needsBody());
        assertEquals("UNSIGNED-PAYLOAD", request.headers().get("X-Amz-Content-Sha256"));
        assertEquals(signed.firstMatchingHeader("x-amz-content-sha256").orElseThrow(), request.headers().get("X-Amz-Content-Sha256"));
        assertEquals(signed.firstMatchingHeader("Authorization").orElseThrow(), request.headers().get("Authorization"));
    }

    @Test
    void missingHostHeaderIsAddedFromTheDestination() {
        OutboundRequest request = request("GET", "/");
        request.headers().remove("Host");

        inject(strategy("aws_sigv4", Map.of("service", "execute-api")), request, lease("aws_sigv4", KEYS));

        assertEquals("api.example.com", request.headers().get("Host"));
        assertTrue(request.headers().get("Authorization").contains("SignedHeaders=host;"));
    }

    @Test
    void sigV4aStreamingAndAMissingDecodedLengthAreRefusedWithClearErrors() {
        CredentialStrategy sigv4 = strategy("aws_sigv4", Map.of("service", "s3"));
        OutboundRequest ecdsa = request("PUT", "/b/k", "X-Amz-Content-Sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD");
        StrategyException unsupported = assertThrows(StrategyException.class, () -> sigv4.stripAgentCredentials(ecdsa));
        assertEquals(StrategyException.Kind.UNSUPPORTED_REQUEST, unsupported.kind());

        OutboundRequest undeclared = request("PUT", "/b/k", "x-amz-content-sha256", "streaming-unsigned-payload-trailer");
        sigv4.stripAgentCredentials(undeclared);
        StrategyException malformed = assertThrows(StrategyException.class, () -> sigv4.apply(undeclared, lease("aws_sigv4", KEYS)));
        assertEquals(StrategyException.Kind.MALFORMED_REQUEST, malformed.kind());
        assertEquals("aws-chunked body: x-amz-decoded-content-length is missing", malformed.getMessage());
    }

    @Test
    void configAndCredentialErrorsNameTheField() {
        assertEquals("strategy aws_sigv4: config \"service\" is required",
                assertThrows(StrategyException.class, () -> strategy("aws_sigv4", Map.of("region", "eu-west-1"))).getMessage());
        assertEquals("strategy aws_sigv4: config \"region\" must contain only letters, digits, '-', '_' and '.'",
                assertThrows(StrategyException.class, () -> strategy("aws_sigv4", Map.of("service", "s3", "region", "us-east-1/x"))).getMessage());
        CredentialStrategy sigv4 = strategy("aws_sigv4", Map.of("service", "s3"));
        assertEquals("strategy aws_sigv4: credential field \"access_key\" is missing or empty",
                assertThrows(StrategyException.class, () -> sigv4.apply(request("GET", "/"), lease("aws_sigv4", Map.of("secret_key", "s")))).getMessage());
        assertEquals("strategy aws_sigv4: credential field \"secret_key\" is missing or empty",
                assertThrows(StrategyException.class, () -> sigv4.apply(request("GET", "/"), lease("aws_sigv4", Map.of("access_key", "a")))).getMessage());
    }

    @Test
    void signingTwiceWithTheSameInputsGivesTheSameSignatureFromTheKeyCache() {
        CredentialStrategy sigv4 = strategy("aws_sigv4", Map.of("service", "execute-api"));

        String first = inject(sigv4, request("GET", "/a?b=c"), lease("aws_sigv4", KEYS)).headers().get("Authorization");
        String second = inject(sigv4, request("GET", "/a?b=c"), lease("aws_sigv4", KEYS)).headers().get("Authorization");
        String otherSecret = inject(sigv4, request("GET", "/a?b=c"),
                lease("aws_sigv4", Map.of("access_key", "AKIDEXAMPLE", "secret_key", "another"))).headers().get("Authorization");

        assertEquals(first, second);
        assertFalse(first.equals(otherSecret));
    }

    @Test
    void needsTheBodyByDefault() {
        assertTrue(strategy("aws_sigv4", Map.of("service", "s3")).needsBody());
    }
}
