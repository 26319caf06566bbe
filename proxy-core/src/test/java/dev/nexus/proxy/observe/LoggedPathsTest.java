package dev.nexus.proxy.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Paths in access logs and audit records never carry the query (query_param credentials) or fragment. */
class LoggedPathsTest {

    @Test
    void queryAndFragmentAreCutOff() {
        assertEquals("/v1/items", LoggedPaths.withoutQuery("/v1/items?api_key=secret-123&x=1"));
        assertEquals("/v1/items", LoggedPaths.withoutQuery("/v1/items#section?not-a-query"));
        assertEquals("", LoggedPaths.withoutQuery("?only=query"));
    }

    @Test
    void pathWithoutQueryAndMissingPathStayAsTheyAre() {
        assertEquals("/v1/items", LoggedPaths.withoutQuery("/v1/items"));
        assertNull(LoggedPaths.withoutQuery(null));
    }
}
