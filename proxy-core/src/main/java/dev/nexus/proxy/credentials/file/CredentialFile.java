package dev.nexus.proxy.credentials.file;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.nexus.proxy.credentials.MalformedTokenException;
import dev.nexus.proxy.credentials.PrivateFiles;
import dev.nexus.proxy.credentials.TokenGrant;
import dev.nexus.proxy.credentials.TokenResponseParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reading and checking the local credential file: a YAML mapping from connection id to a token document
 * in the Nexus shape ({@code strategy}, {@code credentials}, {@code expires_at} or {@code expires_in}).
 * See {@code example-credentials.yaml} next to this package's resources.
 */
final class CredentialFile {

    private final ObjectMapper yaml = TokenResponseParser.configure(new ObjectMapper(new YAMLFactory()))
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private final TokenResponseParser parser = new TokenResponseParser();
    private final Path path;

    CredentialFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    byte[] read() {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new CredentialFileException("cannot read credential file " + path + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * The group/others permissions that make the file readable or writable by other users, empty when it is
     * private (0600 or narrower) or the file system has no POSIX permissions.
     */
    Set<PosixFilePermission> excessPermissions() {
        try {
            return PrivateFiles.excessPermissions(path);
        } catch (IOException e) {
            throw new CredentialFileException("cannot read the permissions of credential file " + path
                    + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    String describePermissions() {
        return PrivateFiles.describePermissions(path);
    }

    /** Parses the file's content: connection id to grant. An empty file holds no connections. */
    Map<String, TokenGrant> parse(byte[] content) {
        JsonNode root;
        try {
            root = yaml.readTree(content);
        } catch (JsonProcessingException e) {
            // The YAML library's message quotes the offending line, which may hold a secret: report only where.
            throw new CredentialFileException("credential file " + path + " is not valid YAML" + at(e.getLocation())
                    + " (syntax error or duplicate key)");
        } catch (IOException e) {
            throw new CredentialFileException("cannot read credential file " + path + " (" + e.getClass().getSimpleName() + ")");
        }
        Map<String, TokenGrant> grants = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return grants;
        }
        if (!root.isObject()) {
            throw new CredentialFileException("credential file " + path
                    + " must be a mapping from connection id to {strategy, credentials, expires_at | expires_in}");
        }
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            try {
                grants.put(entry.getKey(), parser.parse(entry.getValue()));
            } catch (MalformedTokenException e) {
                throw new CredentialFileException("credential file " + path + ", connection '" + entry.getKey() + "': "
                        + e.getMessage());
            }
        }
        return grants;
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 0 ? ""
                : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
