package dev.nexus.proxy.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Redis servers for tests, on loopback only.
 *
 * <ul>
 *   <li>{@link #shared()}: one Redis for the whole test JVM. {@code REDIS_URL} when set; else a
 *       {@code redis:7-alpine} container when a Docker engine answers; else a {@code redis-server}
 *       process on a free port. Tests sharing it use their own key namespace.</li>
 *   <li>{@link #spawnOwned(String...)}: a private {@code redis-server} process that a test may stop
 *       (kill) and start again on the same port, to simulate an outage. Never the machine's own Redis.</li>
 * </ul>
 * Every process and container started here is stopped when the JVM exits.
 */
public final class RedisServers {

    private static final String IMAGE = "redis:7-alpine";
    private static final Duration STARTUP = Duration.ofSeconds(15);
    private static final List<OwnedRedis> OWNED = new CopyOnWriteArrayList<>();
    private static String sharedUrl;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OWNED.forEach(OwnedRedis::close), "redis-servers-cleanup"));
    }

    private RedisServers() {
    }

    /** The URL of a Redis shared by the tests of this JVM (started on first use). */
    public static synchronized String shared() {
        if (sharedUrl == null) {
            sharedUrl = startShared();
        }
        return sharedUrl;
    }

    /**
     * Starts a private {@code redis-server} on a free loopback port, without persistence.
     *
     * @param extraArgs more {@code redis-server} arguments, e.g. {@code "--requirepass", "secret"}
     */
    public static OwnedRedis spawnOwned(String... extraArgs) {
        Path binary = redisServerBinary();
        if (binary == null) {
            throw new IllegalStateException("This test needs its own Redis process: install redis-server "
                    + "(Debian/Ubuntu: apt-get install redis-server) so that it is on the PATH");
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken before redis binds it
            OwnedRedis redis = new OwnedRedis(binary, freePort(), List.of(extraArgs));
            try {
                redis.start();
                OWNED.add(redis);
                return redis;
            } catch (IllegalStateException e) {
                redis.stop();
                last = e;
            }
        }
        throw last;
    }

    /**
     * Starts a private single-node Redis Cluster (cluster mode, all 16384 slots on this node) and
     * waits until it reports {@code cluster_state:ok}: enough to exercise a Cluster client for real.
     */
    public static OwnedRedis spawnOwnedCluster() {
        OwnedRedis redis = spawnOwned("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf");
        String reply = redis.command("CLUSTER ADDSLOTSRANGE 0 16383");
        if (!reply.startsWith("+OK")) {
            redis.close();
            throw new IllegalStateException("CLUSTER ADDSLOTSRANGE failed: " + reply);
        }
        Instant deadline = Instant.now().plus(STARTUP);
        while (!redis.command("CLUSTER INFO").contains("cluster_state:ok")) {
            if (Instant.now().isAfter(deadline)) {
                redis.close();
                throw new IllegalStateException("single-node Redis Cluster on port " + redis.port() + " did not become ok");
            }
            redis.awaitExit(Duration.ofMillis(50));
        }
        return redis;
    }

    private static String startShared() {
        String fromEnvironment = System.getenv("REDIS_URL");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment;
        }
        if (dockerAvailable()) {
            GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE)).withExposedPorts(6379);
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "redis-container-cleanup"));
            return "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
        }
        if (redisServerBinary() != null) {
            return spawnOwned().url();
        }
        throw new IllegalStateException("No Redis for the tests: set REDIS_URL=redis://127.0.0.1:6379 to use a "
                + "running one, start a Docker engine (for the " + IMAGE + " container), or install "
                + "redis-server (Debian/Ubuntu: apt-get install redis-server)");
    }

    /**
     * Asks Testcontainers only when an engine is configured at all (a socket or DOCKER_HOST), and
     * only for a bounded time: without an engine, its discovery would log a page of errors.
     */
    private static boolean dockerAvailable() {
        boolean configured = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"));
        if (!configured) {
            return false;
        }
        try {
            return CompletableFuture.supplyAsync(() -> DockerClientFactory.instance().isDockerAvailable())
                    .get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    private static Path redisServerBinary() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String directory : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(directory, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port for redis-server", e);
        }
    }

    /** A {@code redis-server} process owned by one test: it can be killed and started again on the same port. */
    public static final class OwnedRedis implements AutoCloseable {

        private final Path binary;
        private final int port;
        private final List<String> extraArgs;
        private final Path directory;
        private Process process;

        private OwnedRedis(Path binary, int port, List<String> extraArgs) {
            this.binary = binary;
            this.port = port;
            this.extraArgs = extraArgs;
            try {
                // Its own working directory: whatever it writes (e.g. a cluster's nodes.conf) lands there.
                this.directory = Files.createTempDirectory("nexus-test-redis-" + port + "-");
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a working directory for redis-server", e);
            }
        }

        public int port() {
            return port;
        }

        /** {@code redis://127.0.0.1:<port>} (without credentials; add them for a server started with a password). */
        public String url() {
            return "redis://127.0.0.1:" + port;
        }

        /** Starts the server (again) on its port and waits until it answers PING. */
        public synchronized void start() {
            if (process != null && process.isAlive()) {
                return;
            }
            List<String> command = new ArrayList<>(List.of(binary.toString(), "--port", String.valueOf(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes",
                    "--dir", directory.toString()));
            command.addAll(extraArgs);
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + binary + ": " + e.getMessage(), e);
            }
            awaitPing();
        }

        /** Kills the server at once (SIGKILL), as a crash would, and waits until it is gone. */
        public synchronized void stop() {
            if (process == null) {
                return;
            }
            process.destroyForcibly(); // SIGKILL ends a paused (SIGSTOPped) server too
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Freezes the server (SIGSTOP): connections stay open but nothing answers, as with an overloaded Redis. */
        public synchronized void pause() {
            signal("-STOP");
        }

        /** Lets a {@link #pause() paused} server continue (SIGCONT). */
        public synchronized void resume() {
            signal("-CONT");
        }

        public synchronized boolean running() {
            return process != null && process.isAlive();
        }

        /** Stops the server for good and removes its working directory. */
        @Override
        public void close() {
            stop();
            OWNED.remove(this);
            try (var files = Files.walk(directory)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            } catch (IOException e) {
                // Best effort: a leftover temporary directory harms nothing.
            }
        }

        /**
         * Sends one inline command and returns the raw reply: a status or error line, or a bulk
         * string's content. For harness set-up only (tests talk to Redis through Lettuce).
         */
        public String command(String inline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
                socket.setSoTimeout(2_000);
                socket.getOutputStream().write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                String first = readLine(in);
                if (!first.startsWith("$")) {
                    return first;
                }
                int length = Integer.parseInt(first.substring(1));
                return length < 0 ? "" : new String(in.readNBytes(length), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("redis-server on port " + port + " did not answer " + inline, e);
            }
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n' && c != -1; c = in.read()) {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        /** Waits up to {@code time} for the process to exit: a pause that ends early if it dies. */
        private void awaitExit(Duration time) {
            try {
                process.waitFor(time.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for redis-server", e);
            }
        }

        private void signal(String signal) {
            if (process == null || !process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " is not running");
            }
            try {
                Process kill = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start();
                if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                    throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot run kill " + signal + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while signalling redis-server", e);
            }
        }

        private void awaitPing() {
            Instant deadline = Instant.now().plus(STARTUP);
            while (Instant.now().isBefore(deadline)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server exited with " + process.exitValue()
                            + " while starting on port " + port);
                }
                if (answersPing()) {
                    return;
                }
                awaitExit(Duration.ofMillis(50));
            }
            throw new IllegalStateException("redis-server on port " + port + " did not answer PING within " + STARTUP);
        }

        /** Any reply counts (a password-protected server answers -NOAUTH): the server is up. */
        private boolean answersPing() {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                socket.setSoTimeout(500);
                OutputStream out = socket.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                int first = in.read();
                return first == '+' || first == '-';
            } catch (IOException e) {
                return false;
            }
        }
    }
}
