package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.exchange.GrpcRequests;

import java.util.List;

/**
 * {@code query_param}: puts {@code param_name=credentials[credential_field]} (default field
 * {@code api_key}) into the query, percent-encoded with RFC 3986 unreserved characters kept. Every
 * occurrence the agent sent is removed first, in any letter case and after either separator
 * ({@code TOKEN=}, {@code ;token=}: origins that read names case-insensitively or split on {@code ;}
 * must not see a second value), and the new parameter is appended; the rest of the
 * query stays byte-identical. (The reference bridge re-encodes and re-sorts the whole query; this
 * proxy deliberately does not, so signatures and caches keyed on the agent's query keep working.)
 * A gRPC call ({@code content-type: application/grpc...}) has no query: the Nexus protocol makes
 * {@code query_param} an error there, answered 501.
 */
final class QueryParamStrategy implements CredentialStrategy {

    private final String paramName;
    private final String credentialField;

    QueryParamStrategy(String paramName, String credentialField) {
        this.paramName = paramName;
        this.credentialField = credentialField;
    }

    @Override
    public StrategyType type() {
        return StrategyType.QUERY_PARAM;
    }

    @Override
    public boolean needsBody() {
        return false;
    }

    @Override
    public void stripAgentCredentials(OutboundRequest request) {
        String query = request.rawQuery();
        String stripped = QueryParameters.remove(query, paramName::equalsIgnoreCase);
        if (stripped != query) {
            request.setRawQuery(stripped);
        }
    }

    @Override
    public void apply(OutboundRequest request, Lease lease) {
        if (GrpcRequests.isGrpc(request.headers())) {
            throw new StrategyException(StrategyException.Kind.UNSUPPORTED_REQUEST, StrategyType.QUERY_PARAM,
                    paramName, "strategy query_param: a gRPC call has no query to carry the credential;"
                    + " gRPC destinations need a header-based strategy");
        }
        String credential = CredentialFields.require(lease, StrategyType.QUERY_PARAM, credentialField);
        String query = QueryParameters.remove(request.rawQuery(), paramName::equalsIgnoreCase);
        request.setRawQuery(QueryParameters.append(query, paramName, credential));
    }

    @Override
    public List<String> secretValues(Lease lease) {
        return CredentialFields.present(lease, credentialField);
    }

    @Override
    public String toString() {
        return "query_param[param=" + paramName + ", field=" + credentialField + "]";
    }
}
