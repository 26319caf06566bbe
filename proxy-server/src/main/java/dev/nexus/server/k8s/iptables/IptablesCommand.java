package dev.nexus.server.k8s.iptables;

import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.k8s.CommandFlags;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * {@code nexus-proxy iptables --print [...]}: prints the transparent-mode rules (or with {@code --cleanup}
 * the commands that remove them) as a shell script for an init container or an operator to run.
 * The command never applies anything itself.
 */
public final class IptablesCommand {

    public static final int DEFAULT_PROXY_UID = 1337;
    /** The proxy's default transparent HTTP port, so the defaults of both sides match. */
    public static final int DEFAULT_HTTP_PORT = NexusConfig.Transparent.DEFAULT.http().port();
    /** The proxy's default transparent TLS port. */
    public static final int DEFAULT_HTTPS_PORT = NexusConfig.Transparent.DEFAULT.tls().port();

    static final String USAGE = """
            Usage: nexus-proxy iptables --print [options]
              Prints the iptables/ip6tables commands (nat table, chain NEXUS_OUTPUT) that redirect this
              network namespace's outbound TCP 80 and 443 to the proxy's transparent listeners. Enable
              them in the proxy's config with the same ports (by default they listen on 127.0.0.1 and ::1,
              where REDIRECT delivers IPv4 and IPv6 traffic):
                transparent: {http: {enabled: true, port: %2$d}, tls: {enabled: true, port: %3$d}}
              Run the proxy as --proxy-uid: its own connections are never redirected (no loops).
              --proxy-uid UID        uid of the proxy; its own traffic is never redirected (default %1$d)
              --proxy-gid GID        also exclude traffic of this gid (default: none)
              --http-port PORT       listener for original port 80 (default %2$d)
              --https-port PORT      listener for original port 443 (default %3$d)
              --exclude-cidrs LIST   comma-separated IPv4/IPv6 CIDRs never redirected (repeatable)
              --no-ipv6              omit the ip6tables commands (IPv6 traffic is then not redirected)
              --cleanup              print the commands that remove the rules instead
            """.formatted(DEFAULT_PROXY_UID, DEFAULT_HTTP_PORT, DEFAULT_HTTPS_PORT);

    private IptablesCommand() {
    }

    /** Runs the command; returns the process exit code (0 ok, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandFlags flags;
        IptablesRules rules;
        try {
            flags = CommandFlags.parse(args,
                    Set.of("proxy-uid", "proxy-gid", "http-port", "https-port", "exclude-cidrs"),
                    Set.of("print", "cleanup", "no-ipv6", "help"));
            if (flags.has("help")) {
                out.print(USAGE);
                return 0;
            }
            if (!flags.has("print")) {
                throw new CommandFlags.UsageException("--print is required (this command only prints rules)");
            }
            rules = rulesFrom(flags);
        } catch (CommandFlags.UsageException | IllegalArgumentException e) {
            err.println("nexus-proxy iptables: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        out.print(flags.has("cleanup") ? rules.cleanupScript() : rules.setupScript());
        return 0;
    }

    private static IptablesRules rulesFrom(CommandFlags flags) {
        int uid = flags.intValue("proxy-uid", DEFAULT_PROXY_UID, 0, Integer.MAX_VALUE);
        OptionalInt gid = flags.has("proxy-gid")
                ? OptionalInt.of(flags.intValue("proxy-gid", 0, 0, Integer.MAX_VALUE))
                : OptionalInt.empty();
        int http = flags.intValue("http-port", DEFAULT_HTTP_PORT, 1, 65535);
        int https = flags.intValue("https-port", DEFAULT_HTTPS_PORT, 1, 65535);
        if (http == https) {
            throw new CommandFlags.UsageException("--http-port and --https-port must differ, both are " + http);
        }
        List<Cidr> excluded = new ArrayList<>();
        for (String text : flags.commaList("exclude-cidrs")) {
            try {
                excluded.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                throw new CommandFlags.UsageException("--exclude-cidrs: " + e.getMessage());
            }
        }
        return new IptablesRules(uid, gid, http, https, excluded, !flags.has("no-ipv6"));
    }
}
