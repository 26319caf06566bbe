package dev.nexus.proxy.credentials.cache;

import java.time.Clock;
import java.time.Instant;
import java.util.logging.Logger;

/**
 * Stops calling a credential source that keeps being unavailable. Closed: every call goes through.
 * After {@code threshold} consecutive unavailable answers it opens: calls fail fast for {@code coolDown}.
 * Then one probe call is let through (half-open): success closes it, failure opens it again.
 * Any answer other than "unavailable" (even revoked) proves the source reachable and counts as success.
 * Only consulted when a call is about to be made, never on a cache hit, so a lock is cheap enough.
 */
final class CircuitBreaker {

    private static final Logger LOG = Logger.getLogger(CircuitBreaker.class.getName());

    enum State { CLOSED, OPEN, HALF_OPEN }

    private final String name;
    private final int threshold;
    private final long coolDownMillis;
    private final Clock clock;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAtMillis;

    CircuitBreaker(String name, int threshold, long coolDownMillis, Clock clock) {
        this.name = name;
        this.threshold = threshold;
        this.coolDownMillis = coolDownMillis;
        this.clock = clock;
    }

    /** Whether a call may be made now; after the cool-down the first caller becomes the half-open probe. */
    synchronized boolean tryAcquire() {
        switch (state) {
            case CLOSED:
                return true;
            case OPEN:
                if (clock.millis() - openedAtMillis >= coolDownMillis) {
                    state = State.HALF_OPEN;
                    return true;
                }
                return false;
            default:
                return false;
        }
    }

    /** Whether calls are being refused right now (open and cooling down, or a probe is in flight). No side effect. */
    synchronized boolean refusing() {
        return state == State.HALF_OPEN || state == State.OPEN && clock.millis() - openedAtMillis < coolDownMillis;
    }

    synchronized void onSuccess() {
        if (state != State.CLOSED) {
            LOG.info(() -> name + " is reachable again; circuit closed");
        }
        state = State.CLOSED;
        consecutiveFailures = 0;
    }

    synchronized void onUnavailable() {
        consecutiveFailures++;
        if (state == State.HALF_OPEN || state == State.CLOSED && consecutiveFailures >= threshold) {
            state = State.OPEN;
            openedAtMillis = clock.millis();
            LOG.warning(() -> name + " unavailable " + consecutiveFailures + " times in a row; circuit open, next probe after "
                    + retryAt());
        }
    }

    synchronized boolean open() {
        return state != State.CLOSED;
    }

    synchronized Instant retryAt() {
        return Instant.ofEpochMilli(openedAtMillis + coolDownMillis);
    }

    synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }
}
