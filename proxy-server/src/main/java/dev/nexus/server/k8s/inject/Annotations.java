package dev.nexus.server.k8s.inject;

/** The pod annotations the injector reads and writes; the docs' annotations table lists the same. */
public final class Annotations {

    public static final String PREFIX = "nexus.dev/";
    /** {@code "true"} opts the pod in; {@code "false"} opts it out even in an opted-in namespace. */
    public static final String INJECT = PREFIX + "inject";
    /** Set by the injector on every pod it patched; its presence makes injection a no-op. */
    public static final String INJECTED = PREFIX + "injected";
    /** {@code explicit} (default) or {@code transparent}. */
    public static final String MODE = PREFIX + "mode";
    /** Name of the policy ConfigMap (same namespace) mounted into the sidecar. */
    public static final String POLICY = PREFIX + "policy";
    /** Agent identity handed to the sidecar as {@code NEXUS_AGENT_IDENTITY}. */
    public static final String IDENTITY = PREFIX + "identity";
    /** CPU for the sidecar (request, and limit when a CPU limit is configured). */
    public static final String PROXY_CPU = PREFIX + "proxy-cpu";
    /** Memory for the sidecar (request, and limit when a memory limit is configured). */
    public static final String PROXY_MEMORY = PREFIX + "proxy-memory";

    private Annotations() {
    }
}
