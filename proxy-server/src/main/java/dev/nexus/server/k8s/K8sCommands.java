package dev.nexus.server.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.server.k8s.inject.AdmissionReviewHandler;
import dev.nexus.server.k8s.inject.InjectorConfig;
import dev.nexus.server.k8s.inject.PodInjector;
import dev.nexus.server.k8s.inject.WebhookServer;
import dev.nexus.server.k8s.iptables.IptablesCommand;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Entry points of the Kubernetes subcommands, for the CLI to call as one-liners:
 * {@code nexus-proxy iptables ...} and {@code nexus-proxy inject-webhook ...}. Each returns the process exit
 * code (0 ok, 1 runtime failure, 2 usage or configuration error) and prints errors without stack traces.
 */
public final class K8sCommands {

    static final String INJECT_USAGE = """
            Usage: nexus-proxy inject-webhook --cert FILE --key FILE [--port 8443] [--bind 0.0.0.0] [--config injector.yaml]
              Serves the sidecar injection webhook (admission.k8s.io/v1 AdmissionReview) over HTTPS.
              --cert FILE     PEM certificate chain presented to the API server
              --key FILE      PEM private key (PKCS#8 or PKCS#1)
              --port PORT     HTTPS port (default 8443)
              --bind ADDRESS  listen address (default 0.0.0.0)
              --config FILE   injector configuration (image, resources, service CIDRs, ...); defaults if absent
            """;

    /** How often a handshake may look for a rotated certificate. */
    static final Duration CERTIFICATE_CHECK_INTERVAL = Duration.ofSeconds(30);

    private K8sCommands() {
    }

    /** {@code nexus-proxy iptables --print ...}. */
    public static int iptables(String[] args, PrintStream out, PrintStream err) {
        return IptablesCommand.run(args, out, err);
    }

    /** {@code nexus-proxy inject-webhook ...}: serves until the JVM shuts down (SIGTERM). */
    public static int injectWebhook(String[] args, PrintStream out, PrintStream err) {
        WebhookServer server;
        try {
            server = startWebhook(args, out);
        } catch (CommandFlags.UsageException | IllegalArgumentException e) {
            err.println("nexus-proxy inject-webhook: " + e.getMessage());
            err.print(INJECT_USAGE);
            return 2;
        } catch (IOException e) {
            err.println("nexus-proxy inject-webhook: " + e.getMessage());
            return 1;
        }
        if (server == null) {
            return 0;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "nexus-webhook-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return 0;
    }

    /**
     * Parses the flags and starts the webhook; returns null after printing help. Exposed for tests and for
     * callers that manage the server's lifetime themselves.
     */
    public static WebhookServer startWebhook(String[] args, PrintStream out) throws IOException {
        CommandFlags flags = CommandFlags.parse(args, Set.of("cert", "key", "port", "bind", "config"), Set.of("help"));
        if (flags.has("help")) {
            out.print(INJECT_USAGE);
            return null;
        }
        String cert = flags.value("cert", null);
        String key = flags.value("key", null);
        if (cert == null || key == null) {
            throw new CommandFlags.UsageException("--cert and --key are required");
        }
        int port = flags.intValue("port", 8443, 0, 65535);
        String configFile = flags.value("config", null);
        InjectorConfig config;
        try {
            config = configFile == null ? InjectorConfig.defaults() : InjectorConfig.load(Path.of(configFile));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --config " + configFile + ": " + e.getMessage());
        }
        SSLContext tls;
        try {
            tls = WebhookServer.sslContext(Path.of(cert), Path.of(key), CERTIFICATE_CHECK_INTERVAL);
        } catch (IOException e) {
            // The message names the file; the key's content never appears in it.
            throw new IllegalArgumentException("cannot load --cert/--key: " + e.getMessage());
        }
        ObjectMapper mapper = new ObjectMapper();
        return WebhookServer.start(new InetSocketAddress(flags.value("bind", "0.0.0.0"), port), tls,
                new AdmissionReviewHandler(mapper, new PodInjector(config)), mapper);
    }
}
