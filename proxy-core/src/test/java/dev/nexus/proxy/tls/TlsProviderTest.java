package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nexus.proxy.testing.LogCapture;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Test;

class TlsProviderTest {

    @Test
    void settingParsesCaseInsensitivelyAndNamesTheFieldOnError() {
        assertEquals(TlsProvider.Preference.OPENSSL, TlsProvider.Preference.parse(" OpenSSL "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsProvider.Preference.parse("boring"));
        assertTrue(e.getMessage().startsWith("tls.provider:") && e.getMessage().contains("'boring'"), e.getMessage());
    }

    @Test
    void autoPrefersOpenSslWhenItLoadsAndLogsTheChoice() {
        try (LogCapture logs = new LogCapture(TlsProvider.class.getName())) {
            TlsProvider chosen = TlsProvider.choose(TlsProvider.Preference.AUTO);

            assertEquals(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK, chosen.sslProvider());
            assertTrue(logs.lines().stream().anyMatch(l -> l.contains("TLS provider: " + chosen.description())),
                    logs.lines().toString());
        }
    }

    @Test
    void forcedProvidersAreHonoured() {
        assertEquals(SslProvider.JDK, TlsProvider.choose(TlsProvider.Preference.JDK).sslProvider());
        if (OpenSsl.isAvailable()) {
            assertEquals(SslProvider.OPENSSL, TlsProvider.choose(TlsProvider.Preference.OPENSSL).sslProvider());
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> TlsProvider.choose(TlsProvider.Preference.OPENSSL));
            assertTrue(e.getMessage().contains("cannot be loaded"), e.getMessage());
        }
    }

    @Test
    void openSslIsAvailableOnTheBuildPlatformSoBothPathsAreTested() {
        assertTrue(OpenSsl.isAvailable(), () -> "netty-tcnative did not load: " + OpenSsl.unavailabilityCause());
    }
}
