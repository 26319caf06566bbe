package dev.nexus.proxy.decision;

import dev.nexus.policy.match.ConnectionChoices;
import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.exchange.ErrorCode;
import io.netty.handler.codec.http.HttpHeaders;


import java.util.ArrayList;
import java.util.List;

/**
 * On-behalf-of connection selection for an {@code inject} route: reads the connection the agent names
 * in the route's header ({@code Nexus-Connection} by default) or in the reference sidecar's
 * {@code X-Nexus-Connection-ID}, checks it against the route's {@code connection_choices}, and always removes
 * those headers so the origin never sees them (the decide stage strips every other {@code X-Nexus-*}).
 *
 * <p>A pure function of the decision and the headers. The selected id is used as a path segment of
 * the Authority's API, so only ids made of letters, digits and {@code . _ - : @} are accepted.
 */
public final class ConnectionSelection {

    /** The outcome: a decision to go on with, or a refusal to send to the agent. */
    public sealed interface Result permits Selected, Refused {
    }

    /** Go on with {@code decision}, whose {@code connectionId} is the one to use (the route's or the agent's). */
    public record Selected(Decision.Inject decision) implements Result {
    }

    /** Answer {@code error} with {@code detail}; nothing was forwarded. */
    public record Refused(ErrorCode error, String detail) implements Result {
    }

    private static final int MAX_ID_LENGTH = 256;

    private ConnectionSelection() {
    }

    /**
     * Selects the connection for one request and strips the selection header (the route's and the
     * default one) from {@code headers}.
     */
    public static Result select(Decision.Inject decision, HttpHeaders headers) {
        ConnectionChoices choices = decision.connectionChoices();
        List<String> named = new ArrayList<>(headers.getAll(choices.header()));
        // Agents written for the reference sidecar name the connection in X-Nexus-Connection-ID: same rules.
        for (String value : headers.getAll(NexusControlHeaders.CONNECTION_ID)) {
            if (!named.contains(value)) {
                named.add(value);
            }
        }
        headers.remove(choices.header());
        headers.remove(ConnectionChoices.DEFAULT_HEADER);
        headers.remove(NexusControlHeaders.CONNECTION_ID);
        String route = decision.routeName();
        if (named.size() > 1) {
            return notAllowed("name one connection in " + choices.header() + " or " + NexusControlHeaders.CONNECTION_ID
                    + ", not " + named.size());
        }
        String requested = named.isEmpty() ? "" : named.get(0).trim();
        if (requested.isEmpty()) {
            if (decision.connectionId() != null) {
                return new Selected(decision);
            }
            return new Refused(ErrorCode.CONNECTION_REQUIRED, "route \"" + route
                    + "\" needs the agent to name its connection in the " + choices.header() + " header");
        }
        if (!isPlausibleId(requested)) {
            return notAllowed("the " + choices.header() + " header does not hold a connection id");
        }
        if (requested.equals(decision.connectionId())) {
            return new Selected(decision);
        }
        if (choices.permits(requested)) {
            return new Selected(decision.withConnection(requested));
        }
        return notAllowed("route \"" + route + "\" does not let the agent use connection \"" + requested + "\"");
    }

    private static Refused notAllowed(String detail) {
        return new Refused(ErrorCode.CONNECTION_NOT_ALLOWED, detail);
    }

    private static boolean isPlausibleId(String id) {
        if (id.length() > MAX_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || c == ':' || c == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
