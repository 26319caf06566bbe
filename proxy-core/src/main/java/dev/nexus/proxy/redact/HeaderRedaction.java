package dev.nexus.proxy.redact;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Overwrites secrets in header names and values (response headers, trailers), keeping every header in
 * its place and each value's length. Headers without a secret are only read.
 */
final class HeaderRedaction {

    private HeaderRedaction() {
    }

    /** @return how many occurrences were overwritten */
    static long redact(SecretPatterns patterns, HttpHeaders headers) {
        if (patterns.isEmpty() || headers.isEmpty()) {
            return 0;
        }
        long[] found = new long[1];
        List<Map.Entry<String, String>> rewritten = null;
        int index = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); index++) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            String name = patterns.redact(header.getKey(), found);
            String value = patterns.redact(header.getValue(), found);
            if ((name != null || value != null) && rewritten == null) {
                rewritten = copyUpTo(headers, index);
            }
            if (rewritten != null) {
                rewritten.add(Map.entry(name != null ? name : header.getKey().toString(),
                        value != null ? value : header.getValue().toString()));
            }
        }
        if (rewritten != null) {
            headers.clear();
            for (Map.Entry<String, String> header : rewritten) {
                headers.add(header.getKey(), header.getValue());
            }
        }
        return found[0];
    }

    /** The first {@code count} headers, in order: the ones before the first that changes. */
    private static List<Map.Entry<String, String>> copyUpTo(HttpHeaders headers, int count) {
        List<Map.Entry<String, String>> copy = new ArrayList<>(headers.size());
        Iterator<Map.Entry<String, String>> it = headers.iteratorAsString();
        for (int i = 0; i < count; i++) {
            Map.Entry<String, String> header = it.next();
            copy.add(Map.entry(header.getKey(), header.getValue()));
        }
        return copy;
    }
}
