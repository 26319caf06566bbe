package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Re-signs a presigned URL (SigV4 in the query: {@code X-Amz-Algorithm}, {@code X-Amz-Credential},
 * {@code X-Amz-Date}, {@code X-Amz-Expires}, {@code X-Amz-SignedHeaders}, {@code X-Amz-Signature}) with the
 * real key. The agent's {@code X-Amz-Date} and {@code X-Amz-Expires} are kept, so the URL expires exactly
 * when the agent's did; its credential, token and signature are replaced. Only the origin sees the result.
 */
final class SigV4PresignedUrl {

    /** What the agent's placeholder put in the query that must never reach the origin. */
    static final Set<String> AGENT_CREDENTIALS = Set.of("x-amz-credential", "x-amz-signature", "x-amz-security-token");

    private static final String ALGORITHM = "X-Amz-Algorithm";
    private static final String DATE = "X-Amz-Date";
    private static final String EXPIRES = "X-Amz-Expires";
    private static final String SIGNED_HEADERS = "X-Amz-SignedHeaders";
    private static final long MAX_EXPIRES_SECONDS = 7 * 24 * 3600;

    private SigV4PresignedUrl() {
    }

    static boolean isPresigned(String rawQuery) {
        return QueryParameters.first(rawQuery, ALGORITHM) != null;
    }

    /**
     * @param payloadHash {@code UNSIGNED-PAYLOAD} for S3, the body's hash otherwise
     * @throws StrategyException {@link StrategyException.Kind#MALFORMED_REQUEST} naming the query parameter at fault
     */
    static void sign(OutboundRequest request, String accessKey, String secretKey, String sessionToken, String region,
                     String service, boolean s3, String payloadHash) {
        String query = request.rawQuery();
        if (!SigV4Signer.ALGORITHM.equals(QueryParameters.first(query, ALGORITHM))) {
            throw malformed(ALGORITHM, "must be " + SigV4Signer.ALGORITHM);
        }
        String amzDate = QueryParameters.first(query, DATE);
        if (amzDate == null || !amzDate.matches("\\d{8}T\\d{6}Z")) {
            throw malformed(DATE, "must be a yyyyMMdd'T'HHmmss'Z' time");
        }
        String expires = QueryParameters.first(query, EXPIRES);
        if (expires == null || !expires.matches("\\d{1,6}") || Long.parseLong(expires) < 1
                || Long.parseLong(expires) > MAX_EXPIRES_SECONDS) {
            throw malformed(EXPIRES, "must be a number of seconds from 1 to " + MAX_EXPIRES_SECONDS);
        }
        Set<String> agentSigned = new HashSet<>();
        String listed = QueryParameters.first(query, SIGNED_HEADERS);
        if (listed != null) {
            for (String name : listed.split(";")) {
                agentSigned.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        query = QueryParameters.remove(query, name -> AGENT_CREDENTIALS.contains(name.toLowerCase(Locale.ROOT))
                || name.equalsIgnoreCase(SIGNED_HEADERS));
        SigV4Canonicalizer.CanonicalHeaders headers = SigV4Canonicalizer.canonicalHeaders(request.headers(),
                name -> name.equals("host") || agentSigned.contains(name));
        query = QueryParameters.append(query, "X-Amz-Credential", accessKey + '/' + SigV4Signer.scope(amzDate, region, service));
        if (sessionToken != null) {
            query = QueryParameters.append(query, "X-Amz-Security-Token", sessionToken);
        }
        query = QueryParameters.append(query, SIGNED_HEADERS, headers.signedHeaders());
        String canonicalRequest = SigV4Canonicalizer.canonicalRequest(request.head().method().name(),
                SigV4Canonicalizer.canonicalUri(request.rawPath(), s3), SigV4Canonicalizer.canonicalQuery(query),
                headers, payloadHash);
        String signature = SigV4Signer.signature(secretKey, region, service, amzDate, canonicalRequest);
        request.setRawQuery(QueryParameters.append(query, "X-Amz-Signature", signature));
    }

    private static StrategyException malformed(String parameter, String problem) {
        return new StrategyException(StrategyException.Kind.MALFORMED_REQUEST, StrategyType.AWS_SIGV4, parameter,
                "presigned URL: " + parameter + " " + problem);
    }
}
