package dev.nexus.proxy.credentials;

import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestResources;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The setting of the end-to-end credential tests, made before each test and checked after it: the logs
 * captured, a test Authority that wants the proxy's API key, and the transcript of every response an agent
 * saw. What a test starts on top (replicas, origins, Redis) is registered with {@link #add} and closed first,
 * newest first; then the Authority; last, the logs and the transcript are searched for every secret
 * ({@link Secrets#assertNoneIn}). Use as
 * {@code @RegisterExtension final CredentialScene scene = new CredentialScene();}.
 */
final class CredentialScene implements BeforeEachCallback, AfterEachCallback {

    private final List<String> agentSaw = ProxyReplica.transcript();
    private final TestResources started = new TestResources();
    private LogCapture logs;
    private TestAuthority authority;

    @Override
    public void beforeEach(ExtensionContext context) {
        logs = new LogCapture();
        authority = TestAuthority.builder().apiKey(Secrets.API_KEY_HEADER, Secrets.API_KEY).start();
    }

    /** Registers {@code resource} to be closed after the test, before the Authority; returns it. */
    <T extends AutoCloseable> T add(T resource) {
        return started.add(resource);
    }

    TestAuthority authority() {
        return authority;
    }

    /** Everything an agent received, for the secrets check after the test. */
    List<String> agentSaw() {
        return agentSaw;
    }

    /** Starts a replica of this scene's Authority, recording what its agents see, closed after the test. */
    ProxyReplica replica(UnaryOperator<ProxyReplica.Builder> options) throws InterruptedException {
        return add(options.apply(ProxyReplica.builder(authority, Secrets.API_KEY, agentSaw)).start());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            started.afterEach(context);
        } finally {
            authority.close();
            logs.close();
        }
        Secrets.assertNoneIn(logs.text(), agentSaw);
    }
}
