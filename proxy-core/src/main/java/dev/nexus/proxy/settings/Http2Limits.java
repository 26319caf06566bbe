package dev.nexus.proxy.settings;

import java.time.Duration;

/**
 * Limits on one agent's HTTP/2 connection (intercepted h2 and h2c). Breaking a connection-wide one closes
 * that connection with GOAWAY and a log line; other agents are not affected.
 *
 * @param maxConcurrentStreams  streams an agent may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); more
 *                              are refused with RST_STREAM(REFUSED_STREAM)
 * @param maxHeaderListSize     largest header list of one request, decompressed (SETTINGS_MAX_HEADER_LIST_SIZE)
 * @param streamWindowBytes     flow-control window per stream: what an agent may send before the proxy has
 *                              passed it on (SETTINGS_INITIAL_WINDOW_SIZE)
 * @param maxResetsPerWindow    RST_STREAM frames an agent may send per {@code resetWindow} (rapid reset,
 *                              CVE-2023-44487)
 * @param resetWindow           the window the resets are counted in
 * @param maxContinuationFrames small CONTINUATION frames accepted for one header block (CONTINUATION flood,
 *                              CVE-2024-27316)
 * @param maxEmptyDataFrames    consecutive empty DATA frames without END_STREAM accepted
 * @param maxQueuedControlFrames control frame answers (SETTINGS ack, PING ack) queued for an agent that does
 *                              not read them (SETTINGS and PING floods)
 * @param maxPingsPerWindow     PING frames an agent may send per {@code controlFrameWindow} (PING flood); a PING
 *                              that follows response data the proxy sent since the previous one (a flow-control
 *                              probe, as gRPC clients send while they download) is not counted
 * @param maxSettingsPerWindow  SETTINGS frames an agent may send per {@code controlFrameWindow} (SETTINGS flood)
 * @param controlFrameWindow    the window PING and SETTINGS frames are counted in
 */
public record Http2Limits(int maxConcurrentStreams, int maxHeaderListSize, int streamWindowBytes,
                          int maxResetsPerWindow, Duration resetWindow, int maxContinuationFrames,
                          int maxEmptyDataFrames, int maxQueuedControlFrames, int maxPingsPerWindow,
                          int maxSettingsPerWindow, Duration controlFrameWindow) {

    public Http2Limits {
        requireAtLeast("http2.max_concurrent_streams", maxConcurrentStreams, 1);
        requireAtLeast("http2.max_header_list_size", maxHeaderListSize, 1024);
        requireAtLeast("http2.stream_window_bytes", streamWindowBytes, 16_384);
        requireAtLeast("http2.max_resets_per_window", maxResetsPerWindow, 1);
        requireAtLeast("http2.max_continuation_frames", maxContinuationFrames, 1);
        requireAtLeast("http2.max_empty_data_frames", maxEmptyDataFrames, 1);
        requireAtLeast("http2.max_queued_control_frames", maxQueuedControlFrames, 1);
        requireAtLeast("http2.max_pings_per_window", maxPingsPerWindow, 1);
        requireAtLeast("http2.max_settings_per_window", maxSettingsPerWindow, 1);
        requireWindow("http2.reset_window", resetWindow);
        requireWindow("http2.control_frame_window", controlFrameWindow);
    }

    /** The documented defaults. */
    public static Http2Limits defaults() {
        return new Http2Limits(100, 16_384, 1 << 20, 200, Duration.ofSeconds(30), 16, 2, 1000, 100, 50,
                Duration.ofSeconds(30));
    }

    private static void requireWindow(String name, Duration window) {
        if (window.toSeconds() < 1) {
            throw new IllegalArgumentException(name + " must be at least 1s, got " + window);
        }
    }

    private static void requireAtLeast(String name, long value, long minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(name + " must be at least " + minimum + ", got " + value);
        }
    }
}
