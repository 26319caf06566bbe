package dev.nexus.server.admin;

import dev.nexus.server.config.Secret;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** Who gets an answer: connection state only with the token; metrics from loopback, or with the token. */
class AdminAccessTest {

    private static final String TOKEN = "admin-access-token-0123456789";
    private final AdminAccess access = new AdminAccess(Secret.of(TOKEN));

    private static InetSocketAddress from(String ip) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), 40000);
    }

    @Test
    void tokenRoutesNeedTheTokenEvenFromLoopback() throws Exception {
        assertThat(access.allows(AdminRoute.Access.TOKEN, from("127.0.0.1"), null)).isFalse();
        assertThat(access.allows(AdminRoute.Access.TOKEN, from("::1"), "Bearer wrong-0123456789abcdef")).isFalse();
        assertThat(access.allows(AdminRoute.Access.TOKEN, from("127.0.0.1"), "Bearer " + TOKEN)).isTrue();
        assertThat(access.allows(AdminRoute.Access.TOKEN, from("10.1.2.3"), "bearer " + TOKEN)).isTrue();
    }

    @Test
    void loopbackRoutesAreOpenOnLoopbackOnly() throws Exception {
        assertThat(access.allows(AdminRoute.Access.LOOPBACK_OR_TOKEN, from("127.0.0.1"), null)).isTrue();
        assertThat(access.allows(AdminRoute.Access.LOOPBACK_OR_TOKEN, from("::1"), null)).isTrue();
        assertThat(access.allows(AdminRoute.Access.LOOPBACK_OR_TOKEN, from("10.1.2.3"), null)).isFalse();
        assertThat(access.allows(AdminRoute.Access.LOOPBACK_OR_TOKEN, from("::ffff:10.1.2.3"), null)).isFalse();
        assertThat(access.allows(AdminRoute.Access.LOOPBACK_OR_TOKEN, from("10.1.2.3"), "Bearer " + TOKEN)).isTrue();
    }

    @Test
    void probesAreOpenToEveryone() throws Exception {
        assertThat(access.allows(AdminRoute.Access.OPEN, from("10.1.2.3"), null)).isTrue();
    }
}
