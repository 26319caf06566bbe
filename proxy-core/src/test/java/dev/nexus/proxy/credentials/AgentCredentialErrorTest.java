package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.CredentialException.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentCredentialErrorTest {

    @ParameterizedTest
    @CsvSource({
            "REVOKED, 403, connection_revoked",
            "NOT_FOUND, 403, connection_not_found",
            "ATTENTION_REQUIRED, 409, attention_required",
            "REFUSED, 403, connection_refused",
            "RATE_LIMITED, 503, authority_rate_limited",
            "UNAVAILABLE, 503, authority_unavailable",
            "INVALID_CONNECTION, 502, invalid_connection",
            "AUTHORITY_UNAUTHORIZED, 502, authority_rejected_proxy"})
    void eachKindHasTheDocumentedAgentError(Kind kind, int status, String error) {
        AgentCredentialError agent = AgentCredentialError.of(new CredentialException(kind, "conn-7", "re-consent at https://x"));
        assertEquals(status, agent.status());
        assertEquals(error, agent.error());
        assertTrue(agent.detail().contains("conn-7") && agent.detail().contains("re-consent at https://x"), agent.detail());
    }
}
