package dev.nexus.proxy.ingress;

/**
 * Where an intercepted CONNECT leads and the route that allowed it: what the stages installed inside the
 * tunnel bind their requests to, and what a refusal's log line names.
 *
 * @param routeName the policy route that decided the CONNECT ({@code null} when unnamed)
 */
record TunnelDestination(String host, int port, String routeName) {

    /** {@code host:port (route "name")}, for log lines. */
    String describe() {
        String authority = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        return routeName == null ? authority : authority + " (route \"" + routeName + "\")";
    }
}
