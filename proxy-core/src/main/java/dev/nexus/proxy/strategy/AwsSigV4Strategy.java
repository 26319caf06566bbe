package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code aws_sigv4}: AWS Signature Version 4 over the final request with {@code region} (default
 * {@code us-east-1}) and {@code service} (required), credentials {@code access_key}, {@code secret_key}
 * and optional {@code session_token}. Sets {@code X-Amz-Date}, {@code X-Amz-Content-Sha256} (hex SHA-256
 * of the body, or {@code UNSIGNED-PAYLOAD} when the route streams the body unsigned),
 * {@code X-Amz-Security-Token} with a session token, and {@code Authorization}.
 *
 * <p>Only headers the origin sees unchanged are signed: {@code host}, {@code content-type},
 * {@code content-md5} and every {@code x-amz-*}. Hop-by-hop or proxy-rewritten headers
 * ({@code Connection}, {@code Via}, {@code Content-Length} under re-framing) would break the signature
 * if an intermediary touched them. Requests the agent sent with aws-chunked streaming cannot be
 * re-signed yet and are refused as {@link StrategyException.Kind#UNSUPPORTED_REQUEST}.
 */
final class AwsSigV4Strategy implements CredentialStrategy {

    static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

    private static final AsciiString X_AMZ_DATE = AsciiString.cached("x-amz-date");
    private static final AsciiString X_AMZ_CONTENT_SHA256 = AsciiString.cached("x-amz-content-sha256");
    private static final AsciiString X_AMZ_SECURITY_TOKEN = AsciiString.cached("x-amz-security-token");
    private static final AsciiString X_AMZ_DECODED_CONTENT_LENGTH = AsciiString.cached("x-amz-decoded-content-length");

    /** Query parameters of a presigned URL; an agent's placeholder signature must not reach the origin. */
    private static final Set<String> PRESIGN_PARAMETERS = Set.of("x-amz-algorithm", "x-amz-credential", "x-amz-date",
            "x-amz-expires", "x-amz-signedheaders", "x-amz-signature", "x-amz-security-token");

    private static final String STREAMING_REFUSAL =
            "aws-chunked streaming uploads are not supported yet; use UNSIGNED-PAYLOAD or a non-streaming upload";

    private final String region;
    private final String service;
    private final boolean s3;
    private final boolean unsignedPayload;

    AwsSigV4Strategy(String region, String service, boolean unsignedPayload) {
        this.region = region;
        this.service = service;
        this.s3 = service.equals("s3");
        this.unsignedPayload = unsignedPayload;
    }

    /** Production signing set: headers an origin receives exactly as signed. */
    static boolean signedInProduction(String lowerCaseName) {
        return lowerCaseName.startsWith("x-amz-") || lowerCaseName.equals("host")
                || lowerCaseName.equals("content-type") || lowerCaseName.equals("content-md5");
    }

    @Override
    public StrategyType type() {
        return StrategyType.AWS_SIGV4;
    }

    @Override
    public boolean needsBody() {
        return !unsignedPayload;
    }

    @Override
    public void stripAgentCredentials(OutboundRequest request) {
        HttpHeaders headers = request.headers();
        refuseStreaming(headers);
        headers.remove(HttpHeaderNames.AUTHORIZATION);
        headers.remove(X_AMZ_DATE);
        headers.remove(X_AMZ_CONTENT_SHA256);
        headers.remove(X_AMZ_SECURITY_TOKEN);
        String query = request.rawQuery();
        String stripped = QueryParameters.remove(query, name -> PRESIGN_PARAMETERS.contains(name.toLowerCase(Locale.ROOT)));
        if (stripped != query) {
            request.setRawQuery(stripped);
        }
    }

    @Override
    public void apply(OutboundRequest request, Lease lease) {
        String accessKey = CredentialFields.requireHeaderSafe(lease, StrategyType.AWS_SIGV4, "access_key");
        String secretKey = CredentialFields.require(lease, StrategyType.AWS_SIGV4, "secret_key");
        String sessionToken = lease.credential("session_token");
        if (sessionToken != null && sessionToken.isBlank()) {
            sessionToken = null;
        }
        if (sessionToken != null) {
            sessionToken = CredentialFields.headerValue(StrategyType.AWS_SIGV4, "session_token", sessionToken);
        }
        HttpHeaders headers = request.headers();
        refuseStreaming(headers);
        String payloadHash;
        if (unsignedPayload) {
            payloadHash = UNSIGNED_PAYLOAD;
        } else {
            BodyRequirement.check(request, StrategyType.AWS_SIGV4);
            payloadHash = ByteBufUtil.hexDump(Digests.sha256(request.body()));
        }
        String amzDate = SigV4Signer.amzDate(request.signingTime());
        if (!headers.contains(HttpHeaderNames.HOST)) {
            headers.set(HttpHeaderNames.HOST, hostHeader(request));
        }
        headers.set(X_AMZ_DATE, amzDate);
        headers.set(X_AMZ_CONTENT_SHA256, payloadHash);
        if (sessionToken != null) {
            headers.set(X_AMZ_SECURITY_TOKEN, sessionToken);
        } else {
            headers.remove(X_AMZ_SECURITY_TOKEN);
        }
        SigV4Canonicalizer.CanonicalHeaders canonicalHeaders =
                SigV4Canonicalizer.canonicalHeaders(headers, AwsSigV4Strategy::signedInProduction);
        String canonicalRequest = SigV4Canonicalizer.canonicalRequest(request.head().method().name(),
                SigV4Canonicalizer.canonicalUri(request.rawPath(), s3),
                SigV4Canonicalizer.canonicalQuery(request.rawQuery()), canonicalHeaders, payloadHash);
        headers.set(HttpHeaderNames.AUTHORIZATION, SigV4Signer.authorization(accessKey, secretKey, region, service,
                amzDate, canonicalRequest, canonicalHeaders.signedHeaders()));
    }

    private static void refuseStreaming(HttpHeaders headers) {
        String contentSha = headers.get(X_AMZ_CONTENT_SHA256);
        boolean streaming = (contentSha != null && contentSha.regionMatches(true, 0, "STREAMING-", 0, 10))
                || headers.contains(X_AMZ_DECODED_CONTENT_LENGTH)
                || mentionsAwsChunked(headers.getAll(HttpHeaderNames.CONTENT_ENCODING));
        if (streaming) {
            throw new StrategyException(StrategyException.Kind.UNSUPPORTED_REQUEST, StrategyType.AWS_SIGV4,
                    "x-amz-content-sha256", STREAMING_REFUSAL);
        }
    }

    private static boolean mentionsAwsChunked(List<String> contentEncodings) {
        for (String encoding : contentEncodings) {
            if (encoding.toLowerCase(Locale.ROOT).contains("aws-chunked")) {
                return true;
            }
        }
        return false;
    }

    private static String hostHeader(OutboundRequest request) {
        boolean defaultPort = request.port() == ("https".equals(request.scheme()) ? 443 : 80);
        String host = request.host().indexOf(':') >= 0 ? '[' + request.host() + ']' : request.host();
        return defaultPort ? host : host + ':' + request.port();
    }

    @Override
    public List<String> secretValues(Lease lease) {
        return CredentialFields.present(lease, "access_key", "secret_key", "session_token");
    }

    @Override
    public String toString() {
        return "aws_sigv4[region=" + region + ", service=" + service + ", unsignedPayload=" + unsignedPayload + "]";
    }
}
