package dev.nexus.proxy.credentials.reconsent;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The Authority's consent calls: {@code POST /v1/request-connection} starts a new consent and answers the new
 * connection id with the {@code auth_url} a human opens; {@code GET /v1/check-connection/{id}} reports
 * {@code active}, {@code pending} or {@code failed}. Failures complete the futures exceptionally.
 */
public interface ConsentAuthority {

    /** A consent in progress: the connection it will become and where a human approves it. */
    record ConsentStart(String newConnectionId, String authUrl) {
    }

    CompletableFuture<ConsentStart> requestConnection(String workspaceId, String providerId, List<String> scopes,
                                                      String returnUrl);

    /** The connection's status as the Authority reports it, lower-case. */
    CompletableFuture<String> checkConnection(String connectionId);
}
