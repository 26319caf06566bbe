/**
 * The neutral model every stage of the data plane shares: where a request goes ({@link
 * dev.nexus.proxy.exchange.RequestTarget}), who sent it ({@link dev.nexus.proxy.exchange.AgentIdentity}) and
 * how ({@link dev.nexus.proxy.exchange.AgentProtocol}), whether it is a gRPC call ({@link
 * dev.nexus.proxy.exchange.GrpcRequests}),
 * the proxy's own error answers ({@link dev.nexus.proxy.exchange.ErrorCode},
 * {@link dev.nexus.proxy.exchange.ErrorResponses}), the registry of open agent connections
 * ({@link dev.nexus.proxy.exchange.ConnectionTracker}) and how an exchange's messages are framed on an HTTP/2
 * stream, agent side and origin side alike ({@link dev.nexus.proxy.exchange.EmptyBodyCoalescer}).
 *
 * <p>It depends on no other package of proxy-core, so ingress, decision, inject, relay, identity and
 * observe may all import it without forming a cycle.
 */
package dev.nexus.proxy.exchange;
