package dev.nexus.server.cli;

import io.netty.util.Version;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * Version and build facts for {@code --version}: the project version and build time filtered into
 * {@code nexus-proxy-version.properties} by Maven, plus the Java and Netty versions actually running.
 */
public record BuildInfo(String version, String buildTime) {

    private static final String RESOURCE = "/nexus-proxy-version.properties";

    public static BuildInfo load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return new BuildInfo(filtered(properties, "version"), filtered(properties, "build.time"));
    }

    /** A property's value, or "unknown" when absent or left unfiltered (e.g. compiled outside Maven). */
    private static String filtered(Properties properties, String key) {
        String value = properties.getProperty(key, "");
        return value.isBlank() || value.contains("${") ? "unknown" : value;
    }

    /** The {@code --version} text. */
    public String describe() {
        return "nexus-proxy " + version + "\n"
                + "built " + buildTime + "\n"
                + "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Netty " + nettyVersion() + "\n";
    }

    private static String nettyVersion() {
        Map<String, Version> versions = Version.identify();
        Version common = versions.get("netty-common");
        if (common != null) {
            return common.artifactVersion();
        }
        return versions.values().stream().findFirst().map(Version::artifactVersion).orElse("unknown");
    }
}
