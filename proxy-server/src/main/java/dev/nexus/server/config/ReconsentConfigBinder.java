package dev.nexus.server.config;

import dev.nexus.proxy.credentials.reconsent.ReconsentSettings;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Binds {@code authority.nexus.reconsent}: the workspace and return URL of the consents the proxy starts itself
 * when a connection needs attention, and per connection the provider and scopes to ask for. Kept apart from
 * {@link ConfigLoader} because it has fields and cross-checks of its own (every listed connection must be
 * one the Nexus Authority serves).
 */
final class ReconsentConfigBinder {

    private static final Duration MIN_POLL = Duration.ofMillis(100);

    private ReconsentConfigBinder() {
    }

    /** Empty when the section is absent: then connections needing attention only report it. */
    static Optional<ReconsentSettings> bind(ConfigSection s) throws ConfigException {
        if (!s.present()) {
            return Optional.empty();
        }
        String workspaceId = s.optionalString("workspace_id")
                .orElseThrow(() -> s.error(s.pathOf("workspace_id"), "required (the Authority workspace new connections belong to)"));
        URI returnUrl = ConfigLoader.httpUrl(s, "return_url")
                .orElseThrow(() -> s.error(s.pathOf("return_url"), "required (where the provider sends the human after approving)"));
        Duration pollInitial = s.duration("poll_initial", Duration.ofSeconds(1), MIN_POLL, Duration.ofHours(1));
        Duration pollMax = s.duration("poll_max", Duration.ofSeconds(30), MIN_POLL, Duration.ofHours(1));
        Duration pollFor = s.duration("poll_for", Duration.ofHours(24), Duration.ofSeconds(1), Duration.ofDays(30));
        ConfigSection section = s.section("connections");
        Map<String, ReconsentSettings.Provider> connections = new LinkedHashMap<>();
        for (String id : section.keys()) {
            connections.put(id, provider(section.section(id)));
        }
        section.finish();
        s.finish();
        if (connections.isEmpty()) {
            throw s.error(s.pathOf("connections"), "name at least one connection with its provider_id and scopes");
        }
        if (pollMax.compareTo(pollInitial) < 0) {
            throw s.error(s.pathOf("poll_max"), "must not be shorter than poll_initial (" + pollInitial + ")");
        }
        return Optional.of(new ReconsentSettings(workspaceId, returnUrl.toString(), connections, pollInitial, pollMax,
                pollFor));
    }

    private static ReconsentSettings.Provider provider(ConfigSection s) throws ConfigException {
        String providerId = s.optionalString("provider_id")
                .orElseThrow(() -> s.error(s.pathOf("provider_id"), "required (the provider the new consent is for)"));
        var provider = new ReconsentSettings.Provider(providerId, s.stringList("scopes"));
        s.finish();
        return provider;
    }

    /** Every re-consented connection is served by the Nexus Authority: only it can start a consent. */
    static void checkServedByAuthority(ConfigSection nexus, NexusConfig.Authority authority) throws ConfigException {
        Optional<ReconsentSettings> reconsent = authority.nexus().reconsent();
        if (reconsent.isEmpty()) {
            return;
        }
        for (String id : reconsent.get().connections().keySet()) {
            NexusConfig.SourceType source = authority.sourceOf(id);
            if (source != NexusConfig.SourceType.NEXUS) {
                throw nexus.error(nexus.pathOf("reconsent") + ".connections." + id, "is served by the "
                        + source.name().toLowerCase(Locale.ROOT) + " source; only connections the Nexus Authority"
                        + " serves can be re-consented (set authority.type or authority.connections." + id + " to nexus)");
            }
        }
    }
}
