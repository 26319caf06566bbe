package dev.nexus.server.k8s;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files at the repository root (Dockerfile, helm/, docker-compose.yml) from a module's test run. */
public final class RepoFiles {

    private RepoFiles() {
    }

    /** The nearest ancestor of the working directory holding the Maven wrapper and the parent pom. */
    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("proxy-server"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("repository root (with mvnw) not found above " + Path.of("").toAbsolutePath());
    }
}
