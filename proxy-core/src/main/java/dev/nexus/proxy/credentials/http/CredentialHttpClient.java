package dev.nexus.proxy.credentials.http;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;

import javax.net.ssl.SSLContext;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP side every remote credential source shares (the Authority's gateway, OAuth 2 token endpoints):
 * one JDK {@link HttpClient} on its own daemon threads, HTTP/1.1, no redirects, the TLS files' context,
 * a connect timeout, a response timeout that also bounds a body that never ends, answers of at most
 * {@link #MAX_BODY_BYTES}, and transport failures turned into {@link Kind#UNAVAILABLE} messages that
 * name the peer and never a request header or body. Fully asynchronous.
 */
public final class CredentialHttpClient implements AutoCloseable {

    /** Token answers are small; anything bigger is not a token answer. */
    public static final int MAX_BODY_BYTES = 1 << 20;

    private final String peer;
    private final Duration connectTimeout;
    private final Duration responseTimeout;
    private final ExecutorService executor;
    private final HttpClient client;

    /**
     * @param peer        names the endpoint in failure messages, e.g. {@code the Authority}
     * @param threadName  prefix of the client's thread names
     * @throws IllegalArgumentException when the TLS files cannot be used (the message names the file)
     */
    public CredentialHttpClient(String peer, String threadName, Duration connectTimeout, Duration responseTimeout,
                                TlsFiles tls) {
        this.peer = peer;
        this.connectTimeout = connectTimeout;
        this.responseTimeout = responseTimeout;
        this.executor = Executors.newCachedThreadPool(daemonThreads(threadName));
        HttpClient.Builder builder = HttpClient.newBuilder()
                // One small request per call: HTTP/1.1 keep-alive is enough and avoids an h2c upgrade on plain http.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor);
        SSLContext context = PemTls.sslContext(tls);
        if (context != null) {
            builder.sslContext(context);
        }
        this.client = builder.build();
    }

    /** Where answers are handled: the client's own threads, never an event loop. */
    public Executor executor() {
        return executor;
    }

    /** Sends the request with the response timeout and collects a bounded body. */
    public CompletableFuture<HttpResponse<byte[]>> send(HttpRequest.Builder request) {
        long overallMillis = connectTimeout.plus(responseTimeout).toMillis();
        return client.sendAsync(request.timeout(responseTimeout).build(), BoundedBody.handler(MAX_BODY_BYTES))
                // The request timeout stops at the response headers; this bounds a body that never ends too.
                .orTimeout(overallMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * The failure of a {@link #send} as a {@link CredentialException}: a {@code CredentialException} stays as
     * it is, anything else is the peer being unavailable.
     *
     * @param target the URL called, as it may be shown (no credentials in it)
     */
    public CredentialException transportFailure(Throwable failure, String connectionId, String target) {
        Throwable cause = unwrap(failure);
        if (cause instanceof CredentialException e) {
            return e;
        }
        String what;
        if (cause instanceof HttpConnectTimeoutException) {
            what = "could not connect to " + peer + " within " + connectTimeout;
        } else if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            what = peer + " did not answer within " + responseTimeout;
        } else if (cause instanceof ConnectException) {
            what = "could not connect to " + peer + " at " + target;
        } else {
            // Transport messages name hosts and TLS problems, never request headers.
            what = "calling " + peer + " at " + target + " failed: " + cause;
        }
        return new CredentialException(Kind.UNAVAILABLE, connectionId, what);
    }

    /** The failure inside any {@link CompletionException} wrappers. */
    public static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
