package dev.nexus.proxy.strategy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.nexus.proxy.strategy.TestRequests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class OutboundRequestTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "/a/b?x=1&y=2 | /a/b | x=1&y=2",
            "/a/b         | /a/b | NULL",
            "/a/b?        | /a/b | ''",
            "/?q          | /    | q",
            "/a%2Fb?c=%20 | /a%2Fb | c=%20",
            "/p?q=1#frag  | /p   | q=1",
            "/p#frag?x    | /p   | NULL",
    })
    void rawPathAndQueryAreTheBytesAsSent(String uri, String path, String query) {
        OutboundRequest request = request("GET", uri);

        assertEquals(path, request.rawPath());
        assertEquals(query, request.rawQuery());
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "/a?old=1    | new=2 | /a?new=2",
            "/a          | new=2 | /a?new=2",
            "/a?old      | NULL  | /a",
            "/a?old#f    | n     | /a?n#f",
            "/a%20b?x    | ''    | /a%20b?",
    })
    void setRawQueryChangesOnlyTheQuery(String uri, String query, String expected) {
        OutboundRequest request = request("GET", uri);

        request.setRawQuery(query);

        assertEquals(expected, request.head().uri());
    }

    @Test
    void toStringShowsNeitherQueryNorHeaders() {
        OutboundRequest request = request("GET", "/v1?key=secret-in-query", "Authorization", "Bearer secret-in-header");

        String text = request.toString();

        assertEquals("OutboundRequest[GET https://api.example.com:443]", text);
        assertFalse(text.contains("secret"));
    }
}
