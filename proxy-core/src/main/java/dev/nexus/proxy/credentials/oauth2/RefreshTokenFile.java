package dev.nexus.proxy.credentials.oauth2;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.PrivateFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The file holding a connection's current refresh token. It is read before every refresh-token request (so an
 * operator can put a new token in without a restart) and, when the server rotates the token, rewritten
 * atomically with mode 0600 before the new access token is used, so a crash never loses the only valid token.
 * Messages name the file, never its content.
 */
final class RefreshTokenFile {

    private final String connectionId;
    private final Path path;

    RefreshTokenFile(String connectionId, Path path) {
        this.connectionId = connectionId;
        this.path = path;
    }

    /** The current refresh token; a missing or empty file needs a human. */
    String read() {
        String token;
        try {
            token = Files.readString(path, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new CredentialException(Kind.ATTENTION_REQUIRED, connectionId,
                    "refresh token file " + path + " does not exist; put the connection's refresh token in it (mode 0600)");
        } catch (IOException e) {
            throw new CredentialException(Kind.UNAVAILABLE, connectionId,
                    "cannot read refresh token file " + path + " (" + e.getClass().getSimpleName() + ")");
        }
        if (token.isEmpty()) {
            throw new CredentialException(Kind.ATTENTION_REQUIRED, connectionId,
                    "refresh token file " + path + " is empty; put the connection's refresh token in it");
        }
        return token;
    }

    /** Replaces the token (atomic rename of a 0600 sibling). */
    void write(String token) throws IOException {
        PrivateFiles.replaceAtomically(path, (token + "\n").getBytes(StandardCharsets.UTF_8));
    }

    Path path() {
        return path;
    }
}
