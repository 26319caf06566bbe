package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.HttpsParameters;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The mutating admission webhook over HTTPS, on the JDK's {@link HttpsServer}: a control-plane endpoint that
 * sees a few requests per pod creation, so two worker threads are plenty.
 *
 * <p>Paths: {@value #PATH_ANNOTATION} (pods opt in with {@code nexus.dev/inject: "true"}),
 * {@value #PATH_NAMESPACE} (the namespace is labelled {@code nexus.dev/inject=enabled}; pods may opt out)
 * and {@code /healthz} for the webhook's own probes. The MutatingWebhookConfiguration in the Helm chart
 * routes each of its two webhooks to one of the first two paths.
 */
public final class WebhookServer implements AutoCloseable {

    public static final String PATH_ANNOTATION = "/inject";
    public static final String PATH_NAMESPACE = "/inject-namespace";
    /** AdmissionReviews are small; the API server caps objects at about 1.5 MiB. */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    private static final System.Logger LOG = System.getLogger(WebhookServer.class.getName());

    private final HttpsServer server;
    private final ExecutorService workers;

    private WebhookServer(HttpsServer server, ExecutorService workers) {
        this.server = server;
        this.workers = workers;
    }

    /**
     * A server-side SSLContext serving the PEM pair and reloading it when the files change (checked at most
     * once per {@code checkInterval}, on a handshake), so certificate rotation needs no restart.
     */
    public static SSLContext sslContext(Path certChainPem, Path privateKeyPem, Duration checkInterval) throws IOException {
        ReloadingKeyManager keyManager = ReloadingKeyManager.load(certChainPem, privateKeyPem, checkInterval);
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[]{keyManager}, null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS is not available in this JVM: " + e.getMessage(), e);
        }
    }

    public static WebhookServer start(InetSocketAddress address, SSLContext tls, AdmissionReviewHandler handler,
                                      ObjectMapper mapper) throws IOException {
        HttpsServer server = HttpsServer.create(address, 64);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = tls.getDefaultSSLParameters();
                parameters.setProtocols(new String[]{"TLSv1.3", "TLSv1.2"});
                params.setSSLParameters(parameters);
            }
        });
        AtomicInteger threads = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "nexus-webhook-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext(PATH_ANNOTATION, exchange -> serveReview(exchange, handler, mapper, false));
        server.createContext(PATH_NAMESPACE, exchange -> serveReview(exchange, handler, mapper, true));
        server.createContext("/healthz", exchange -> respond(exchange, 200, "text/plain", "ok\n"));
        server.start();
        InetSocketAddress bound = server.getAddress();
        LOG.log(System.Logger.Level.INFO, "sidecar injection webhook listening on https://{0}:{1,number,#}",
                bound.getHostString(), bound.getPort());
        return new WebhookServer(server, workers);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(1);
        workers.shutdownNow();
    }

    private static void serveReview(HttpExchange exchange, AdmissionReviewHandler handler, ObjectMapper mapper,
                                    boolean namespaceOptIn) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
                respond(exchange, 404, "application/json", "{\"error\":\"not found\"}");
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "POST");
                respond(exchange, 405, "application/json", "{\"error\":\"use POST with an AdmissionReview\"}");
                return;
            }
            byte[] body = readBounded(exchange.getRequestBody());
            if (body == null) {
                respond(exchange, 413, "application/json", "{\"error\":\"AdmissionReview larger than " + MAX_BODY_BYTES + " bytes\"}");
                return;
            }
            JsonNode answer;
            try {
                answer = handler.review(mapper.readTree(body), namespaceOptIn);
            } catch (JacksonException | IllegalArgumentException e) {
                String detail = e instanceof JacksonException ? "body is not JSON" : e.getMessage();
                respond(exchange, 400, "application/json",
                        mapper.createObjectNode().put("error", "bad AdmissionReview").put("detail", detail).toString());
                return;
            } catch (RuntimeException e) {
                // A bug, not a bad pod: answer 500 so the API server applies the webhook's failurePolicy.
                LOG.log(System.Logger.Level.ERROR, "admission review failed", e);
                respond(exchange, 500, "application/json", "{\"error\":\"internal error in the injector\"}");
                return;
            }
            respond(exchange, 200, "application/json", mapper.writeValueAsString(answer));
        }
    }

    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] data = in.readNBytes(MAX_BODY_BYTES + 1);
        return data.length > MAX_BODY_BYTES ? null : data;
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
