package dev.nexus.proxy.strategy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * What the agent's own {@code Authorization: AWS4-HMAC-SHA256 Credential=key/date/region/service/aws4_request,
 * SignedHeaders=..., Signature=...} and {@code X-Amz-Date} say, read before they are replaced: the start
 * of the agent's chunk signature chain, so that its chunks can be checked against its placeholder key.
 */
record AgentSeedSignature(String amzDate, String date, String region, String service, String signature) {

    private static final String PREFIX = SigV4Signer.ALGORITHM + " ";

    /**
     * @throws MalformedBodyException when the head carries no well-formed SigV4 authorization to verify against
     */
    static AgentSeedSignature of(HttpHeaders headers) {
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        String amzDate = headers.get("x-amz-date");
        if (authorization == null || !authorization.startsWith(PREFIX) || amzDate == null || amzDate.length() != 16) {
            throw unverifiable("the request has no AWS4-HMAC-SHA256 Authorization and X-Amz-Date of its own");
        }
        String credential = component(authorization, "Credential=");
        String signature = component(authorization, "Signature=");
        String[] scope = credential == null ? new String[0] : credential.split("/", -1);
        if (scope.length != 5 || !scope[4].equals("aws4_request") || signature == null || signature.length() != 64
                || !amzDate.startsWith(scope[1])) {
            throw unverifiable("the agent's Authorization header is not a well-formed SigV4 authorization");
        }
        return new AgentSeedSignature(amzDate, scope[1], scope[2], scope[3], signature);
    }

    String scope() {
        return SigV4Signer.scope(amzDate, region, service);
    }

    private static String component(String authorization, String name) {
        int start = authorization.indexOf(name);
        if (start < 0) {
            return null;
        }
        start += name.length();
        int end = authorization.indexOf(',', start);
        return authorization.substring(start, end < 0 ? authorization.length() : end).trim();
    }

    private static MalformedBodyException unverifiable(String why) {
        return new MalformedBodyException("aws-chunked body: chunk signatures cannot be verified: " + why);
    }
}
