package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nexus.server.k8s.iptables.Cidr;
import dev.nexus.server.k8s.iptables.IptablesRules;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Both halves of transparent mode, derived from the same injector settings so they cannot disagree: the
 * iptables rules the init container applies (redirect 80 and 443 to the listener ports, never the proxy's
 * own uid) and the sidecar environment that turns those listeners on at exactly those ports.
 *
 * <p>The sidecar's {@code config.yaml} is one ConfigMap per namespace, shared by explicit and transparent
 * pods, so it enables the listeners through these variables (the chart's {@code nexus-proxy.config} helper):
 * <pre>
 * transparent:
 *   http: {enabled: "${NEXUS_TRANSPARENT_ENABLED:-false}", port: "${NEXUS_TRANSPARENT_HTTP_PORT:-15080}"}
 *   tls:  {enabled: "${NEXUS_TRANSPARENT_ENABLED:-false}", port: "${NEXUS_TRANSPARENT_TLS_PORT:-15443}"}
 * </pre>
 * An explicit pod's sidecar gets none of them, so its listeners stay off.
 */
public final class TransparentRedirect {

    /** {@code "true"} in a transparent pod's sidecar: enables both transparent listeners. */
    public static final String ENABLED_ENV = "NEXUS_TRANSPARENT_ENABLED";
    /** The port the sidecar's transparent HTTP listener binds; the rules redirect port 80 there. */
    public static final String HTTP_PORT_ENV = "NEXUS_TRANSPARENT_HTTP_PORT";
    /** The port the sidecar's transparent TLS listener binds; the rules redirect port 443 there. */
    public static final String TLS_PORT_ENV = "NEXUS_TRANSPARENT_TLS_PORT";
    /** Every variable this class sets; {@code extraEnv} may not set them too. */
    public static final List<String> ENV_NAMES = List.of(ENABLED_ENV, HTTP_PORT_ENV, TLS_PORT_ENV);

    private final InjectorConfig config;

    TransparentRedirect(InjectorConfig config) {
        this.config = config;
    }

    /** The rules for the init container: the service CIDRs and {@code transparent.excludeCidrs} excluded. */
    IptablesRules rules() {
        List<Cidr> excluded = new ArrayList<>();
        for (String cidr : config.serviceCidrs()) {
            excluded.add(Cidr.parse(cidr));
        }
        excluded.addAll(config.excludeCidrs());
        return new IptablesRules(config.proxyUid(), OptionalInt.empty(), config.transparentHttpPort(),
                config.transparentHttpsPort(), excluded, true);
    }

    /** The sidecar variables that enable the listeners the {@link #rules()} redirect to. */
    List<ObjectNode> sidecarEnv() {
        return List.of(
                InjectedResources.env(ENABLED_ENV, "true"),
                InjectedResources.env(HTTP_PORT_ENV, Integer.toString(config.transparentHttpPort())),
                InjectedResources.env(TLS_PORT_ENV, Integer.toString(config.transparentHttpsPort())));
    }
}
