package dev.nexus.proxy.credentials.redis;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisStoreSettingsTest {

    private final String key = TestLeases.base64Key();
    private final LeaseCipher cipher = TestLeases.cipher("k1", key);

    @Test
    void defaultsMatchTheDocumentation() {
        RedisStoreSettings settings = RedisStoreSettings.of("redis://127.0.0.1:6379", cipher);

        assertEquals("nexus:lease:", settings.namespace());
        assertEquals(Duration.ofMillis(500), settings.commandTimeout());
        assertFalse(settings.cluster());
    }

    @Test
    void toStringHidesThePasswordAndTheKey() {
        RedisStoreSettings settings = RedisStoreSettings.of("rediss://proxy:hunter2-pw@redis.internal:6380/0", cipher);

        String text = settings.toString();

        assertTrue(text.contains("rediss://***@redis.internal:6380/0"), text);
        assertFalse(text.contains("hunter2-pw"), "toString shows the Redis password");
        assertFalse(text.contains(key), "toString shows the encryption key");
    }

    @Test
    void sentinelAndClusterUrlsAreParsed() {
        RedisStoreSettings sentinel = RedisStoreSettings.of(
                "redis-sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/0#mymaster", cipher);
        RedisStoreSettings cluster = RedisStoreSettings.of("redis://127.0.0.1:7000,127.0.0.1:7001", cipher).withCluster(true);

        assertEquals("mymaster", sentinel.redisUris().get(0).getSentinelMasterId());
        assertEquals(2, sentinel.redisUris().get(0).getSentinels().size());
        assertEquals(2, cluster.redisUris().size());
        assertEquals("redis-sentinel://***@127.0.0.1:26379,127.0.0.1:26380/0#mymaster", sentinel.redactedUrl());
    }

    @Test
    void invalidUrlIsRefusedNamingTheFieldButNotThePassword() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RedisStoreSettings.of("http://user:hunter2-pw@host:6379", cipher));

        assertTrue(e.getMessage().startsWith("redis.url is not a valid Redis URL"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2-pw"), e.getMessage());
    }

    @Test
    void nonPositiveDurationsNameTheField() {
        RedisStoreSettings settings = RedisStoreSettings.of("redis://127.0.0.1", cipher);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings.withCommandTimeout(Duration.ZERO));

        assertEquals("redis.command_timeout must be a positive duration, got PT0S", e.getMessage());
    }
}
