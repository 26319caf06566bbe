package dev.nexus.server.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * A configuration value that must never be printed: API keys, tokens, encryption keys, URLs with
 * passwords. {@link #toString()} gives a redacted form, so records holding a {@code Secret} can be
 * logged; only {@link #reveal()} returns the value, and callers use it where the secret is needed.
 */
public final class Secret {

    static final String MASK = "****";

    private final String value;
    private final String display;

    private Secret(String value, String display) {
        this.value = Objects.requireNonNull(value, "value");
        this.display = display;
    }

    /** A secret shown as {@code ****}. */
    public static Secret of(String value) {
        return new Secret(value, MASK);
    }

    /**
     * A URL whose credentials are secret: shown with the password (or a password-only user-info, as
     * in {@code redis://password@host}) replaced by {@code ****}, the rest kept for diagnosis.
     */
    public static Secret url(String value) {
        return new Secret(value, redactUserInfo(value));
    }

    /** The secret itself; never log or echo the result. */
    public String reveal() {
        return value;
    }

    /**
     * Whether {@code candidate} equals the secret, in time independent of where they differ and of
     * their lengths (both sides are hashed first), so a remote caller cannot guess it byte by byte.
     */
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256(value), sha256(candidate));
    }

    @Override
    public String toString() {
        return display;
    }

    /** Masks the password part of the user-info and the whole query (which may carry one too). */
    static String redactUserInfo(String url) {
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            return MASK;
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = url.length();
        for (int i = authorityStart; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                authorityEnd = i;
                break;
            }
        }
        String authority = url.substring(authorityStart, authorityEnd);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            int colon = userInfo.indexOf(':');
            String shown = colon >= 0 ? userInfo.substring(0, colon + 1) + MASK : MASK;
            authority = shown + authority.substring(at);
        }
        String rest = url.substring(authorityEnd);
        int query = rest.indexOf('?');
        if (query >= 0) {
            rest = rest.substring(0, query + 1) + MASK;
        }
        return url.substring(0, authorityStart) + authority + rest;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
