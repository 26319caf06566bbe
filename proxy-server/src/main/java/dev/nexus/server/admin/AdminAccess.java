package dev.nexus.server.admin;

import dev.nexus.server.config.Secret;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Whether one admin request may be answered: by the route's {@link AdminRoute.Access}, the caller's address and
 * its {@code Authorization: Bearer} header, compared with the token in constant time ({@link Secret#matches}).
 */
final class AdminAccess {

    private static final String BEARER = "Bearer ";

    private final Secret token;

    AdminAccess(Secret token) {
        this.token = token;
    }

    boolean allows(AdminRoute.Access access, SocketAddress caller, String authorization) {
        return switch (access) {
            case OPEN -> true;
            case LOOPBACK_OR_TOKEN -> isLoopback(caller) || bearerMatches(authorization);
            case TOKEN -> bearerMatches(authorization);
        };
    }

    private static boolean isLoopback(SocketAddress caller) {
        return caller instanceof InetSocketAddress remote && remote.getAddress() != null
                && remote.getAddress().isLoopbackAddress();
    }

    private boolean bearerMatches(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return token.matches(authorization.substring(BEARER.length()).trim());
    }
}
