package dev.nexus.proxy.credentials;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files that hold secrets (the local credential file, OAuth 2 refresh tokens): whether other users may
 * read or write them, and replacing their content so that no reader ever sees a partial or
 * world-readable file. Messages name paths, never content.
 */
public final class PrivateFiles {

    private static final Set<PosixFilePermission> GROUP_OR_OTHERS_ACCESS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
    private static final String OWNER_ONLY = "rw-------";

    private PrivateFiles() {
    }

    /**
     * The group/others permissions that make the file readable or writable by other users, empty when it is
     * private (0600 or narrower) or the file system has no POSIX permissions.
     */
    public static Set<PosixFilePermission> excessPermissions(Path file) throws IOException {
        try {
            Set<PosixFilePermission> excess = EnumSet.noneOf(PosixFilePermission.class);
            excess.addAll(Files.getPosixFilePermissions(file));
            excess.retainAll(GROUP_OR_OTHERS_ACCESS);
            return excess;
        } catch (UnsupportedOperationException noPosix) {
            return Set.of();
        }
    }

    /** The permissions as {@code rw-r--r--}, or {@code unknown}. */
    public static String describePermissions(Path file) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        } catch (IOException | UnsupportedOperationException e) {
            return "unknown";
        }
    }

    /**
     * Replaces the file's content atomically: a sibling created with mode 0600 is written, forced to disk and
     * renamed over the file, so readers see the old content or the new one, and never a file others can read.
     */
    public static void replaceAtomically(Path file, byte[] content) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Path sibling = createPrivateSibling(directory, file.getFileName().toString());
        try {
            try (FileChannel channel = FileChannel.open(sibling, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(sibling, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + directory + " cannot rename atomically", e);
            }
        } finally {
            Files.deleteIfExists(sibling);
        }
    }

    private static Path createPrivateSibling(Path directory, String name) throws IOException {
        try {
            FileAttribute<Set<PosixFilePermission>> ownerOnly =
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(OWNER_ONLY));
            return Files.createTempFile(directory, "." + name + ".", ".tmp", ownerOnly);
        } catch (UnsupportedOperationException noPosix) {
            return Files.createTempFile(directory, "." + name + ".", ".tmp");
        }
    }
}
