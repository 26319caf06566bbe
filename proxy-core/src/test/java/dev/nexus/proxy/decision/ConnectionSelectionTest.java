package dev.nexus.proxy.decision;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.PolicyRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

class ConnectionSelectionTest {

    private static final String POLICY = """
            version: 1
            routes:
              - name: slack-users
                match: {hosts: [slack.example], agents: [support-bot]}
                action: inject
                connection_choices: ["slack-user-*", slack-team]
              - name: slack-default
                match: {hosts: [team.slack.example]}
                action: inject
                connection: slack-shared
                connection_choices: ["slack-user-*"]
                connection_header: X-On-Behalf-Of
              - name: github
                match: {hosts: [api.github.example]}
                action: inject
                connection: github-prod
            """;

    private static Decision.Inject decision(String host) {
        LoadResult loaded = PolicyLoader.load(List.of(new SourceFile("policy.yaml", POLICY)));
        return (Decision.Inject) loaded.policy().decide(new PolicyRequest("support-bot", "https", host, 443, "GET", "/"));
    }

    private static HttpHeaders headers(String... nameValues) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.add(nameValues[i], nameValues[i + 1]);
        }
        headers.add("Accept", "application/json");
        return headers;
    }

    private static ConnectionSelection.Refused refused(ConnectionSelection.Result result) {
        return assertInstanceOf(ConnectionSelection.Refused.class, result);
    }

    @Test
    void aListedConnectionIsSelectedAndTheHeaderIsRemoved() {
        HttpHeaders headers = headers("Nexus-Connection", "slack-user-alice");

        ConnectionSelection.Result result = ConnectionSelection.select(decision("slack.example"), headers);

        assertEquals("slack-user-alice", assertInstanceOf(ConnectionSelection.Selected.class, result).decision().connectionId());
        assertFalse(headers.contains("Nexus-Connection"));
        assertEquals("application/json", headers.get("Accept"), "other headers are untouched");
    }

    @Test
    void anUnlistedConnectionIsRefusedWith403AndTheHeaderIsStillRemoved() {
        HttpHeaders headers = headers("Nexus-Connection", "github-prod");

        ConnectionSelection.Refused refused = refused(ConnectionSelection.select(decision("slack.example"), headers));

        assertEquals(403, refused.error().status().code());
        assertEquals("connection_not_allowed", refused.error().code());
        assertEquals("route \"slack-users\" does not let the agent use connection \"github-prod\"", refused.detail());
        assertFalse(headers.contains("Nexus-Connection"));
    }

    @Test
    void withoutAHeaderTheRouteDefaultAppliesOrTheAgentMustChoose() {
        Decision.Inject withDefault = decision("team.slack.example");

        assertSame(withDefault, ((ConnectionSelection.Selected) ConnectionSelection.select(withDefault, headers())).decision());
        ConnectionSelection.Refused required = refused(ConnectionSelection.select(decision("slack.example"), headers()));
        assertEquals(400, required.error().status().code());
        assertEquals("connection_required", required.error().code());
    }

    @Test
    void aRouteCanNameItsOwnHeaderAndTheDefaultHeaderNeverLeaks() {
        HttpHeaders headers = headers("X-On-Behalf-Of", "slack-user-bob", "Nexus-Connection", "slack-user-eve");

        ConnectionSelection.Result result = ConnectionSelection.select(decision("team.slack.example"), headers);

        assertEquals("slack-user-bob", ((ConnectionSelection.Selected) result).decision().connectionId());
        assertFalse(headers.contains("X-On-Behalf-Of"));
        assertFalse(headers.contains("Nexus-Connection"));
    }

    @Test
    void routesWithoutChoicesStripTheHeaderAndRefuseAnyOtherConnection() {
        HttpHeaders own = headers("Nexus-Connection", "github-prod");
        HttpHeaders other = headers("Nexus-Connection", "github-admin");

        ConnectionSelection.Result same = ConnectionSelection.select(decision("api.github.example"), own);
        ConnectionSelection.Result different = ConnectionSelection.select(decision("api.github.example"), other);

        assertEquals("github-prod", ((ConnectionSelection.Selected) same).decision().connectionId());
        assertEquals("connection_not_allowed", refused(different).error().code());
        assertFalse(own.contains("Nexus-Connection"));
        assertFalse(other.contains("Nexus-Connection"));
    }

    @Test
    void oddValuesAreRefusedWithoutBeingEchoed() {
        ConnectionSelection.Refused twoValues = refused(ConnectionSelection.select(decision("slack.example"),
                headers("Nexus-Connection", "slack-user-a", "Nexus-Connection", "slack-user-b")));
        ConnectionSelection.Refused pathLike = refused(ConnectionSelection.select(decision("slack.example"),
                headers("Nexus-Connection", "slack-user-../../admin")));

        assertEquals("name one connection in Nexus-Connection or X-Nexus-Connection-ID, not 2", twoValues.detail());
        assertEquals("connection_not_allowed", pathLike.error().code());
        assertEquals("the Nexus-Connection header does not hold a connection id", pathLike.detail());
    }
}
