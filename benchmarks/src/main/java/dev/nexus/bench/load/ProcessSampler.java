package dev.nexus.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads another process's CPU time and peak resident memory from Linux {@code /proc}, so the load
 * client can measure the proxy over exactly its own measured window (no skew between a script's
 * sampling and the client's warm-up). Peak RSS is reset at the start of the window by writing
 * {@code 5} to {@code clear_refs} (Linux 4.0+, needs the same user or root); where that fails the
 * reported peak covers the process's whole life, and {@link #peakResetFailed()} says so.
 */
final class ProcessSampler {

    private final long pid;
    private final long clockTicksPerSecond;
    private boolean peakResetFailed;

    ProcessSampler(long pid, long clockTicksPerSecond) {
        this.pid = pid;
        this.clockTicksPerSecond = clockTicksPerSecond;
    }

    long pid() {
        return pid;
    }

    /** CPU time of the process and all its threads, split into user and kernel (system) time. */
    record CpuTime(long userNanos, long systemNanos) {
    }

    CpuTime cpuTime() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long nanosPerTick = 1_000_000_000L / clockTicksPerSecond;
            return new CpuTime(Long.parseLong(fields[11]) * nanosPerTick, Long.parseLong(fields[12]) * nanosPerTick); // utime, stime
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read CPU time of pid " + pid + ": " + e.getMessage(), e);
        }
    }

    /** Starts a new peak-RSS window. */
    void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
        } catch (IOException e) {
            peakResetFailed = true;
        }
    }

    boolean peakResetFailed() {
        return peakResetFailed;
    }

    /** Peak resident set size (VmHWM) in KiB since the last reset, or -1 when unreadable. */
    long peakRssKib() {
        return statusField("VmHWM:");
    }

    private long statusField(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).replace("kB", "").trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
