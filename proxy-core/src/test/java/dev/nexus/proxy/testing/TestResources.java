package dev.nexus.proxy.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test started and must stop (proxies, origins, interception contexts, log captures): each is registered
 * as it is made, and after each test, failed or not, all are closed in the reverse order, so a proxy stops
 * before the origin and contexts it was started with. Use as
 * {@code @RegisterExtension final TestResources resources = new TestResources();}, then
 * {@code origin = resources.add(TestOrigin.start());}. Closing goes on past a failing close; the first failure
 * is thrown at the end with the others suppressed.
 */
public final class TestResources implements AfterEachCallback {

    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    /** Registers {@code resource} to be closed after the test; returns it. */
    public <T extends AutoCloseable> T add(T resource) {
        open.push(resource);
        return resource;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception failure = null;
        AutoCloseable resource;
        while ((resource = open.poll()) != null) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
