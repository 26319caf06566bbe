package dev.nexus.server.admin;

import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.config.Secret;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The admin bearer token, which always exists: {@code admin.token} when configured, else the content of
 * {@code admin.token_file} (in Kubernetes a Secret mounted into the proxy container only), else a random token
 * generated into that file on first start, created with mode 0600 from its first byte. The log names the file,
 * never the token. A token file others may read is refused: the token guards connection state.
 */
public final class AdminToken {

    private static final Logger LOG = Logger.getLogger(AdminToken.class.getName());
    private static final int RANDOM_BYTES = 32;
    private static final Set<PosixFilePermission> WORLD = EnumSet.of(PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private AdminToken() {
    }

    /**
     * The token for {@code admin}.
     *
     * @throws IOException naming the file and what is wrong with it (never its content)
     */
    public static Secret resolve(NexusConfig.Admin admin) throws IOException {
        if (admin.token().isPresent()) {
            return admin.token().get();
        }
        Path file = admin.tokenFile();
        try {
            return read(file);
        } catch (NoSuchFileException absent) {
            return generate(file);
        }
    }

    /**
     * Checks, without writing anything, that a token file that already exists is usable (private, one
     * token), so a start fails before it creates any file.
     *
     * @throws IOException naming the file and what is wrong with it (never its content)
     */
    public static void verify(NexusConfig.Admin admin) throws IOException {
        if (admin.token().isEmpty() && Files.exists(admin.tokenFile())) {
            readChecked(admin.tokenFile());
        }
    }

    private static Secret read(Path file) throws IOException {
        Secret token = readChecked(file);
        LOG.info(() -> "admin token read from " + file);
        return token;
    }

    private static Secret readChecked(Path file) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.stream().anyMatch(WORLD::contains)) {
            throw new IOException("admin.token_file " + file + " has permissions "
                    + PosixFilePermissions.toString(permissions) + "; others must have no access: chmod 600 " + file);
        }
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.length() < NexusConfig.Admin.MIN_TOKEN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IOException("admin.token_file " + file + " must hold one token of at least "
                    + NexusConfig.Admin.MIN_TOKEN_LENGTH + " printable ASCII characters");
        }
        return Secret.of(token);
    }

    private static Secret generate(Path file) throws IOException {
        byte[] random = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(
                    EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))),
                    (token + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException raced) {
            return read(file);
        }
        LOG.warning(() -> "no admin.token configured: generated one into " + file.toAbsolutePath()
                + " (mode 0600); /admin/* and, from other than loopback, /metrics need 'Authorization: Bearer <token>'");
        return Secret.of(token);
    }
}
