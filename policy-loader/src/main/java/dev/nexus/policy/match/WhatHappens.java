package dev.nexus.policy.match;

import dev.nexus.policy.pattern.PathAmbiguity;

/**
 * The last line of {@code policy explain}: what the proxy does on the wire for a decision, so that an operator
 * sees whether a credential travels inside TLS the proxy terminates, in cleartext HTTP, or not at all.
 */
final class WhatHappens {

    private WhatHappens() {
    }

    static String describe(Decision decision, PolicyRequest request) {
        if (!(decision instanceof Decision.Destined destined)) {
            return PathAmbiguity.reason(request.path()) != null
                    ? "refused with 400 (ambiguous path); nothing is sent to the destination"
                    : "refused with 403; nothing is sent to the destination";
        }
        boolean inject = destined instanceof Decision.Inject;
        boolean https = "https".equalsIgnoreCase(request.scheme());
        if (!https) {
            return inject
                    ? "cleartext HTTP: the request is forwarded unencrypted with the credential added, which anyone"
                    + " on the network path can read"
                    : "cleartext HTTP: the request is forwarded unencrypted, without credentials";
        }
        if (!destined.options().interceptTls()) {
            return "tunnel: the CONNECT is relayed byte for byte, the agent's TLS reaches the origin untouched and"
                    + " the proxy sees no request inside it";
        }
        return "TLS intercepted: the proxy terminates the agent's TLS with its CA, decides each request inside on its"
                + " own, and sends it to the origin over a new verified TLS connection"
                + (inject ? " with the credential added" : " without credentials");
    }
}
