package dev.nexus.proxy.relay;

import io.netty.channel.Channel;

/**
 * Reading from a channel stops while any reason to stop holds: waiting for an upstream connection or
 * for an agent's credentials to be checked, a peer that cannot take more bytes (backpressure), a
 * pipelined request waiting its turn, a body held until the origin says 100 Continue. Keeping
 * the reasons apart stops one concern from resuming reads that another one paused.
 */
public final class ReadGate {

    public static final int AWAITING_UPSTREAM = 1;
    public static final int PEER_UNWRITABLE = 1 << 1;
    public static final int REQUEST_QUEUED = 1 << 2;
    public static final int AWAITING_IDENTITY = 1 << 3;
    /** Body pieces wait for the origin's 100 Continue: no more are read meanwhile. */
    static final int AWAITING_CONTINUE = 1 << 4;

    private final Channel channel;
    private int closedBy;

    public ReadGate(Channel channel) {
        this.channel = channel;
    }

    public void close(int reason) {
        closedBy |= reason;
        apply();
    }

    public void open(int reason) {
        closedBy &= ~reason;
        apply();
    }

    public void set(int reason, boolean closed) {
        if (closed) {
            close(reason);
        } else {
            open(reason);
        }
    }

    private void apply() {
        boolean autoRead = closedBy == 0;
        if (channel.config().isAutoRead() != autoRead) {
            channel.config().setAutoRead(autoRead);
        }
    }
}
