package dev.nexus.proxy.settings;

import io.netty.channel.WriteBufferWaterMark;

/** The write-buffer water marks of every relayed connection, agent side and upstream side alike. */
public final class RelayWaterMarks {

    /**
     * When a relayed connection counts as full. Netty's 32/64 KiB default is about one read, so a bulk
     * transfer would pause and resume its source on nearly every read; at most 512 KiB is queued per
     * connection before the other side stops reading.
     */
    public static final WriteBufferWaterMark RELAY = new WriteBufferWaterMark(128 * 1024, 512 * 1024);

    private RelayWaterMarks() {
    }
}
