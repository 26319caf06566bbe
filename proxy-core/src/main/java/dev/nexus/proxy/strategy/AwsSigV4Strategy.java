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
 * if an intermediary touched them.
 *
 * <p>What S3 clients send besides: aws-chunked uploads ({@code X-Amz-Content-Sha256: STREAMING-...}) keep
 * that value as the payload hash and stream through an {@link AwsChunkedBodySigner} that re-signs every
 * chunk (optionally checking the agent's chunk signatures against {@code agent_secret_key}, its
 * placeholder secret); presigned URLs are re-signed in the query ({@link SigV4PresignedUrl}).
 */
final class AwsSigV4Strategy implements CredentialStrategy {

    static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

    private static final AsciiString X_AMZ_DATE = AsciiString.cached("x-amz-date");
    private static final AsciiString X_AMZ_CONTENT_SHA256 = AsciiString.cached("x-amz-content-sha256");
    private static final AsciiString X_AMZ_SECURITY_TOKEN = AsciiString.cached("x-amz-security-token");

    /** Query parameters of a presigned URL; outside one, stray copies are dropped too. */
    private static final Set<String> PRESIGN_PARAMETERS = Set.of("x-amz-algorithm", "x-amz-credential", "x-amz-date",
            "x-amz-expires", "x-amz-signedheaders", "x-amz-signature", "x-amz-security-token");

    private final String region;
    private final String service;
    private final boolean s3;
    private final boolean unsignedPayload;
    private final String agentSecretKey;
    private final long maxChunkBytes;

    /**
     * @param agentSecretKey the agents' placeholder secret to verify aws-chunked chunk signatures with, or
     *                       {@code null} to re-sign without verifying
     * @param maxChunkBytes  the largest signed aws-chunked chunk held in memory while it is re-signed
     */
    AwsSigV4Strategy(String region, String service, boolean unsignedPayload, String agentSecretKey, long maxChunkBytes) {
        this.region = region;
        this.service = service;
        this.s3 = service.equals("s3");
        this.unsignedPayload = unsignedPayload;
        this.agentSecretKey = agentSecretKey;
        this.maxChunkBytes = maxChunkBytes;
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

    /** Streamed aws-chunked bodies and S3 presigned URLs are signed without reading the body. */
    @Override
    public boolean needsBody(OutboundRequest request) {
        return needsBody() && StreamingPayload.of(request.headers()) == null
                && !(s3 && SigV4PresignedUrl.isPresigned(request.rawQuery()));
    }

    @Override
    public void stripAgentCredentials(OutboundRequest request) {
        HttpHeaders headers = request.headers();
        StreamingPayload streaming = StreamingPayload.of(headers);
        if (!verifiesChunks(streaming)) {
            headers.remove(HttpHeaderNames.AUTHORIZATION); // else apply() reads the agent's seed first, then replaces it
            headers.remove(X_AMZ_DATE);
        }
        if (streaming == null) {
            headers.remove(X_AMZ_CONTENT_SHA256);
        }
        headers.remove(X_AMZ_SECURITY_TOKEN);
        String query = request.rawQuery();
        Set<String> agentParameters = SigV4PresignedUrl.isPresigned(query) ? SigV4PresignedUrl.AGENT_CREDENTIALS : PRESIGN_PARAMETERS;
        String stripped = QueryParameters.remove(query, name -> agentParameters.contains(name.toLowerCase(Locale.ROOT)));
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
        if (!headers.contains(HttpHeaderNames.HOST)) {
            headers.set(HttpHeaderNames.HOST, hostHeader(request));
        }
        if (SigV4PresignedUrl.isPresigned(request.rawQuery())) {
            SigV4PresignedUrl.sign(request, accessKey, secretKey, sessionToken, region, service, s3,
                    s3 ? UNSIGNED_PAYLOAD : payloadHash(request));
            return;
        }
        StreamingPayload streaming = StreamingPayload.of(headers);
        AgentSeedSignature agentSeed = verifiesChunks(streaming) ? AgentSeedSignature.of(headers) : null;
        long decodedLength = streaming == null ? -1 : StreamingPayload.decodedLength(headers);
        String payloadHash = streaming != null ? streaming.hashValue() : payloadHash(request);
        String amzDate = SigV4Signer.amzDate(request.signingTime());
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
        String signature = SigV4Signer.signature(secretKey, region, service, amzDate, canonicalRequest);
        String scope = SigV4Signer.scope(amzDate, region, service);
        headers.set(HttpHeaderNames.AUTHORIZATION,
                SigV4Signer.authorization(accessKey, scope, canonicalHeaders.signedHeaders(), signature));
        if (streaming != null) {
            SigV4ChunkChain signer = streaming.signedChunks() ? new SigV4ChunkChain(
                    SigV4Signer.signingKey(secretKey, amzDate.substring(0, 8), region, service), amzDate, scope, signature) : null;
            SigV4ChunkChain verifier = agentSeed == null ? null : new SigV4ChunkChain(SigV4Signer.signingKey(agentSecretKey,
                    agentSeed.date(), agentSeed.region(), agentSeed.service()), agentSeed.amzDate(), agentSeed.scope(),
                    agentSeed.signature());
            request.streamBodyThrough(new AwsChunkedBodySigner(signer, verifier, streaming.trailer(), decodedLength,
                    maxChunkBytes));
        }
    }

    private boolean verifiesChunks(StreamingPayload streaming) {
        return streaming != null && streaming.signedChunks() && agentSecretKey != null;
    }

    private String payloadHash(OutboundRequest request) {
        if (unsignedPayload) {
            return UNSIGNED_PAYLOAD;
        }
        BodyRequirement.check(request, StrategyType.AWS_SIGV4);
        return ByteBufUtil.hexDump(Digests.sha256(request.body()));
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
        // Never the agent secret: it is only a placeholder, but it is still a credential of the agents.
        return "aws_sigv4[region=" + region + ", service=" + service + ", unsignedPayload=" + unsignedPayload
                + ", verifiesChunkSignatures=" + (agentSecretKey != null) + "]";
    }
}
