package dev.nexus.server.admin;

/**
 * One condition of readiness, e.g. "listeners bound", "policy loaded", "redis". Called on every
 * {@code /readyz} request on the admin event loop: read state that is already known, never do I/O.
 */
@FunctionalInterface
public interface ReadinessCheck {

    Result check();

    enum Status {
        /** Fine. */
        UP,
        /** Working with reduced capability (e.g. Redis down, falling back to in-process); still ready. */
        DEGRADED,
        /** Not able to serve; the proxy is not ready. */
        DOWN
    }

    /** @param detail a short human-readable explanation, never a secret */
    record Result(Status status, String detail) {
        public static Result up(String detail) {
            return new Result(Status.UP, detail);
        }

        public static Result degraded(String detail) {
            return new Result(Status.DEGRADED, detail);
        }

        public static Result down(String detail) {
            return new Result(Status.DOWN, detail);
        }
    }
}
