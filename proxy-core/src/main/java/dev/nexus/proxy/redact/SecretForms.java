package dev.nexus.proxy.redact;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The spellings in which an origin may hand a secret back: as sent, JSON-escaped (an echo endpoint's
 * JSON, with and without {@code \/}), and percent-encoded (a redirect URL or an echoed query: RFC
 * 3986 with {@code %20}, form encoding with {@code +}, upper- and lower-case hex). Spellings shorter
 * than {@link SecretPatterns#MIN_SECRET_BYTES} are left out.
 */
final class SecretForms {

    private static final JsonStringEncoder JSON = JsonStringEncoder.getInstance();

    private SecretForms() {
    }

    /** The UTF-8 bytes of every spelling of every value, without duplicates. */
    static List<byte[]> of(List<String> values) {
        Set<String> forms = new LinkedHashSet<>();
        for (String value : values) {
            forms.add(value);
            String json = new String(JSON.quoteAsString(value));
            forms.add(json);
            forms.add(json.replace("/", "\\/"));
            String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
            forms.add(form);
            forms.add(lowerCaseEscapes(form));
            String rfc3986 = form.replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
            forms.add(rfc3986);
            forms.add(lowerCaseEscapes(rfc3986));
        }
        List<byte[]> patterns = new ArrayList<>(forms.size());
        for (String form : forms) {
            byte[] bytes = form.getBytes(StandardCharsets.UTF_8);
            if (bytes.length >= SecretPatterns.MIN_SECRET_BYTES) {
                patterns.add(bytes);
            }
        }
        return patterns;
    }

    private static String lowerCaseEscapes(String encoded) {
        if (encoded.indexOf('%') < 0) {
            return encoded;
        }
        StringBuilder out = new StringBuilder(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            out.append(c);
            if (c == '%' && i + 2 < encoded.length()) {
                out.append(encoded.substring(i + 1, i + 3).toLowerCase(Locale.ROOT));
                i += 2;
            }
        }
        return out.toString();
    }
}
