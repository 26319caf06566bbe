package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The canonicaliser and signer against the official AWS SigV4 test-suite vectors in
 * {@code src/test/resources/sigv4}. The suite signs every header it lists, so the signed-header set
 * is taken from each vector's expected Authorization rather than the production restriction.
 */
class SigV4TestSuiteTest {

    private static final String ACCESS_KEY = "AKIDEXAMPLE";
    private static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final String AMZ_DATE = "20150830T123600Z";
    private static final Pattern SIGNED_HEADERS = Pattern.compile("SignedHeaders=([^,]+),");

    static Stream<Path> vectors() throws IOException, URISyntaxException {
        Path directory = Path.of(SigV4TestSuiteTest.class.getResource("/sigv4").toURI());
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.toString().endsWith(".txt")).sorted().collect(Collectors.toList()).stream();
        }
    }

    @Test
    void everyVectorOfTheBriefIsPresent() throws Exception {
        Set<String> names = vectors().map(p -> p.getFileName().toString().replace(".txt", "")).collect(Collectors.toSet());
        List<String> required = List.of("get-vanilla", "get-vanilla-query", "get-vanilla-query-order-key-case",
                "get-vanilla-query-unreserved", "get-vanilla-utf8-query", "get-vanilla-empty-query-key",
                "get-header-key-duplicate", "get-header-value-multiline", "get-header-value-order",
                "get-header-value-trim", "get-relative", "get-relative-relative", "get-slash", "get-slash-dot-slash",
                "get-slash-pointless-dot", "get-space", "get-unreserved", "get-utf8", "post-vanilla",
                "post-vanilla-query", "post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters",
                "post-header-key-case", "post-header-value-case", "post-sts-header-after", "post-sts-header-before");
        for (String name : required) {
            assertTrue(names.contains(name), "missing vector " + name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void canonicalRequestStringToSignAndAuthorizationMatchTheSuite(Path file) throws IOException {
        Map<String, String> sections = sections(Files.readString(file, StandardCharsets.UTF_8));
        Vector vector = Vector.parse(sections.get("request"));
        String expectedAuthorization = sections.get("authorization");
        Matcher signed = SIGNED_HEADERS.matcher(expectedAuthorization);
        assertTrue(signed.find(), "SignedHeaders in " + file);
        Set<String> signedNames = Set.of(signed.group(1).split(";"));

        SigV4Canonicalizer.CanonicalHeaders headers = SigV4Canonicalizer.canonicalHeaders(vector.headers, signedNames::contains);
        String canonicalRequest = SigV4Canonicalizer.canonicalRequest(vector.method,
                SigV4Canonicalizer.canonicalUri(vector.path, false), SigV4Canonicalizer.canonicalQuery(vector.query),
                headers, ByteBufUtil.hexDump(Digests.sha256(vector.body)));

        assertEquals(sections.get("canonical-request"), canonicalRequest);
        if (sections.containsKey("string-to-sign")) {
            String scope = SigV4Signer.scope(AMZ_DATE, "us-east-1", "service");
            assertEquals(sections.get("string-to-sign"), SigV4Signer.stringToSign(AMZ_DATE, scope, canonicalRequest));
        }
        assertEquals(expectedAuthorization, SigV4Signer.authorization(ACCESS_KEY, SECRET_KEY, "us-east-1", "service",
                AMZ_DATE, canonicalRequest, headers.signedHeaders()));
    }

    /** Splits a vector file into its {@code --- name} sections (comment lines before the first are dropped). */
    private static Map<String, String> sections(String text) {
        Map<String, String> sections = new LinkedHashMap<>();
        String current = null;
        StringBuilder content = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("--- ")) {
                if (current != null) {
                    sections.put(current, stripFinalNewline(content));
                }
                current = line.substring(4).trim();
                content.setLength(0);
            } else if (current != null) {
                content.append(line).append('\n');
            }
        }
        sections.put(current, stripFinalNewline(content));
        return sections;
    }

    private static String stripFinalNewline(StringBuilder content) {
        String text = content.toString();
        while (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        return text;
    }

    /** A request in the suite's notation: request line, {@code Name:value} headers, blank line, body. */
    private record Vector(String method, String path, String query, HttpHeaders headers, byte[] body) {

        static Vector parse(String text) {
            List<String> lines = Arrays.asList(text.split("\n", -1));
            String requestLine = lines.get(0);
            String method = requestLine.substring(0, requestLine.indexOf(' '));
            String target = requestLine.substring(method.length() + 1, requestLine.lastIndexOf(" HTTP/1.1"));
            int question = target.indexOf('?');
            // The suite writes "Name: value"; the trimming is the canonicaliser's job, so skip Netty's value checks.
            HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
            int line = 1;
            for (; line < lines.size() && !lines.get(line).isEmpty(); line++) {
                String header = lines.get(line);
                int colon = header.indexOf(':');
                headers.add(header.substring(0, colon), header.substring(colon + 1));
            }
            String body = line < lines.size() ? String.join("\n", lines.subList(line + 1, lines.size())) : "";
            return new Vector(method, question < 0 ? target : target.substring(0, question),
                    question < 0 ? null : target.substring(question + 1), headers, body.getBytes(StandardCharsets.UTF_8));
        }
    }
}
