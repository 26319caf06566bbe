/**
 * Credentials for {@code inject} routes: where they come from, how long they are kept, and what the
 * agent is told when there are none.
 * <p>
 * The data plane only sees {@link dev.nexus.proxy.credentials.LeaseProvider}: {@code lease(id)} for each
 * injected request, {@code refreshAfterRejection(id, lease)} after an upstream 401 (then replay once),
 * and {@link dev.nexus.proxy.credentials.AgentCredentialError} to turn a failure into the agent's error.
 * Typical wiring:
 * <pre>{@code
 * CredentialSource source = new NexusAuthoritySource(NexusAuthoritySettings.of(baseUrl, apiKey), registry);
 * //   or, for development: new FileCredentialSource(Path.of("credentials.yaml"), false);
 * //   or, per connection:  new SourcesByConnection(Map.of("billing", oauth2Source), authoritySource);
 * LeaseProvider leases = LeaseCache.builder(source, registry)
 *         .sharedStore(redisStoreOrNull)       // L2 across replicas, optional
 *         .settings(LeaseCacheSettings.defaults())
 *         .build();
 * }</pre>
 * Layout:
 * <ul>
 *   <li>this package: the contracts ({@code Lease}, {@code CredentialSource}, {@code LeaseProvider},
 *       {@code SharedLeaseStore}, {@code CredentialException}), the token document parser shared by the sources,
 *       {@code SourcesByConnection} (a source per connection) and {@code PrivateFiles} (0600 files, atomic rewrites);</li>
 *   <li>{@code http}: the asynchronous HTTP client, TLS files and bounded answers the remote sources share;</li>
 *   <li>{@code nexus}: the Authority's v1 gateway over HTTP(S);</li>
 *   <li>{@code oauth2}: OAuth 2.0 token endpoints (client credentials, refresh token) without an Authority;</li>
 *   <li>{@code file}: the local YAML credential file;</li>
 *   <li>{@code cache}: the L1 cache with refresh-ahead, single-flight, backoff, circuit breaker and the L2 protocol;</li>
 *   <li>{@code redis}: the {@code SharedLeaseStore} on Redis.</li>
 * </ul>
 * Secret values live only in {@link dev.nexus.proxy.credentials.Lease#credentials()}: every message,
 * {@code toString()}, log record and metric in these packages is built without them.
 */
package dev.nexus.proxy.credentials;
