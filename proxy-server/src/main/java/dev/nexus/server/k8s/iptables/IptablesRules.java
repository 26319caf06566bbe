package dev.nexus.server.k8s.iptables;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The nat-table rules that send a pod's outbound TCP 80 and 443 to the proxy's transparent listeners
 * (config section {@code transparent}, bound to 127.0.0.1 and ::1, where REDIRECT from {@code OUTPUT}
 * delivers IPv4 and IPv6 traffic).
 *
 * <p>Everything lives in a dedicated {@value #CHAIN} chain jumped to from {@code OUTPUT}, so cleanup is
 * three commands and never touches rules someone else added. Inside the chain, in order: traffic of the
 * proxy's own uid (and gid, when given) returns untouched, which makes redirect loops impossible;
 * loopback destinations return; each excluded CIDR returns; then port 80 and 443 are redirected.
 * The output is deterministic (same options, same text), so it can be reviewed and tested verbatim.
 */
public final class IptablesRules {

    /** The chain this project owns in the nat table. */
    public static final String CHAIN = "NEXUS_OUTPUT";

    private final int proxyUid;
    private final OptionalInt proxyGid;
    private final int httpPort;
    private final int httpsPort;
    private final List<Cidr> excluded;
    private final boolean ipv6;

    /**
     * @param proxyUid  the uid the proxy runs as; its traffic is never redirected
     * @param proxyGid  optionally also exclude this gid
     * @param httpPort  port of the transparent HTTP listener, for original port 80
     * @param httpsPort port of the transparent TLS listener, for original port 443
     * @param excluded  destinations never redirected (both families; each goes to its own table)
     * @param ipv6      also emit ip6tables rules
     */
    public IptablesRules(int proxyUid, OptionalInt proxyGid, int httpPort, int httpsPort, List<Cidr> excluded,
                         boolean ipv6) {
        this.proxyUid = proxyUid;
        this.proxyGid = Objects.requireNonNull(proxyGid, "proxyGid");
        this.httpPort = httpPort;
        this.httpsPort = httpsPort;
        this.excluded = List.copyOf(excluded);
        this.ipv6 = ipv6;
    }

    /** The setup commands: IPv4 first, then IPv6 when enabled. */
    public List<String> setupCommands() {
        List<String> out = new ArrayList<>(setup("iptables", "127.0.0.0/8", false));
        if (ipv6) {
            out.addAll(setup("ip6tables", "::1/128", true));
        }
        return out;
    }

    /**
     * The commands that remove exactly what {@link #setupCommands()} added: unhook the chain from
     * {@code OUTPUT}, flush it, delete it.
     */
    public List<String> cleanupCommands() {
        List<String> out = new ArrayList<>(cleanup("iptables"));
        if (ipv6) {
            out.addAll(cleanup("ip6tables"));
        }
        return out;
    }

    /** A POSIX shell script applying the setup commands, failing on the first error. */
    public String setupScript() {
        return script("setup", setupCommands());
    }

    /** A POSIX shell script applying the cleanup commands, failing on the first error. */
    public String cleanupScript() {
        return script("cleanup", cleanupCommands());
    }

    private List<String> setup(String tool, String loopback, boolean v6) {
        String nat = tool + " -t nat ";
        List<String> out = new ArrayList<>();
        out.add(nat + "-N " + CHAIN);
        out.add(nat + "-A " + CHAIN + " -m owner --uid-owner " + proxyUid + " -j RETURN");
        proxyGid.ifPresent(gid -> out.add(nat + "-A " + CHAIN + " -m owner --gid-owner " + gid + " -j RETURN"));
        out.add(nat + "-A " + CHAIN + " -d " + loopback + " -j RETURN");
        for (Cidr cidr : excluded) {
            if (cidr.ipv6() == v6) {
                out.add(nat + "-A " + CHAIN + " -d " + cidr + " -j RETURN");
            }
        }
        out.add(nat + "-A " + CHAIN + " -p tcp --dport 80 -j REDIRECT --to-ports " + httpPort);
        out.add(nat + "-A " + CHAIN + " -p tcp --dport 443 -j REDIRECT --to-ports " + httpsPort);
        out.add(nat + "-A OUTPUT -p tcp -j " + CHAIN);
        return out;
    }

    private static List<String> cleanup(String tool) {
        String nat = tool + " -t nat ";
        return List.of(
                nat + "-D OUTPUT -p tcp -j " + CHAIN,
                nat + "-F " + CHAIN,
                nat + "-X " + CHAIN);
    }

    private String script(String what, List<String> commands) {
        StringBuilder sb = new StringBuilder();
        sb.append("#!/bin/sh\n");
        sb.append("# nexus-proxy transparent interception: ").append(what)
                .append(" (nat table, chain ").append(CHAIN).append(")\n");
        sb.append("set -eu\n");
        for (String command : commands) {
            sb.append(command).append('\n');
        }
        return sb.toString();
    }
}
