package dev.nexus.proxy.tls;

import java.security.KeyPair;
import java.util.Locale;

/**
 * The key algorithm of minted leaves ({@code tls.leaf_key} setting). ECDSA P-256 is the default:
 * its keys generate in about a millisecond, RSA 2048 takes tens to hundreds, but some old clients
 * only speak RSA.
 */
public enum LeafKeyType {
    ECDSA_P256("ecdsa-p256"),
    RSA_2048("rsa-2048");

    private final String setting;

    LeafKeyType(String setting) {
        this.setting = setting;
    }

    /** Parses {@code ecdsa-p256} or {@code rsa-2048}. */
    public static LeafKeyType parse(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (LeafKeyType type : values()) {
            if (type.setting.equals(wanted)) {
                return type;
            }
        }
        throw new IllegalArgumentException("tls.leaf_key: expected ecdsa-p256 or rsa-2048 but got '" + value + "'");
    }

    /** The name used in configuration. */
    public String setting() {
        return setting;
    }

    KeyPair generate() {
        return this == ECDSA_P256 ? CertificateSigning.newEcP256KeyPair() : CertificateSigning.newRsa2048KeyPair();
    }
}
