package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;

import java.util.List;

/**
 * Applies a lease's credentials to an outgoing request, one of the six types of the Nexus execution
 * contract. Implementations are immutable and thread-safe: one instance serves every request of a
 * route or lease.
 *
 * <p>The caller's order is: {@link #stripAgentCredentials} as soon as the request head is known,
 * buffer the body if {@link #needsBody()}, then {@link #apply} as the very last change to the request.
 */
public interface CredentialStrategy {

    StrategyType type();

    /** Whether {@link #apply} reads {@link OutboundRequest#body()}, so the caller must buffer it. */
    boolean needsBody();

    /**
     * Whether this request's body must be buffered, asked after {@link #stripAgentCredentials}: a strategy
     * that signs bodies may sign some requests without reading theirs (aws_sigv4's streaming uploads and
     * presigned URLs).
     */
    default boolean needsBody(OutboundRequest request) {
        return needsBody();
    }

    /**
     * Removes whatever the agent sent that could collide with or observe the injected credential
     * (the target header or query parameter, placeholder signatures), so the agent can neither choose
     * nor see the injected value.
     *
     * @throws StrategyException of kind {@link StrategyException.Kind#UNSUPPORTED_REQUEST} when the
     *                           request cannot be signed as sent
     */
    void stripAgentCredentials(OutboundRequest request);

    /**
     * Injects the credentials. Never releases the request body. When the body must stream through a
     * {@link StreamingBodySigner}, it is left on {@link OutboundRequest#streamingBodySigner()}.
     *
     * @throws StrategyException when a credential field is missing, empty or unusable
     */
    void apply(OutboundRequest request, Lease lease);

    /**
     * The secret material this strategy takes from {@code lease}: the value of every credential field
     * it reads (absent fields left out) and any form derived from them that it puts on the wire as is
     * (the {@code basic_auth} base64 pair). Response redaction looks for these; never log them.
     */
    List<String> secretValues(Lease lease);
}
