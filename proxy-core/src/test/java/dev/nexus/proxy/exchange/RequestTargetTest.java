package dev.nexus.proxy.exchange;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestTargetTest {

    @Test
    void absoluteFormWithPortPathAndQuery() throws Exception {
        RequestTarget target = RequestTarget.parseAbsolute("http://API.Example.com:8080/a/b?c=d#frag");
        assertThat(target).isEqualTo(new RequestTarget("http", "api.example.com", 8080, "/a/b?c=d"));
        assertThat(target.path()).isEqualTo("/a/b");
        assertThat(target.authority()).isEqualTo("api.example.com:8080");
    }

    @Test
    void missingPathBecomesSlashAndDefaultPortIsOmittedFromHost() throws Exception {
        RequestTarget target = RequestTarget.parseAbsolute("http://example.com?x=1");
        assertThat(target.pathAndQuery()).isEqualTo("/?x=1");
        assertThat(target.port()).isEqualTo(80);
        assertThat(target.authority()).isEqualTo("example.com");
    }

    @Test
    void ipv6Literals() throws Exception {
        RequestTarget target = RequestTarget.parseAbsolute("http://[::1]:8080/");
        assertThat(target.host()).isEqualTo("::1");
        assertThat(target.authority()).isEqualTo("[::1]:8080");
        assertThat(RequestTarget.parseAuthorityForm("[2001:db8::1]:443").host()).isEqualTo("2001:db8::1");
    }

    @Test
    void connectAuthorityForm() throws Exception {
        assertThat(RequestTarget.parseAuthorityForm("example.com:443"))
                .isEqualTo(new RequestTarget(null, "example.com", 443, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/relative", "ftp://example.com/", "http://", "http://user@host/", "http://host:0/",
            "http://host:65536/", "http://host:12a/", "http://ho st/", "http://[::1/", "http://host%00/"})
    void rejectsAmbiguousTargets(String uri) {
        assertThatThrownBy(() -> RequestTarget.parseAbsolute(uri)).isInstanceOf(RequestTarget.InvalidTargetException.class);
    }

    @Test
    void aTrailingDotIsRemovedOnceForNamesAndIpv4Literals() throws Exception {
        assertThat(RequestTarget.parseAbsolute("http://Allowed.Test./x").host()).isEqualTo("allowed.test");
        assertThat(RequestTarget.parseAbsolute("http://allowed.test.:8080/x").authority()).isEqualTo("allowed.test:8080");
        assertThat(RequestTarget.parseAuthorityForm("127.0.0.1.:443").host()).isEqualTo("127.0.0.1");
        assertThat(RequestTarget.parseAuthority("allowed.test.", 80).host()).isEqualTo("allowed.test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://allowed.test../", "http://./", "http://..:80/"})
    void anEmptyLabelIsNotAHost(String uri) {
        assertThatThrownBy(() -> RequestTarget.parseAbsolute(uri))
                .isInstanceOf(RequestTarget.InvalidTargetException.class).hasMessageContaining("invalid host");
    }
}
