/**
 * TLS interception building blocks: the proxy's CA, leaf certificates minted per host, the cache of
 * agent-facing TLS contexts, verified TLS to origins, and the handler that terminates an agent's TLS
 * inside a CONNECT tunnel.
 *
 * <h2>Wiring (done by the ingress code)</h2>
 * <pre>
 * startup:
 *   TlsProvider provider = TlsProvider.choose(Preference.parse(config.tls.provider));   // logs the choice
 *   CertificateAuthority ca = CertificateAuthority.loadOrGenerate(activeFiles, nextFilesOrNull);
 *   InterceptionContexts leaves = new InterceptionContexts(ca, provider, settings, prometheusRegistry);
 *   UpstreamTlsContexts upstream = new UpstreamTlsContexts(provider, extraCaBundleOrNull);
 *
 * agent channel, on CONNECT host:port whose route intercepts:
 *   write "200 Connection Established", remove the HTTP server codec, then
 *   pipeline.addLast(new InterceptingTlsHandler(connectHost, leaves));   // becomes "intercept-tls" SslHandler
 *   pipeline.addLast(new HttpServerCodec(), ...request path...);          // sees decrypted HTTP/1.1
 *   count InterceptionRefusedEvent user events (SNI mismatch, no certificate); the channel is closed.
 *
 * upstream channel to the origin:
 *   pipeline.addFirst(upstream.newHandler(ch.alloc(), host, port));       // SNI + hostname verification
 *   on handshake failure: 502 with TlsFailureReason.describe(cause, host)
 * </pre>
 *
 * <p>The SNI rule (see {@link dev.nexus.proxy.tls.SniVerifier}): the ClientHello's server name must
 * equal the CONNECT host (case and trailing dot ignored) or be absent; the leaf is always for the
 * CONNECT host. Minting never runs on an event loop.
 */
package dev.nexus.proxy.tls;
