/**
 * Response-side redaction: whatever an origin sends back on an {@code inject} route is scanned for the
 * injected secret, and every occurrence is overwritten with {@code *} bytes of the same length before
 * the agent sees it, so an echoing origin cannot hand the credential to the agent.
 *
 * <p>What is looked for: {@link dev.nexus.proxy.redact.SecretForms} turns the credential values a
 * strategy uses ({@link dev.nexus.proxy.strategy.CredentialStrategy#secretValues}) into their spellings
 * (raw, JSON-escaped, percent-encoded, the basic_auth base64 pair), at least
 * {@link dev.nexus.proxy.redact.SecretPatterns#MIN_SECRET_BYTES} long;
 * {@link dev.nexus.proxy.redact.SecretPatterns} compiles them into one automaton, once per lease and
 * strategy ({@link dev.nexus.proxy.redact.SecretPatternCache}, one per proxy in the shared services).
 * {@link dev.nexus.proxy.redact.StreamRedactor} applies it to a stream of buffers, in place.
 *
 * <p>The stages call {@link dev.nexus.proxy.redact.ResponseRedaction} only: the decide stage refuses TRACE
 * on inject routes ({@code refuses}); the credential stage narrows the request's codings
 * ({@code prepareRequest}) and opens a redaction whenever a plan is adopted, first and after a 401 refresh
 * ({@code open}); the relay-response stage redacts interim heads ({@code headers}), checks and redacts the
 * final head before framing it ({@code head}: {@code false} means 502 {@code unscannable_response}) and each
 * body piece ({@code body}; a {@link dev.nexus.proxy.redact.RedactionFailure} cuts the response); the upgrade
 * stage scans the relayed stream ({@code scanUpgraded}); the exchange redacts its own error answers
 * ({@code error}) and reports once when it is over ({@code finish}).
 */
package dev.nexus.proxy.redact;
