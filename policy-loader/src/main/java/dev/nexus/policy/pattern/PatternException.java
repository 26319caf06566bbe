package dev.nexus.policy.pattern;

/** A policy value that cannot be parsed; the message says what is wrong and what is expected. */
public final class PatternException extends IllegalArgumentException {

    public PatternException(String message) {
        super(message);
    }
}
