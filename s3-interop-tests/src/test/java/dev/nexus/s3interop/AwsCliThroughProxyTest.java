package dev.nexus.s3interop;

import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.ProxyHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.nexus.s3interop.S3ThroughProxy.PLACEHOLDER;
import static dev.nexus.s3interop.S3ThroughProxy.REAL_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The AWS CLI, configured with only a placeholder key, copies a 100 MiB file to s3proxy and back through the
 * proxy: {@code aws s3 cp} splits it into a multipart upload, and every part reaches s3proxy signed with the
 * real key. {@code .ci/run} installs Debian's {@code awscli}; where no CLI is installed the test is skipped.
 */
class AwsCliThroughProxyTest {

    private static final long FILE_BYTES = 100L * 1024 * 1024;
    private static final Path AWS = findCli();

    @TempDir
    static Path work;
    private static LogCapture logs;
    private static LocalS3 s3;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(AWS != null, "the AWS CLI is not installed (Debian package awscli)");
        logs = new LogCapture();
        s3 = new LocalS3();
        proxy = S3ThroughProxy.startProxy(Map.of());
        Files.writeString(work.resolve("config"), "[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (logs != null) {
            String everything = logs.text();
            logs.close();
            assertThat(everything).doesNotContain(REAL_SECRET);
        }
    }

    @Test
    void copiesA100MiBFileUpAndBackThroughTheProxy() throws Exception {
        Path upload = work.resolve("upload.bin");
        writeRandom(upload, FILE_BYTES);
        Path download = work.resolve("download.bin");

        assertThat(aws(true, "s3", "mb", "s3://cli-bucket").exitCode).isZero();
        CliRun up = aws(true, "s3", "cp", upload.toString(), "s3://cli-bucket/big.bin");
        assertThat(up.exitCode).as(up.output).isZero();
        CliRun down = aws(true, "s3", "cp", "s3://cli-bucket/big.bin", download.toString());
        assertThat(down.exitCode).as(down.output).isZero();

        assertThat(Files.size(download)).isEqualTo(FILE_BYTES);
        assertThat(sha256(download)).isEqualTo(sha256(upload));
        assertThat(proxy.events().exchanges).anyMatch(r -> "PUT".equals(r.method()) && r.path().contains("big.bin")
                && r.status() == 200);
    }

    @Test
    void withoutTheProxyThePlaceholderKeyIsRefused() throws Exception {
        CliRun direct = aws(false, "s3", "ls", "s3://cli-bucket");
        assertThat(direct.exitCode).isNotZero();
        assertThat(direct.output).containsAnyOf("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403");
    }

    /** Runs the CLI with nothing from this machine's environment that could change its route or trust. */
    private static CliRun aws(boolean throughProxy, String... args) throws Exception {
        String[] command = new String[args.length + 3];
        command[0] = AWS.toString();
        command[1] = "--endpoint-url";
        command[2] = s3.endpoint().toString();
        System.arraycopy(args, 0, command, 3, args.length);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("cli.log").toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.toLowerCase().endsWith("_proxy") || name.startsWith("AWS_")
                || name.endsWith("CA_BUNDLE") || name.equals("SSL_CERT_FILE"));
        env.put("HOME", work.toString());
        env.put("AWS_CONFIG_FILE", work.resolve("config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", work.resolve("no-credentials").toString());
        env.put("AWS_ACCESS_KEY_ID", PLACEHOLDER.accessKeyId());
        env.put("AWS_SECRET_ACCESS_KEY", PLACEHOLDER.secretAccessKey());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_PAGER", "");
        if (throughProxy) {
            env.put("HTTP_PROXY", proxy.proxyUrl());
            env.put("http_proxy", proxy.proxyUrl());
        }
        Process process = builder.start();
        boolean exited = process.waitFor(5, TimeUnit.MINUTES);
        if (!exited) {
            process.destroyForcibly();
        }
        return new CliRun(exited ? process.exitValue() : -1, Files.readString(work.resolve("cli.log")));
    }

    private record CliRun(int exitCode, String output) {
    }

    private static void writeRandom(Path file, long size) throws IOException {
        Random random = new Random(7);
        byte[] block = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
    }

    private static byte[] sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[1024 * 1024];
        try (var in = Files.newInputStream(file)) {
            for (int n = in.read(block); n > 0; n = in.read(block)) {
                digest.update(block, 0, n);
            }
        }
        return digest.digest();
    }

    /** Debian's CLI first: a CLI installed in a Python environment of the user's may be an older major version. */
    private static Path findCli() {
        Path debian = Path.of("/usr/bin/aws");
        if (Files.isExecutable(debian)) {
            return debian;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "aws");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
