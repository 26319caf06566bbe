package dev.nexus.proxy.ingress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** How the first bytes inside an intercepted CONNECT are recognised, including when they arrive in pieces. */
class TunnelContentClassifierTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "\\x16\\x03\\x01\\x02\\x00|TLS",
            "\\x16|TLS",
            "GET / HTTP/1.1\\r\\n|HTTP1",
            "'POST '|HTTP1",
            "PRI / HTTP/1.1|HTTP1",
            "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n|H2C",
            "PRI * HTTP/2.0\\r\\n|UNDECIDED",
            "GE|UNDECIDED",
            "' GET /'|UNKNOWN",
            "\\x00\\x01\\x02|UNKNOWN",
            "SSH-2.0-OpenSSH_9.2\\r\\n|UNKNOWN",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ |UNKNOWN",
            "\\r\\nGET / HTTP/1.1|UNKNOWN",
    })
    void classifies(String escaped, TunnelContentClassifier.Kind expected) {
        ByteBuf bytes = Unpooled.copiedBuffer(unescape(escaped), StandardCharsets.ISO_8859_1);
        try {
            assertThat(TunnelContentClassifier.classify(bytes)).isEqualTo(expected);
        } finally {
            bytes.release();
        }
    }

    private static String unescape(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                out.append(c);
            } else if (text.charAt(i + 1) == 'x') {
                out.append((char) Integer.parseInt(text.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.append(text.charAt(i + 1) == 'r' ? '\r' : '\n');
                i += 1;
            }
        }
        return out.toString();
    }
}
