package dev.nexus.proxy.strategy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;

/**
 * The SigV4 signature over a canonical request: string to sign, derived signing key, Authorization
 * value. Derived keys depend only on (secret, date, region, service), so they are cached in a small
 * bounded cache shared by every aws_sigv4 strategy; the cache key holds a salted SHA-256 fingerprint
 * of the secret, never the secret itself.
 */
final class SigV4Signer {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";

    /** Key material fingerprinted for the cache key; random per process so fingerprints mean nothing elsewhere. */
    private static final byte[] FINGERPRINT_SALT = randomSalt();

    private static final Cache<SigningKeyId, byte[]> SIGNING_KEYS = Caffeine.newBuilder()
            .maximumSize(1024)
            .expireAfterWrite(Duration.ofHours(25))
            .build();

    private record SigningKeyId(String secretFingerprint, String date, String region, String service) {
    }

    private SigV4Signer() {
    }

    /**
     * {@code yyyyMMdd'T'HHmmss'Z'} in UTC, the X-Amz-Date format. Written by hand because a
     * DateTimeFormatter allocates several objects per call on a per-request path.
     */
    static String amzDate(Instant time) {
        LocalDateTime utc = LocalDateTime.ofEpochSecond(time.getEpochSecond(), 0, ZoneOffset.UTC);
        char[] out = new char[16];
        digits(out, 0, utc.getYear(), 4);
        digits(out, 4, utc.getMonthValue(), 2);
        digits(out, 6, utc.getDayOfMonth(), 2);
        out[8] = 'T';
        digits(out, 9, utc.getHour(), 2);
        digits(out, 11, utc.getMinute(), 2);
        digits(out, 13, utc.getSecond(), 2);
        out[15] = 'Z';
        return new String(out);
    }

    private static void digits(char[] out, int offset, int value, int width) {
        for (int i = offset + width - 1; i >= offset; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    static String scope(String amzDate, String region, String service) {
        return amzDate.substring(0, 8) + '/' + region + '/' + service + "/aws4_request";
    }

    static String stringToSign(String amzDate, String scope, String canonicalRequest) {
        byte[] hash = Digests.sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8));
        return ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + ByteBufUtil.hexDump(hash);
    }

    /** The complete Authorization header value. */
    static String authorization(String accessKey, String secretKey, String region, String service, String amzDate,
                                String canonicalRequest, String signedHeaders) {
        return authorization(accessKey, scope(amzDate, region, service), signedHeaders,
                signature(secretKey, region, service, amzDate, canonicalRequest));
    }

    /** The Authorization header value for a signature already computed. */
    static String authorization(String accessKey, String scope, String signedHeaders, String signature) {
        return ALGORITHM + " Credential=" + accessKey + '/' + scope + ", SignedHeaders=" + signedHeaders
                + ", Signature=" + signature;
    }

    /** The hex signature of a canonical request (a head's, or a presigned URL's). */
    static String signature(String secretKey, String region, String service, String amzDate, String canonicalRequest) {
        byte[] key = signingKey(secretKey, amzDate.substring(0, 8), region, service);
        return ByteBufUtil.hexDump(Digests.hmac(Digests.HmacAlgorithm.SHA256, key,
                stringToSign(amzDate, scope(amzDate, region, service), canonicalRequest).getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] signingKey(String secretKey, String date, String region, String service) {
        SigningKeyId id = new SigningKeyId(fingerprint(secretKey), date, region, service);
        return SIGNING_KEYS.get(id, ignored -> deriveSigningKey(secretKey, date, region, service));
    }

    private static byte[] deriveSigningKey(String secretKey, String date, String region, String service) {
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        return hmac(key, "aws4_request");
    }

    private static byte[] hmac(byte[] key, String data) {
        return Digests.hmac(Digests.HmacAlgorithm.SHA256, key, data.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] randomSalt() {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return salt;
    }

    private static String fingerprint(String secretKey) {
        byte[] secret = secretKey.getBytes(StandardCharsets.UTF_8);
        byte[] salted = new byte[FINGERPRINT_SALT.length + secret.length];
        System.arraycopy(FINGERPRINT_SALT, 0, salted, 0, FINGERPRINT_SALT.length);
        System.arraycopy(secret, 0, salted, FINGERPRINT_SALT.length, secret.length);
        return Base64.getEncoder().encodeToString(Digests.sha256(salted));
    }
}
