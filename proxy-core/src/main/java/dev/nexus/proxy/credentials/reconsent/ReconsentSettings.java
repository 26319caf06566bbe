package dev.nexus.proxy.credentials.reconsent;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code authority.nexus.reconsent}: what the proxy needs to start a new consent itself when a connection needs
 * attention. Only connections listed here are re-consented; others just report {@code attention_required}.
 *
 * @param workspaceId  the Authority workspace new connections belong to
 * @param returnUrl    where the provider sends the human after approving
 * @param connections  per connection id: the provider and scopes to ask for
 * @param pollInitial  first delay between {@code check-connection} polls (doubles up to {@code pollMax})
 * @param pollMax      longest delay between polls
 * @param pollFor      how long a started consent is polled (and its link handed out) before it is given up
 */
public record ReconsentSettings(String workspaceId, String returnUrl, Map<String, Provider> connections,
                                Duration pollInitial, Duration pollMax, Duration pollFor) {

    /** The provider id and scopes of one connection's consent. */
    public record Provider(String providerId, List<String> scopes) {
        public Provider {
            Objects.requireNonNull(providerId, "provider id");
            scopes = List.copyOf(scopes);
        }
    }

    public ReconsentSettings {
        Objects.requireNonNull(workspaceId, "reconsent workspace_id");
        Objects.requireNonNull(returnUrl, "reconsent return_url");
        connections = Map.copyOf(connections);
        pollInitial = pollInitial == null ? Duration.ofSeconds(1) : pollInitial;
        pollMax = pollMax == null ? Duration.ofSeconds(30) : pollMax;
        pollFor = pollFor == null ? Duration.ofHours(24) : pollFor;
    }
}
