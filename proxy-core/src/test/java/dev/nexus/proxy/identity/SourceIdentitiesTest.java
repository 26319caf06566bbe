package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SourceIdentitiesTest {

    private static SourceIdentities sources() throws Exception {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("10.1.0.0/16", "team-a");
        map.put("10.1.2.7", "billing-pod");
        map.put("127.0.0.1/32", "sidecar");
        map.put("fd00:1::/64", "v6-team");
        map.put("::1", "sidecar-v6");
        return SourceIdentities.parse(map);
    }

    private static String nameOf(SourceIdentities sources, String address) throws Exception {
        AgentIdentity identity = sources.lookup(InetAddress.getByName(address));
        return identity == null ? null : identity.name();
    }

    @Test
    void ipv4AddressesMapToTheMostSpecificBlock() throws Exception {
        SourceIdentities sources = sources();

        assertEquals("billing-pod", nameOf(sources, "10.1.2.7"));
        assertEquals("team-a", nameOf(sources, "10.1.2.8"));
        assertEquals("sidecar", nameOf(sources, "127.0.0.1"));
        assertNull(nameOf(sources, "127.0.0.2"));
        assertNull(nameOf(sources, "10.2.0.1"));
        assertEquals(AgentIdentity.Method.SOURCE, sources.lookup(InetAddress.getByName("127.0.0.1")).method());
    }

    @Test
    void ipv6AddressesAndIpv4MappedAddressesMatch() throws Exception {
        SourceIdentities sources = sources();

        assertEquals("sidecar-v6", nameOf(sources, "::1"));
        assertEquals("v6-team", nameOf(sources, "fd00:1::abcd"));
        assertNull(nameOf(sources, "fd00:2::1"));
        assertEquals("billing-pod", nameOf(sources, "::ffff:10.1.2.7"));
    }

    @Test
    void invalidEntriesNameTheEntry() {
        IdentityConfigException badCidr = assertThrows(IdentityConfigException.class,
                () -> SourceIdentities.parse(Map.of("10.0.0.0/33", "x")));
        IdentityConfigException hostBits = assertThrows(IdentityConfigException.class,
                () -> SourceIdentities.parse(Map.of("10.0.0.1/8", "x")));
        IdentityConfigException emptyName = assertThrows(IdentityConfigException.class,
                () -> SourceIdentities.parse(Map.of("::1", " ")));

        assertEquals("source \"10.0.0.0/33\": invalid CIDR \"10.0.0.0/33\" (prefix must be 0-32)", badCidr.getMessage());
        assertEquals("source \"10.0.0.1/8\": invalid CIDR \"10.0.0.1/8\" (host bits set; did you mean 10.0.0.0/8?)",
                hostBits.getMessage());
        assertEquals("source \"::1\": identity name must not be empty", emptyName.getMessage());
    }

    @Test
    void namesAreTheConfiguredOnes() throws Exception {
        assertEquals(Set.of("team-a", "billing-pod", "sidecar", "v6-team", "sidecar-v6"), sources().names());
    }
}
