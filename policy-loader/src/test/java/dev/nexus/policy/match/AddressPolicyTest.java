package dev.nexus.policy.match;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static dev.nexus.policy.Policies.compile;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SSRF rule: routes that name hosts never reach restricted addresses unless they list them. */
class AddressPolicyTest {

    private static final CompiledPolicy POLICY = compile("""
            version: 1
            routes:
              - name: public-api
                match: {hosts: [api.example.com, "*.example.org"]}
                action: allow
              - name: internal
                match: {hosts: [search.internal.example]}
                action: allow
                allow_private_cidrs: [10.0.0.0/8, "fd00::/8"]
              - name: by-address
                match: {hosts: [10.30.0.0/16, "::1"]}
                action: allow
            """);

    private static Decision.Destined decide(String host) {
        return assertInstanceOf(Decision.Destined.class,
                POLICY.decide(new PolicyRequest("", "https", host, 443, "GET", "/")));
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "169.254.169.254", "10.1.2.3", "172.16.0.1", "192.168.1.1",
            "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fd00::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1"})
    void hostnameRouteRefusesRestrictedAddresses(String address) throws Exception {
        assertFalse(decide("api.example.com").mayConnectTo(ip(address)));
        assertFalse(decide("www.example.org").mayConnectTo(ip(address)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1"})
    void hostnameRouteReachesPublicAddresses(String address) throws Exception {
        assertTrue(decide("api.example.com").mayConnectTo(ip(address)));
    }

    @Test
    void allowedPrivateCidrsArePermittedAndNothingElsePrivate() throws Exception {
        Decision.Destined internal = decide("search.internal.example");
        assertTrue(internal.mayConnectTo(ip("10.1.2.3")));
        assertTrue(internal.mayConnectTo(ip("fd00::1")));
        assertTrue(internal.mayConnectTo(ip("93.184.216.34")));
        assertFalse(internal.mayConnectTo(ip("127.0.0.1")));
        assertFalse(internal.mayConnectTo(ip("169.254.169.254")));
        assertFalse(internal.mayConnectTo(ip("192.168.1.1")));
    }

    @Test
    void addressRoutesPermitExactlyWhatTheyMatch() throws Exception {
        Decision.Destined byAddress = decide("10.30.1.2");
        assertTrue(byAddress.mayConnectTo(ip("10.30.1.2")));
        assertFalse(byAddress.mayConnectTo(ip("10.31.1.2")));
        assertFalse(byAddress.mayConnectTo(ip("93.184.216.34")));
        Decision.Destined loopback = decide("[::1]");
        assertTrue(loopback.mayConnectTo(ip("::1")));
        assertFalse(loopback.mayConnectTo(ip("127.0.0.1")));
    }

    /** Transition formats carrying a restricted IPv4 address are refused like the IPv4 address itself. */
    @ParameterizedTest
    @ValueSource(strings = {"::7f00:1", "::127.0.0.1", "::a9fe:a9fe", "::ffff:0:7f00:1", "::ffff:0:10.0.0.1",
            "64:ff9b::7f00:1", "64:ff9b::169.254.169.254", "64:ff9b::c0a8:101", "2002:7f00:1::1", "2002:a9fe:a9fe::",
            "2002:0a00:0001:1::5"})
    void embeddedRestrictedIpv4IsRefused(String address) throws Exception {
        assertFalse(decide("api.example.com").mayConnectTo(ip(address)), address);
    }

    /** The IANA special-purpose ranges that are not globally reachable, or only for documentation. */
    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.1", "198.51.100.7", "203.0.113.9", "192.0.0.8", "198.18.0.1", "198.19.255.1",
            "192.88.99.1", "255.255.255.255", "100::1", "2001:db8::1", "2001::1", "2001:2::1", "3fff::1",
            "64:ff9b:1::1", "5f00::1"})
    void specialPurposeRangesAreRefused(String address) throws Exception {
        assertFalse(decide("api.example.com").mayConnectTo(ip(address)), address);
    }

    /** Public IPv4 inside a transition format is as public as the address itself. */
    @ParameterizedTest
    @ValueSource(strings = {"64:ff9b::808:808", "2002:5db8:d822::1", "::ffff:0:808:808", "2001:4860::8888"})
    void embeddedPublicIpv4StaysReachable(String address) throws Exception {
        assertTrue(decide("api.example.com").mayConnectTo(ip(address)), address);
    }
}
