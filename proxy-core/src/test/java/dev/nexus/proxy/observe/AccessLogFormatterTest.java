package dev.nexus.proxy.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogFormatterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ExchangeRecord entry(String host, String path) throws Exception {
        return new ExchangeRecord(1_764_380_000_123L,
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 50123),
                "GET", "https", host, 443, path, 200, 12, 3456, 1_234_567L, 250_000L, "github", "inject", "h1", null);
    }

    private static String format(ExchangeRecord entry) {
        StringBuilder out = new StringBuilder();
        AccessLogFormatter.format(entry, out);
        return out.toString();
    }

    @Test
    void writesEveryFieldInOrderOnOneLine() throws Exception {
        String line = format(entry("api.github.com", "/repos/x/y"));

        assertEquals("{\"time\":\"2025-11-29T01:33:20.123Z\",\"client\":\"127.0.0.1:50123\",\"method\":\"GET\","
                + "\"scheme\":\"https\",\"host\":\"api.github.com\",\"port\":443,\"path\":\"/repos/x/y\","
                + "\"status\":200,\"bytes_in\":12,\"bytes_out\":3456,\"duration_ms\":1.234,"
                + "\"upstream_connect_ms\":0.250,\"route\":\"github\",\"decision\":\"inject\",\"protocol\":\"h1\"}", line);
    }

    @Test
    void dropsQueryStringAndFragmentFromPath() throws Exception {
        String line = format(entry("api.example.com", "/search?api_key=s3cr3t-value&q=1#frag"));

        assertEquals("/search", JSON.readTree(line).get("path").asText());
        assertFalse(line.contains("s3cr3t-value"), line);
        assertFalse(line.contains("frag"), line);
    }

    @Test
    void escapesHostileCharactersSoTheLineStaysValidJson() throws Exception {
        String hostile = "evil\"host\\name\n{\"x\":1}\u0001\u007f\u2028é";
        String line = format(entry(hostile, "/a\tb\r\n"));

        assertFalse(line.contains("\n"), "one line only");
        assertFalse(line.contains("\u2028"), "no raw line separator");
        JsonNode node = JSON.readTree(line);
        assertEquals(hostile, node.get("host").asText());
        assertEquals("/a\tb\r\n", node.get("path").asText());
    }

    @Test
    void absentValuesAreJsonNull() {
        ExchangeRecord connect = new ExchangeRecord(0L, null, "CONNECT", null, "example.com", 443, null,
                403, 0, 0, 5_000L, -1L, null, "deny", "h1", null);
        String line = format(connect);

        assertTrue(line.startsWith("{\"time\":\"1970-01-01T00:00:00.000Z\","), line);
        assertTrue(line.contains("\"client\":null,"), line);
        assertTrue(line.contains("\"scheme\":null,"), line);
        assertTrue(line.contains("\"path\":null,"), line);
        assertTrue(line.contains("\"duration_ms\":0.005,"), line);
        assertTrue(line.contains("\"upstream_connect_ms\":null,"), line);
        assertTrue(line.contains("\"route\":null,"), line);
    }

    @Test
    void bracketsIpv6ClientAddresses() throws Exception {
        ExchangeRecord v6 = new ExchangeRecord(0L, new InetSocketAddress(InetAddress.getByName("::1"), 4000),
                "GET", "http", "h", 80, "/", 200, 0, 0, 0, -1, null, "allow", "h2", null);

        assertEquals("[0:0:0:0:0:0:0:1]:4000", JSON.readTree(format(v6)).get("client").asText());
    }

    @Test
    void keysAreExactlyTheDocumentedSet() throws Exception {
        JsonNode node = JSON.readTree(format(entry("h", "/")));
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);

        assertEquals(List.of("time", "client", "method", "scheme", "host", "port", "path", "status", "bytes_in",
                "bytes_out", "duration_ms", "upstream_connect_ms", "route", "decision", "protocol"), keys);
    }

    @Test
    void grpcCallsAddTheirMethodAndStatusAfterTheProtocol() throws Exception {
        ExchangeRecord call = new ExchangeRecord(0L, null, "POST", "https", "h", 443, "/pkg.Svc/Do", 200, 5, 7, 0, 0,
                "grpc", "inject", "h2", new ExchangeRecord.Grpc("/pkg.Svc/Do", 7));
        JsonNode node = JSON.readTree(format(call));
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);

        assertEquals(List.of("protocol", "grpc_method", "grpc_status"), keys.subList(keys.size() - 3, keys.size()));
        assertEquals("h2", node.get("protocol").asText());
        assertEquals("/pkg.Svc/Do", node.get("grpc_method").asText());
        assertEquals(7, node.get("grpc_status").asInt());

        ExchangeRecord broken = new ExchangeRecord(0L, null, "POST", "http", "h", 80, "/not a method", 502, 0, 0, 0,
                -1, null, "allow", "h2c", new ExchangeRecord.Grpc(null, ExchangeRecord.Grpc.NO_STATUS));
        String line = format(broken);
        assertTrue(line.endsWith(",\"protocol\":\"h2c\",\"grpc_method\":null,\"grpc_status\":null}"), line);
    }
}
