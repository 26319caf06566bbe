package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBuf;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * HMAC and SHA-256 over byte arrays and Netty buffers. {@link Mac} and {@link MessageDigest} lookups
 * are slow and the instances are not thread-safe, so each thread (in practice each event loop) keeps
 * its own; keys are set per call and never retained beyond the next call on that thread.
 */
final class Digests {

    /** The HMAC algorithms the strategies use, by JCA name. */
    enum HmacAlgorithm {
        SHA256("HmacSHA256"),
        SHA1("HmacSHA1");

        private final String jcaName;
        private final ThreadLocal<Mac> perThread;

        HmacAlgorithm(String jcaName) {
            this.jcaName = jcaName;
            this.perThread = ThreadLocal.withInitial(() -> newMac(jcaName));
        }

        Mac init(byte[] key) {
            Mac mac = perThread.get();
            try {
                mac.init(new SecretKeySpec(key, jcaName));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(jcaName + " rejected its key", e);
            }
            return mac;
        }
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Digests::newSha256);

    private Digests() {
    }

    /**
     * A {@link Mac} of its own, keyed with {@code key}, for a caller that signs many messages with one key
     * (a chunk chain): {@code doFinal} leaves it keyed for the next message.
     */
    static Mac keyedMac(HmacAlgorithm algorithm, byte[] key) {
        Mac mac = newMac(algorithm.jcaName);
        try {
            mac.init(new SecretKeySpec(key, algorithm.jcaName));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm.jcaName + " rejected its key", e);
        }
        return mac;
    }

    /** A SHA-256 digest of its own, for a caller that hashes a long stream piece by piece. */
    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * Adds the buffer's readable bytes to {@code digest} without moving its reader index. Reads direct
     * buffers in place through NIO views ({@code nioBuffer} of a single-buffer ByteBuf allocates no array).
     */
    static void update(MessageDigest digest, ByteBuf data) {
        if (data.nioBufferCount() == 1) {
            digest.update(data.nioBuffer());
            return;
        }
        for (ByteBuffer chunk : data.nioBuffers()) {
            digest.update(chunk);
        }
    }

    static byte[] hmac(HmacAlgorithm algorithm, byte[] key, byte[] data) {
        return algorithm.init(key).doFinal(data);
    }

    /** HMAC of the buffer's readable bytes (an empty or {@code null} buffer is the empty message). */
    static byte[] hmac(HmacAlgorithm algorithm, byte[] key, ByteBuf data) {
        Mac mac = algorithm.init(key);
        if (data != null && data.isReadable()) {
            for (ByteBuffer chunk : data.nioBuffers()) {
                mac.update(chunk);
            }
        }
        return mac.doFinal();
    }

    static byte[] sha256(byte[] data) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return digest.digest(data);
    }

    /** SHA-256 of the buffer's readable bytes (an empty or {@code null} buffer is the empty message). */
    static byte[] sha256(ByteBuf data) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        if (data != null && data.isReadable()) {
            update(digest, data);
        }
        return digest.digest();
    }

    private static Mac newMac(String jcaName) {
        try {
            return Mac.getInstance(jcaName);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(jcaName + " is not available", e);
        }
    }
}
