package dev.nexus.policy.pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The canonical path rules are matched against, and the spellings refused as ambiguous. */
class PathCanonicalFormTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/admin;x=1/x, /admin/x",
            "/admin;/x, /admin/x",
            "/admin%3b/x, /admin/x",
            "/admin%3Bjsessionid=1, /admin",
            "/admin./x, /admin/x",
            "/admin%20/x, /admin/x",
            "/admin.%20./x, /admin/x",
            "/x/..;/admin/y, /admin/y",
            "/a.b/c, /a.b/c",
            "/v1.2/x., /v1.2/x",
    })
    void segmentsAreReadAsOriginsReadThem(String raw, String canonical) {
        assertThat(PathNormalizer.normalize(raw)).isEqualTo(canonical);
        assertThat(PathAmbiguity.reason(raw)).isNull();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "/admin%00/x       | encoded control character",
            "/admin%0a/x       | encoded control character",
            "/admin%7F         | encoded control character",
            "/%252e%252e/admin | percent-encoded twice",
            "/admin%252fx      | percent-encoded twice",
            "/admin%zz/x       | malformed percent escape",
            "/admin%4          | malformed percent escape",
            "/%c0%ae%c0%ae/x   | not UTF-8",
            "/.../admin        | only of dots and spaces",
            "/..%20/admin      | only of dots and spaces",
    })
    void ambiguousSpellingsAreNamed(String raw, String why) {
        assertThat(PathAmbiguity.reason(raw)).contains(why);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/repos/x/y", "/caf%C3%A9", "/a%2Fb", "/public/../admin", "/search?q=%00", "/x%20y/z"})
    void ordinaryPathsAreNotAmbiguous(String raw) {
        assertThat(PathAmbiguity.reason(raw)).isNull();
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            "/admin/**, /ADMIN/x, true",
            "/admin/**, /Admin, true",
            "/admin, /ADMIN/users, true",
            "/admin, /ADMINX, false",
            "/repos/*/issues, /REPOS/x/Issues, true",
    })
    void caseInsensitivePatterns(String pattern, String path, boolean expected) {
        assertThat(PathPattern.parse(pattern, true).matches(path)).isEqualTo(expected);
        assertThat(PathPattern.parse(pattern).matches(path)).isFalse();
    }
}
