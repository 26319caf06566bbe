package dev.nexus.proxy.credentials.redis;

/**
 * A lease record in Redis that this replica cannot use: unknown key id, failed authentication
 * (tampered, moved to another key, or encrypted with a different key of the same id), an
 * unsupported format, or a payload that is not a lease. The message states the reason only,
 * never record content; the store logs it and treats the record as a miss.
 */
final class UnreadableRecordException extends Exception {

    UnreadableRecordException(String reason) {
        super(reason, null, false, false);
    }
}
