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
 * strategy ({@link dev.nexus.proxy.redact.SecretPatternCache}, owned by the credential injector).
 * {@link dev.nexus.proxy.redact.StreamRedactor} applies it to a stream of buffers, in place.
 *
 * <p>The forwarding path calls {@link dev.nexus.proxy.redact.ResponseRedaction} only, at these hooks:
 * <ol>
 *   <li>request head on an inject route: {@code refuses(method)} (405 for TRACE) and
 *       {@code prepareRequest(outboundHeaders, decision)} (Accept-Encoding, Sec-WebSocket-Extensions);</li>
 *   <li>plan known (first and after a 401 refresh): {@code open(plan, injector.secretPatterns(), events)};</li>
 *   <li>each response head: {@code headers(headers)} for 1xx and 101, {@code head(response, method)}
 *       for a final response before it is framed for the agent ({@code false}: answer 502
 *       {@code unscannable_response});</li>
 *   <li>each body piece: {@code content = body(content, agentCtx)} before writing
 *       ({@link dev.nexus.proxy.redact.RedactionFailure}: cut the response);</li>
 *   <li>each error answer: {@code error(response)}; after a 101: {@code scanUpgraded(upstreamPipeline, relayName)};</li>
 *   <li>once, when the exchange or its tunnel is over: {@code finish(auditSink)}.</li>
 * </ol>
 */
package dev.nexus.proxy.redact;
