package dev.nexus.policy.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads a policy source: one file, or every {@code *.yaml}, {@code *.yml} and {@code *.json}
 * directly inside a directory, sorted by name. Entries starting with a dot are skipped, which
 * covers Kubernetes ConfigMap mounts: there the visible files are symlinks through
 * {@code ..data} into a timestamped {@code ..2024_...} directory, and symlinks are followed.
 */
public final class PolicySources {

    private PolicySources() {
    }

    /** The files of {@code path} with their contents. */
    public static List<SourceFile> read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file or directory");
        }
        if (!Files.isDirectory(path)) {
            return List.of(new SourceFile(path.toString(), Files.readString(path, StandardCharsets.UTF_8)));
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(path)) {
            entries.filter(PolicySources::isPolicyFile).forEach(files::add);
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        if (files.isEmpty()) {
            throw new IOException(path + ": no policy files (*.yaml, *.yml, *.json) in directory");
        }
        List<SourceFile> sources = new ArrayList<>();
        for (Path file : files) {
            sources.add(new SourceFile(file.toString(), Files.readString(file, StandardCharsets.UTF_8)));
        }
        return sources;
    }

    private static boolean isPolicyFile(Path entry) {
        String name = entry.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && Files.isRegularFile(entry)
                && (lower.endsWith(".yaml") || lower.endsWith(".yml") || lower.endsWith(".json"));
    }

    /** SHA-256 (hex) over every file's name and content, in order: equal hashes mean the same policy text. */
    public static String contentHash(List<SourceFile> sources) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (SourceFile source : sources) {
                digest.update(source.name().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(source.content().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
