package dev.nexus.server;

import dev.nexus.policy.cli.PolicyCli;
import dev.nexus.proxy.identity.AgentsFileCommands;
import dev.nexus.proxy.tls.CaCommands;
import dev.nexus.proxy.tls.CaFiles;
import dev.nexus.server.cli.CaCommandLine;
import dev.nexus.server.cli.CliContext;
import dev.nexus.server.cli.NexusCli;
import dev.nexus.server.cli.PolicyCommandLine;
import dev.nexus.server.cli.SimpleCommand;
import dev.nexus.server.cli.UsageException;
import dev.nexus.server.k8s.K8sCommands;
import dev.nexus.server.runtime.DataPlaneRuntime;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Entry point of {@code nexus-proxy}: builds the command line and exits with its code. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Logging.configure();
        System.exit(commandLine().execute(CliContext.system(), args));
    }

    private static int usage(String synopsis) throws UsageException {
        throw new UsageException("usage: " + synopsis);
    }

    /** Every command of this build. */
    static NexusCli commandLine() {
        return new NexusCli(List.of(
                new RunCommand(DataPlaneRuntime::new),
                PolicyCommandLine.group(new PolicyCommandLine.Actions() {
                    @Override
                    public int check(Path policy, CliContext context) {
                        return PolicyCli.check(policy, context.out(), context.err());
                    }

                    @Override
                    public int explain(Path policy, URI url, Optional<String> agent, String method, CliContext context) {
                        return PolicyCli.explain(policy, agent.orElse(""), url.toString(), method, context.out(),
                                context.err());
                    }
                }),
                new SimpleCommand("agents", "hash [--iterations N]",
                        "Read an agent's secret from standard input and print its hash line for the agents file",
                        (args, context) -> args.isEmpty() || !args.get(0).equals("hash")
                                ? usage("nexus-proxy agents hash [--iterations N]")
                                : AgentsFileCommands.hash(args.subList(1, args.size()).toArray(String[]::new),
                                        context.out(), context.err())),
                new SimpleCommand("iptables", "--print [OPTIONS]",
                        "Print the iptables rules that redirect a pod's traffic to the proxy (transparent mode)",
                        (args, context) -> K8sCommands.iptables(args.toArray(String[]::new), context.out(), context.err())),
                new SimpleCommand("inject-webhook", "--cert FILE --key FILE [--port 8443] [--config injector.yaml]",
                        "Serve the Kubernetes sidecar injection webhook",
                        (args, context) -> K8sCommands.injectWebhook(args.toArray(String[]::new), context.out(),
                                context.err())),
                CaCommandLine.group(new CaCommandLine.Actions() {
                    @Override
                    public int init(Path dir, boolean force, CliContext context) {
                        return CaCommands.init(dir, force, context.out(), context.err());
                    }

                    @Override
                    public int export(Path dir, CliContext context) {
                        return CaCommands.export(CaFiles.inDirectory(dir), null, context.out(),
                                context.err());
                    }
                })));
    }
}
