package dev.nexus.server.k8s.inject;

import java.util.Locale;

/** How app traffic reaches the sidecar. */
public enum InjectionMode {
    /** Proxy environment variables ({@code HTTP_PROXY}, ...) in every app container. */
    EXPLICIT,
    /** iptables REDIRECT of outbound 80/443 set up by a NET_ADMIN init container; no proxy variables. */
    TRANSPARENT;

    public String annotationValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the annotation value; returns null when it is neither mode. */
    static InjectionMode fromAnnotation(String value) {
        for (InjectionMode mode : values()) {
            if (mode.annotationValue().equals(value)) {
                return mode;
            }
        }
        return null;
    }
}
