package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.nexus.proxy.strategy.TestRequests.inject;
import static dev.nexus.proxy.strategy.TestRequests.lease;
import static dev.nexus.proxy.strategy.TestRequests.request;
import static dev.nexus.proxy.strategy.TestRequests.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HmacPayloadStrategyTest {

    private static final String JEFE_DATA = "what do ya want for nothing?";

    /** RFC 4231 (HMAC-SHA-256) test cases 1-4, 6, 7 and RFC 2202 (HMAC-SHA-1) test cases 1-4, 6, 7. */
    static Stream<Arguments> publishedVectors() {
        byte[] key0b = filled(20, 0x0b);
        byte[] keyAa20 = filled(20, 0xaa);
        byte[] key0125 = new byte[25];
        for (int i = 0; i < 25; i++) {
            key0125[i] = (byte) (i + 1);
        }
        byte[] dd50 = filled(50, 0xdd);
        byte[] cd50 = filled(50, 0xcd);
        byte[] largeKeyFirst = ascii("Test Using Larger Than Block-Size Key - Hash Key First");
        return Stream.of(
                Arguments.of("RFC 4231 #1", Digests.HmacAlgorithm.SHA256, key0b, ascii("Hi There"),
                        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
                Arguments.of("RFC 4231 #2", Digests.HmacAlgorithm.SHA256, ascii("Jefe"), ascii(JEFE_DATA),
                        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
                Arguments.of("RFC 4231 #3", Digests.HmacAlgorithm.SHA256, keyAa20, dd50,
                        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
                Arguments.of("RFC 4231 #4", Digests.HmacAlgorithm.SHA256, key0125, cd50,
                        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
                Arguments.of("RFC 4231 #6", Digests.HmacAlgorithm.SHA256, filled(131, 0xaa), largeKeyFirst,
                        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
                Arguments.of("RFC 4231 #7", Digests.HmacAlgorithm.SHA256, filled(131, 0xaa),
                        ascii("This is a test using a larger than block-size key and a larger than block-size data."
                                + " The key needs to be hashed before being used by the HMAC algorithm."),
                        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
                Arguments.of("RFC 2202 #1", Digests.HmacAlgorithm.SHA1, key0b, ascii("Hi There"),
                        "b617318655057264e28bc0b6fb378c8ef146be00"),
                Arguments.of("RFC 2202 #2", Digests.HmacAlgorithm.SHA1, ascii("Jefe"), ascii(JEFE_DATA),
                        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
                Arguments.of("RFC 2202 #3", Digests.HmacAlgorithm.SHA1, keyAa20, dd50,
                        "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
                Arguments.of("RFC 2202 #4", Digests.HmacAlgorithm.SHA1, key0125, cd50,
                        "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
                Arguments.of("RFC 2202 #6", Digests.HmacAlgorithm.SHA1, filled(80, 0xaa), largeKeyFirst,
                        "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
                Arguments.of("RFC 2202 #7", Digests.HmacAlgorithm.SHA1, filled(80, 0xaa),
                        ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
                        "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("publishedVectors")
    void macOverABufferMatchesThePublishedVector(String name, Digests.HmacAlgorithm algorithm, byte[] key, byte[] data,
                                                 String expectedHex) {
        ByteBuf body = Unpooled.wrappedBuffer(data);
        try {
            assertEquals(expectedHex, ByteBufUtil.hexDump(Digests.hmac(algorithm, key, body)));
        } finally {
            body.release();
        }
    }

    /**
     * Through the strategy: the secret arrives as a JSON string and is used as its UTF-8 bytes, as in
     * the reference bridge, so only vectors whose keys are ASCII (cases 1, 2 and 4) can be expressed.
     */
    static Stream<Arguments> asciiKeyVectors() {
        return publishedVectors().filter(vector -> isAscii((byte[]) vector.get()[2]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("asciiKeyVectors")
    void strategyHeaderMatchesThePublishedVectorInHex(String name, Digests.HmacAlgorithm algorithm, byte[] key, byte[] data,
                                                       String expectedHex) {
        String algo = algorithm == Digests.HmacAlgorithm.SHA256 ? "sha256" : "sha1";
        assertEquals(expectedHex, sign(Map.of("header_name", "X-Signature", "algo", algo),
                new String(key, StandardCharsets.US_ASCII), data));
    }

    @Test
    void defaultsAreSha256HexFromApiSecret() {
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                sign(Map.of("header_name", "X-Signature"), "Jefe", ascii(JEFE_DATA)));
    }

    @Test
    void base64EncodingIsStandardAndPadded() {
        assertEquals("W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=",
                sign(Map.of("header_name", "X-Signature", "encoding", "base64"), "Jefe", ascii(JEFE_DATA)));
        assertEquals("7/zfauXrL6LSdBbV8YTfnCWafHk=",
                sign(Map.of("header_name", "X-Signature", "encoding", "base64", "algo", "sha1"), "Jefe", ascii(JEFE_DATA)));
    }

    @Test
    void emptyBodySignsTheEmptyString() {
        assertEquals("5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0",
                sign(Map.of("header_name", "X-Signature"), "key", new byte[0]));
    }

    @Test
    void unbufferedBodyOfABodilessRequestSignsTheEmptyString() {
        OutboundRequest request = request("GET", "/");

        inject(strategy("hmac_payload", Map.of("header_name", "X-Signature")), request, lease("hmac_payload", Map.of("api_secret", "key")));

        assertEquals("5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0", request.headers().get("X-Signature"));
    }

    @Test
    void unbufferedBodyOfARequestWithContentIsACallerBug() {
        OutboundRequest request = request("POST", "/", "Content-Length", "5");

        IllegalStateException error = assertThrows(IllegalStateException.class, () -> inject(
                strategy("hmac_payload", Map.of("header_name", "X-Signature")), request, lease("hmac_payload", Map.of("api_secret", "k"))));
        assertEquals("strategy hmac_payload signs the body, but the request declares a body that was not buffered", error.getMessage());
    }

    @Test
    void bodySplitAcrossBuffersIsSignedWholeAndLeftUnread() {
        CompositeByteBuf body = Unpooled.compositeBuffer();
        body.addComponents(true, Unpooled.copiedBuffer("what do ya ", StandardCharsets.US_ASCII),
                Unpooled.copiedBuffer("want for nothing?", StandardCharsets.US_ASCII));
        try {
            OutboundRequest request = request("POST", "/", body, "Content-Length", "28");

            inject(strategy("hmac_payload", Map.of("header_name", "X-Signature", "secret_field", "signing_key")), request,
                    lease("hmac_payload", Map.of("signing_key", "Jefe")));

            assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", request.headers().get("X-Signature"));
            assertEquals(0, body.readerIndex());
            assertEquals(28, body.readableBytes());
            assertEquals(1, body.refCnt());
        } finally {
            body.release();
        }
    }

    @Test
    void agentSentSignatureHeaderIsReplaced() {
        ByteBuf body = Unpooled.copiedBuffer(JEFE_DATA, StandardCharsets.US_ASCII);
        try {
            OutboundRequest request = request("POST", "/", body, "x-signature", "agent-made", "Content-Length", "28");

            inject(strategy("hmac_payload", Map.of("header_name", "X-Signature")), request, lease("hmac_payload", Map.of("api_secret", "Jefe")));

            assertEquals(List.of("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"), request.headers().getAll("X-Signature"));
        } finally {
            body.release();
        }
    }

    @Test
    void configErrorsNameTheKey() {
        assertEquals("strategy hmac_payload: config \"header_name\" is required",
                assertThrows(StrategyException.class, () -> strategy("hmac_payload", Map.of())).getMessage());
        assertEquals("strategy hmac_payload: config \"algo\" must be sha256 or sha1",
                assertThrows(StrategyException.class, () -> strategy("hmac_payload", Map.of("header_name", "X", "algo", "md5"))).getMessage());
        assertEquals("strategy hmac_payload: config \"encoding\" must be hex or base64",
                assertThrows(StrategyException.class, () -> strategy("hmac_payload", Map.of("header_name", "X", "encoding", "b32"))).getMessage());
    }

    @Test
    void missingSecretNamesTheField() {
        StrategyException error = assertThrows(StrategyException.class, () -> strategy("hmac_payload", Map.of("header_name", "X"))
                .apply(request("GET", "/"), lease("hmac_payload", Map.of("api_key", "wrong-field"))));

        assertEquals("strategy hmac_payload: credential field \"api_secret\" is missing or empty", error.getMessage());
    }

    @Test
    void needsTheBody() {
        assertTrue(strategy("hmac_payload", Map.of("header_name", "X")).needsBody());
        assertFalse(strategy("header", Map.of()).needsBody());
    }

    private static String sign(Map<String, String> config, String secret, byte[] data) {
        ByteBuf body = Unpooled.wrappedBuffer(data);
        try {
            OutboundRequest request = request("POST", "/", body, "Content-Length", Integer.toString(data.length));
            CredentialStrategy hmac = strategy("hmac_payload", config);
            inject(hmac, request, lease("hmac_payload", Map.of(config.getOrDefault("secret_field", "api_secret"), secret)));
            return request.headers().get(config.get("header_name"));
        } finally {
            body.release();
        }
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
