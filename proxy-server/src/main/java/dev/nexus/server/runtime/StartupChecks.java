package dev.nexus.server.runtime;

import dev.nexus.proxy.credentials.file.CredentialFileException;
import dev.nexus.proxy.tls.CaException;
import dev.nexus.server.admin.AdminToken;
import dev.nexus.server.config.NexusConfig;

import java.io.IOException;
import java.util.Optional;

/**
 * What can be known wrong about the files a start reads, checked before it writes any: an existing
 * admin token file, credential file and interception CA must be private and valid. A problem found here
 * is the operator's to fix in files or configuration, so it is one line, never a stack trace.
 */
public final class StartupChecks {

    private StartupChecks() {
    }

    /** The first problem with the files {@code config} names, or empty when a start may go ahead. */
    public static Optional<String> problem(NexusConfig config) {
        try {
            AdminToken.verify(config.admin());
            CredentialSources.verify(config.authority());
            TlsRuntime.verify(config.tls());
            return Optional.empty();
        } catch (IOException | CaException | CredentialFileException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Whether {@code failure} of a later start step is such a file or configuration problem. */
    public static boolean isConfigurationProblem(Throwable failure) {
        return failure instanceof CaException || failure instanceof CredentialFileException;
    }
}
