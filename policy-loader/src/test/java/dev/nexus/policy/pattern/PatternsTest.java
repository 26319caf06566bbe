package dev.nexus.policy.pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PatternsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/a/../b, /b",
            "/a/%2e%2e/b, /b",
            "/a/%2E%2e/b, /b",
            "/a//b, /a/b",
            "/a%2Fb, /a/b",
            "/a/./b/, /a/b/",
            "/.., /",
            "/a/.., /",
            "/a/b/.., /a/",
            "'', /",
            "/a?x=/../admin, /a",
            "/a#/../b, /a",
            "/%zz, /%zz",
            "/%25, /%",
            "/%2525, /%25",
            "/caf%C3%A9, /café",
            "'/a\\b', /a/b",
            "a/b, /a/b",
    })
    void pathNormalisation(String raw, String expected) {
        assertEquals(expected, PathNormalizer.normalize(raw));
    }

    @Test
    void normalPathIsReturnedAsIs() {
        String path = "/repos/x/y";
        assertSame(path, PathNormalizer.normalize(path));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "API.GitHub.com, api.github.com",
            "api.github.com., api.github.com",
            "bücher.example, xn--bcher-kva.example",
            "[::1], ::1",
            "[FD00::1], fd00::1",
    })
    void hostNormalisation(String raw, String expected) {
        assertEquals(expected, HostNames.normalize(raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a..b", ".", "a b", "a/b", "user@host", "a.b.."})
    void notAHost(String raw) {
        assertNull(HostNames.normalize(raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4", "255.255.255.255", "0.0.0.0", "::", "::1", "1::", "fe80::1:2", "1:2:3:4:5:6:7:8",
            "::ffff:1.2.3.4", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:1.2.3.4"})
    void ipLiteralsParseLikeTheJdk(String literal) throws Exception {
        IpAddress parsed = IpAddress.parse(literal);
        assertEquals(IpAddress.of(InetAddress.getByName(literal)), parsed, literal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.a", "api.github.com", ":::",
            "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:", ":1", "fe80::1%eth0", "2130706433"})
    void notIpLiterals(String text) {
        assertNull(IpAddress.parse(text));
    }

    @Test
    void cidrContainment() {
        CidrBlock block = CidrBlock.parse("172.16.0.0/12");
        assertTrue(block.contains(IpAddress.parse("172.31.255.255")));
        assertFalse(block.contains(IpAddress.parse("172.32.0.0")));
        assertTrue(CidrBlock.parse("fe80::/10").contains(IpAddress.parse("febf::1")));
        assertFalse(CidrBlock.parse("fe80::/10").contains(IpAddress.parse("fec0::1")));
        assertTrue(CidrBlock.parse("0.0.0.0/0").contains(IpAddress.parse("8.8.8.8")));
        assertFalse(CidrBlock.parse("0.0.0.0/0").contains(IpAddress.parse("::1")));
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            "/repos/*/issues, /repos/x/issues, true",
            "/repos/*/issues, /repos/x/y/issues, false",
            "/repos/*/issues, /repos//issues, true",
            "/repos/**, /repos/a/b/c, true",
            "/repos/**, /repos/, true",
            "/repos/**, /repos, true",
            "/repos/**, /reposx, false",
            "/a/*/**, /a/b, true",
            "/a/**/z, /a/b/c/z, true",
            "/a/*.json, /a/x.json, true",
            "/a/*.json, /a/x/y.json, false",
            "/, /anything, true",
            "/v1/, /v1/x, true",
            "/v1/, /v1, false",
    })
    void pathGlobs(String pattern, String path, boolean expected) {
        assertEquals(expected, PathPattern.parse(pattern).matches(path));
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            "*, '', true",
            "*, anything, true",
            "spiffe://prod/ns/billing/*, spiffe://prod/ns/billing/sa/bot, true",
            "spiffe://prod/ns/billing/*, spiffe://prod/ns/billing-evil/sa/bot, false",
            "spiffe://*/ns/billing/*, spiffe://dev/ns/billing/x, true",
            "bot-*-prod, bot-a-prod, true",
            "bot-*-prod, bot-prod, false",
            "billing-bot, billing-bot, true",
            "billing-bot, billing-bots, false",
    })
    void agentGlobs(String pattern, String agent, boolean expected) {
        assertEquals(expected, AgentPattern.parse(pattern).matches(agent));
    }
}
