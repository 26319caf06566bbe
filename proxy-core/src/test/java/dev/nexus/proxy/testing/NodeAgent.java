package dev.nexus.proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Node.js agent (src/test/node): {@code fetch} through undici's {@code EnvHttpProxyAgent}, the way
 * Node 24's {@code NODE_USE_ENV_PROXY=1} works and the way Node 20 users get it from npm. Set up once per
 * build in target/node-agent ({@code npm install}); {@link #unavailable()} says why not when node or
 * the package cannot be had, so tests skip with that reason.
 */
public final class NodeAgent {

    private static final Path SOURCE = Path.of("src", "test", "node");
    private static final Path HOME = Path.of("target", "node-agent");
    private static String unavailable;
    private static boolean prepared;

    private NodeAgent() {
    }

    /** Why the Node agent cannot run here, or {@code null} when it can. */
    public static synchronized String unavailable() {
        if (!prepared) {
            prepared = true;
            unavailable = prepare();
        }
        return unavailable;
    }

    private static String prepare() {
        try {
            Files.createDirectories(HOME);
            for (String file : List.of("package.json", "fetch-through-proxy.mjs")) {
                Files.copy(SOURCE.resolve(file), HOME.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            if (exec(List.of("node", "--version"), 10).exitCode() != 0) {
                return "node is not installed (apt-get install nodejs)";
            }
            if (!Files.isDirectory(HOME.resolve("node_modules").resolve("undici"))) {
                Curl.Result npm = exec(List.of("npm", "install", "--no-audit", "--no-fund", "--prefer-offline"), 180);
                if (npm.exitCode() != 0) {
                    return "npm could not install undici: " + npm.stdout().strip();
                }
            }
            return null;
        } catch (IOException e) {
            return "node or npm cannot run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while preparing the Node agent";
        }
    }

    /** Runs the agent's fetch of {@code url} with {@code HTTP_PROXY}/{@code HTTPS_PROXY} set to {@code proxyUrl}. */
    public static Curl.Result fetch(String proxyUrl, String url) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("node", "--no-warnings", "fetch-through-proxy.mjs", url).directory(HOME.toFile());
        builder.environment().keySet().removeIf(name -> name.toLowerCase().endsWith("_proxy"));
        builder.environment().put("HTTP_PROXY", proxyUrl);
        builder.environment().put("HTTPS_PROXY", proxyUrl);
        return run(builder, 30);
    }

    private static Curl.Result exec(List<String> command, int seconds) throws IOException, InterruptedException {
        return run(new ProcessBuilder(command).directory(HOME.toFile()), seconds);
    }

    private static Curl.Result run(ProcessBuilder builder, int seconds) throws IOException, InterruptedException {
        Path output = Files.createTempFile(HOME, "run", ".out");
        Process process = builder.redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not finish within " + seconds + " s: " + builder.command());
        }
        String text = Files.readString(output).strip();
        Files.delete(output);
        return new Curl.Result(process.exitValue(), text, "");
    }
}
