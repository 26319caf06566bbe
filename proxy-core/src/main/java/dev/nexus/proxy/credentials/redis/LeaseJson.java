package dev.nexus.proxy.credentials.redis;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.Lease;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Map;

/**
 * The plaintext inside an encrypted lease record: a small JSON document with the lease's
 * connection id, strategy, credentials and times (ISO-8601, full precision). Unknown fields are
 * ignored so a newer replica may add some without breaking older ones during a rolling update.
 * Parse failures are reported without Jackson's message, which would quote the (secret) input.
 */
final class LeaseJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private LeaseJson() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    private record Document(@JsonProperty("connection") String connection,
                            @JsonProperty("strategy") Strategy strategy,
                            @JsonProperty("credentials") Map<String, String> credentials,
                            @JsonProperty("expires_at") String expiresAt,
                            @JsonProperty("fetched_at") String fetchedAt) {
    }

    private record Strategy(@JsonProperty("type") String type, @JsonProperty("config") Map<String, String> config) {
    }

    static byte[] write(Lease lease) {
        Document document = new Document(lease.connectionId(),
                new Strategy(lease.strategy().type(), lease.strategy().config()),
                lease.credentials(),
                lease.expiresAt() == null ? null : lease.expiresAt().toString(),
                lease.fetchedAt().toString());
        try {
            return MAPPER.writeValueAsBytes(document);
        } catch (IOException e) {
            // Serialising strings and maps cannot fail; keep Jackson's message (it may quote values) out.
            throw new IllegalStateException("cannot serialise lease for connection " + lease.connectionId());
        }
    }

    static Lease read(byte[] json) throws UnreadableRecordException {
        Document document;
        try {
            document = MAPPER.readValue(json, Document.class);
        } catch (JacksonException e) {
            throw new UnreadableRecordException("payload is not a lease document");
        } catch (IOException e) {
            throw new UnreadableRecordException("payload could not be read");
        }
        if (document == null || document.connection() == null || document.strategy() == null
                || document.strategy().type() == null || document.fetchedAt() == null) {
            throw new UnreadableRecordException("lease document lacks connection, strategy or fetched_at");
        }
        try {
            return new Lease(document.connection(),
                    new StrategySpec(document.strategy().type(), document.strategy().config()),
                    document.credentials() == null ? Map.of() : document.credentials(),
                    document.expiresAt() == null ? null : Instant.parse(document.expiresAt()),
                    Instant.parse(document.fetchedAt()));
        } catch (DateTimeException e) {
            throw new UnreadableRecordException("lease document has an invalid timestamp");
        } catch (NullPointerException e) {
            throw new UnreadableRecordException("lease document has a null credential field");
        }
    }
}
