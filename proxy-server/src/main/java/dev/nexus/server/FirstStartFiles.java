package dev.nexus.server;

import dev.nexus.proxy.tls.CaFiles;
import dev.nexus.server.config.NexusConfig;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The files (and their directories) a start may create because they do not exist yet: the admin token,
 * the local credential file, the CA in {@code tls.ca_dir}, file access log and audit trail. Noted before
 * the start, removed again when it fails, so a failed start leaves the directory as it found it.
 */
final class FirstStartFiles {

    private static final Logger LOG = Logger.getLogger(FirstStartFiles.class.getName());

    /** Deepest first: files, then the directories created for them. */
    private final List<Path> absent;

    private FirstStartFiles(List<Path> absent) {
        this.absent = absent;
    }

    static FirstStartFiles absentBefore(NexusConfig config) {
        List<Path> candidates = new ArrayList<>();
        if (config.admin().token().isEmpty()) {
            candidates.add(config.admin().tokenFile());
        }
        candidates.add(config.authority().file().path());
        if (config.tls().caCert().isEmpty()) {
            CaFiles ca = CaFiles.inDirectory(config.tls().caDir());
            candidates.add(ca.certificate());
            candidates.add(ca.privateKey());
        }
        if (config.accessLog().target() == NexusConfig.AccessLogTarget.FILE) {
            config.accessLog().path().ifPresent(candidates::add);
        }
        if (config.audit().target() == NexusConfig.AuditTarget.FILE) {
            config.audit().path().ifPresent(candidates::add);
        }
        Set<Path> files = new LinkedHashSet<>();
        Set<Path> directories = new LinkedHashSet<>();
        for (Path candidate : candidates) {
            Path file = candidate.toAbsolutePath().normalize();
            if (Files.notExists(file)) {
                files.add(file);
                for (Path parent = file.getParent(); parent != null && Files.notExists(parent); parent = parent.getParent()) {
                    directories.add(parent);
                }
            }
        }
        List<Path> absent = new ArrayList<>(files);
        directories.stream().sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(absent::add);
        return new FirstStartFiles(List.copyOf(absent));
    }

    /** Removes what the failed start created; a directory is removed only when it is empty again. */
    void removeCreated() {
        for (Path path : absent) {
            try {
                if (Files.deleteIfExists(path)) {
                    LOG.info(() -> "removed " + path + ", created by the failed start");
                }
            } catch (DirectoryNotEmptyException someoneElsesFiles) {
                // Created for us, then used by something else: not ours to remove.
            } catch (IOException e) {
                LOG.warning(() -> "could not remove " + path + " after the failed start: " + e.getMessage());
            }
        }
    }
}
