package dev.nexus.policy.match;

/**
 * What the policy decides on: one destination as the agent asked for it.
 *
 * @param agent  the agent identity, or {@code "*"}-matching anonymous identity {@code ""} until identities exist
 * @param scheme {@code http} or {@code https}
 * @param host   the host as sent by the agent (the matcher normalises case, trailing dot and IDN)
 * @param port   the destination port
 * @param method the HTTP method; {@code CONNECT} for a tunnel decided before any request is seen
 * @param path   the raw path without query string; {@code null} for a CONNECT decision
 */
public record PolicyRequest(String agent, String scheme, String host, int port, String method, String path) {
}
