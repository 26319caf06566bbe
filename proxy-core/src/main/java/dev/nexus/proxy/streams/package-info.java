/**
 * Long-lived exchanges and tunnels as one registry ({@link dev.nexus.proxy.streams.LiveStreams}): every
 * exchange opened with an injected credential (an HTTP exchange, a WebSocket after its 101, and later an
 * HTTP/2 stream) and every CONNECT tunnel registers here while it is open, so that a revoked credential
 * ends every stream that still carries it, route lifetimes are enforced, and the admin API can list what
 * each agent holds open.
 *
 * <p>A stream registers with a {@link dev.nexus.proxy.streams.LiveStream} (how to end it) and a
 * {@link dev.nexus.proxy.streams.StreamInfo} (what to show), and removes itself when it ends. The
 * package imports only the policy model and {@code exchange}, so ingress, relay and upstream may all use it.
 */
package dev.nexus.proxy.streams;
