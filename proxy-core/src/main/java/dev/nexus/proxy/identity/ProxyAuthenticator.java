package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.net.InetAddress;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks {@code Proxy-Authorization} credentials against the {@link AgentsFile}.
 *
 * <p>Accepted forms: {@code Basic base64(agent:secret)} and {@code Bearer agent.secret}. PBKDF2 is
 * deliberately slow, so verification runs on a small dedicated executor, never on the caller's
 * (event loop) thread, and successful results are cached: the cache key is the SHA-256 of the whole
 * header value, so the header itself is never kept, and steady-state requests on a keep-alive
 * connection or from a busy agent cost one SHA-256 instead of a PBKDF2 run. Failures are never cached.
 *
 * <p>An unknown agent name costs the same PBKDF2 run as a wrong secret, so response time does not
 * reveal which names exist. The header value is never logged, stored or put in an exception.
 *
 * <p>Floods of wrong credentials are bounded three ways: concurrent checks of the same header share one
 * PBKDF2 run; each source address has a budget of concurrent and failed checks ({@link AuthAttemptLimiter},
 * beyond it an immediate 407 with reason {@code RATE_LIMITED}); and the queue of waiting checks holds
 * {@link #QUEUED_PER_THREAD} per thread (about a second of work), beyond which callers get
 * {@link AuthResult.Busy} at once instead of waiting behind the flood.
 */
public final class ProxyAuthenticator implements AutoCloseable {

    /** Compares a presented secret with a stored hash; the seam that lets tests count PBKDF2 runs. */
    interface SecretCheck {
        boolean matches(Pbkdf2Hash stored, char[] presented);
    }

    /** Checks waiting per verification thread; a PBKDF2 run takes tens of milliseconds. */
    static final int QUEUED_PER_THREAD = 16;

    private final AgentsFile agents;
    private final SecretCheck check;
    private final ExecutorService executor;
    private final Cache<String, AgentIdentity> verified;
    private final ConcurrentMap<String, CompletableFuture<AuthResult>> running = new ConcurrentHashMap<>();
    private final AuthAttemptLimiter limiter = new AuthAttemptLimiter();
    /** Checked for unknown agent names so they cost as much as a known one. */
    private final Pbkdf2Hash decoy;

    /**
     * @param threads   verification threads (PBKDF2 is CPU-bound: at most the core count is useful)
     * @param cacheSize successful header hashes remembered
     * @param cacheTtl  how long a success is remembered; bounds how long a removed agent keeps working
     */
    public ProxyAuthenticator(AgentsFile agents, int threads, int cacheSize, Duration cacheTtl) {
        this(agents, Pbkdf2Hash::matches, threads, cacheSize, cacheTtl);
    }

    ProxyAuthenticator(AgentsFile agents, SecretCheck check, int threads, int cacheSize, Duration cacheTtl) {
        this.agents = agents;
        this.check = check;
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(threads * QUEUED_PER_THREAD), daemonThreads());
        this.verified = Caffeine.newBuilder().maximumSize(cacheSize).expireAfterWrite(cacheTtl).build();
        int iterations = agents.names().stream().mapToInt(name -> agents.hashOf(name).iterations()).max()
                .orElse(Pbkdf2Hash.MIN_ITERATIONS);
        this.decoy = Pbkdf2Hash.create("decoy".toCharArray(), iterations);
    }

    /**
     * Checks a {@code Proxy-Authorization} value ({@code null} when the header is absent). Completes at
     * once for a cached success or an unusable header; otherwise on the verification executor, so
     * callers on an event loop must hop back to their loop before touching the channel.
     */
    CompletableFuture<AuthResult> verify(String header) {
        return verify(header, null);
    }

    /**
     * As {@link #verify(String)}, counting the check against {@code source}'s budget ({@code null}: no budget).
     */
    CompletableFuture<AuthResult> verify(String header, InetAddress source) {
        if (header == null || header.isBlank()) {
            return CompletableFuture.completedFuture(new AuthResult.Challenge(AuthResult.Reason.MISSING));
        }
        String cacheKey = sha256(header);
        AgentIdentity cached = verified.getIfPresent(cacheKey);
        if (cached != null) {
            return CompletableFuture.completedFuture(new AuthResult.Authenticated(cached));
        }
        Credentials credentials;
        try {
            credentials = Credentials.parse(header.trim());
        } catch (UnusableHeader e) {
            return CompletableFuture.completedFuture(new AuthResult.Challenge(e.reason));
        }
        CompletableFuture<AuthResult> result = new CompletableFuture<>();
        CompletableFuture<AuthResult> same = running.putIfAbsent(cacheKey, result);
        if (same != null) {
            credentials.wipe();
            return same; // the same header is being checked already: one PBKDF2 run answers both
        }
        AuthAttemptLimiter.SourceAttempts budget = source == null ? null : limiter.tryStart(source);
        result.whenComplete((outcome, error) -> {
            running.remove(cacheKey, result);
            if (budget != null) {
                limiter.finished(budget, outcome instanceof AuthResult.Challenge);
            }
        });
        if (source != null && budget == null) {
            credentials.wipe();
            result.complete(new AuthResult.Challenge(AuthResult.Reason.RATE_LIMITED));
            return result;
        }
        try {
            executor.execute(() -> result.complete(check(credentials, cacheKey)));
        } catch (RejectedExecutionException e) {
            credentials.wipe();
            result.complete(new AuthResult.Busy());
        }
        return result;
    }

    private AuthResult check(Credentials credentials, String cacheKey) {
        try {
            Pbkdf2Hash stored = agents.hashOf(credentials.agent);
            boolean matches = check.matches(stored == null ? decoy : stored, credentials.secret);
            if (stored == null) {
                return new AuthResult.Challenge(AuthResult.Reason.UNKNOWN_AGENT);
            }
            if (!matches) {
                return new AuthResult.Challenge(AuthResult.Reason.WRONG_SECRET);
            }
            AgentIdentity identity = new AgentIdentity(credentials.agent, AgentIdentity.Method.PROXY_AUTH);
            verified.put(cacheKey, identity);
            return new AuthResult.Authenticated(identity);
        } finally {
            credentials.wipe();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    private static String sha256(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "nexus-proxy-auth-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Agent name and secret taken from a header; the secret is a char array so it can be wiped after use. */
    private static final class Credentials {
        final String agent;
        final char[] secret;

        private Credentials(String agent, char[] secret) {
            this.agent = agent;
            this.secret = secret;
        }

        static Credentials parse(String header) throws UnusableHeader {
            int space = header.indexOf(' ');
            if (space < 0) {
                throw new UnusableHeader(AuthResult.Reason.MALFORMED);
            }
            String scheme = header.substring(0, space);
            String value = header.substring(space + 1).trim();
            if (scheme.equalsIgnoreCase("Basic")) {
                return split(decodeBasic(value), ':');
            }
            if (scheme.equalsIgnoreCase("Bearer")) {
                return split(value.toCharArray(), '.');
            }
            throw new UnusableHeader(AuthResult.Reason.UNSUPPORTED_SCHEME);
        }

        private static char[] decodeBasic(String value) throws UnusableHeader {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(value);
            } catch (IllegalArgumentException e) {
                throw new UnusableHeader(AuthResult.Reason.MALFORMED);
            }
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes));
                char[] result = new char[chars.remaining()];
                chars.get(result);
                Arrays.fill(chars.array(), '\0');
                return result;
            } catch (CharacterCodingException e) {
                throw new UnusableHeader(AuthResult.Reason.MALFORMED);
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }

        /** Splits at the first {@code separator}; agent names never contain ':' or '.'. */
        private static Credentials split(char[] text, char separator) throws UnusableHeader {
            int at = -1;
            for (int i = 0; i < text.length; i++) {
                if (text[i] == separator) {
                    at = i;
                    break;
                }
            }
            try {
                if (at <= 0 || at == text.length - 1) {
                    throw new UnusableHeader(AuthResult.Reason.MALFORMED);
                }
                String agent = new String(text, 0, at);
                if (!AgentsFile.isValidName(agent)) {
                    throw new UnusableHeader(AuthResult.Reason.MALFORMED);
                }
                return new Credentials(agent, Arrays.copyOfRange(text, at + 1, text.length));
            } finally {
                Arrays.fill(text, '\0');
            }
        }

        void wipe() {
            Arrays.fill(secret, '\0');
        }
    }

    /** Control flow for a header that cannot carry credentials; no stack trace, no message. */
    private static final class UnusableHeader extends Exception {
        final transient AuthResult.Reason reason;

        UnusableHeader(AuthResult.Reason reason) {
            super(null, null, false, false);
            this.reason = reason;
        }
    }
}
