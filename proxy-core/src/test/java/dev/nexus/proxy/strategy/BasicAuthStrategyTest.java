package dev.nexus.proxy.strategy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.nexus.proxy.strategy.TestRequests.inject;
import static dev.nexus.proxy.strategy.TestRequests.lease;
import static dev.nexus.proxy.strategy.TestRequests.request;
import static dev.nexus.proxy.strategy.TestRequests.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BasicAuthStrategyTest {

    @Test
    void defaultsReadUsernameAndPasswordAsInRfc7617() {
        OutboundRequest request = inject(strategy("basic_auth", Map.of()), request("GET", "/"),
                lease("basic_auth", Map.of("username", "Aladdin", "password", "open sesame")));

        assertEquals("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", request.headers().get("Authorization"));
    }

    @Test
    void fieldNamesAreConfigurable() {
        CredentialStrategy basic = strategy("basic_auth", Map.of("username_field", "client_id", "password_field", "client_secret"));

        OutboundRequest request = inject(basic, request("GET", "/"),
                lease("basic_auth", Map.of("client_id", "Aladdin", "client_secret", "open sesame", "username", "other")));

        assertEquals("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", request.headers().get("Authorization"));
    }

    @Test
    void agentAuthorizationIsReplaced() {
        OutboundRequest request = request("GET", "/", "Authorization", "Basic cGxhY2Vob2xkZXI6eA==");

        inject(strategy("basic_auth", Map.of()), request, lease("basic_auth", Map.of("username", "Aladdin", "password", "open sesame")));

        assertEquals(List.of("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), request.headers().getAll("Authorization"));
    }

    @Test
    void missingPasswordNamesThePasswordField() {
        StrategyException error = assertThrows(StrategyException.class, () -> strategy("basic_auth", Map.of("password_field", "pw"))
                .apply(request("GET", "/"), lease("basic_auth", Map.of("username", "u", "pw", ""))));

        assertEquals("strategy basic_auth: credential field \"pw\" is missing or empty", error.getMessage());
        assertEquals("pw", error.field());
    }

    @Test
    void missingUsernameNamesTheUsernameField() {
        StrategyException error = assertThrows(StrategyException.class, () -> strategy("basic_auth", Map.of())
                .apply(request("GET", "/"), lease("basic_auth", Map.of("password", "p"))));

        assertEquals("strategy basic_auth: credential field \"username\" is missing or empty", error.getMessage());
    }
}
