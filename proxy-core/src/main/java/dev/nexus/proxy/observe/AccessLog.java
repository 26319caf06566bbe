package dev.nexus.proxy.observe;

/**
 * Where the data plane reports each finished request. {@link #log} never blocks and never
 * throws: implementations hand the entry off and return, so it is safe on an event loop.
 */
public interface AccessLog extends AutoCloseable {

    /** An access log that discards everything, for {@code access_log.enabled: false}. */
    AccessLog DISABLED = new AccessLog() {
        @Override
        public void log(ExchangeRecord entry) {
        }

        @Override
        public void close() {
        }
    };

    void log(ExchangeRecord entry);

    /** Writes what is queued (bounded by the implementation's own timeout) and releases the sink. */
    @Override
    void close();
}
