package dev.nexus.bench.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.ToLongFunction;

/**
 * {@link RedactionBenchmark}'s {@code copy} and {@code redact} measured in CPU time of the running thread
 * instead of wall time. On the shared benchmark machine (load averages of 10-20 on 2 cores) JMH's wall
 * times mostly measure how long the thread waited for a core; CPU time does not count the waiting, so
 * before/after comparisons of the scan stay readable there. Warm-up, then 15 samples per operation;
 * prints min, median and max per operation.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.nexus.bench.jmh.RedactionCpuTime [json|zeros]}
 */
public final class RedactionCpuTime {

    private static final int SAMPLES = 15;
    private static final int WARMUP_SAMPLES = 10;
    /** Keeps the results alive so that the compiler cannot drop the work. */
    private static volatile long blackhole;

    private RedactionCpuTime() {
    }

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int size : new int[] {1024, 8 * 1024 * 1024}) {
            RedactionBenchmark benchmark = new RedactionBenchmark();
            benchmark.bodyBytes = size;
            benchmark.content = args.length > 0 ? args[0] : "json";
            benchmark.prepare();
            int repetitions = size == 1024 ? 100_000 : 10;
            try {
                report(threads, "copy", size, repetitions, b -> b.copy(), benchmark);
                report(threads, "redact", size, repetitions, RedactionBenchmark::redact, benchmark);
            } finally {
                benchmark.release();
            }
        }
    }

    private static void report(ThreadMXBean threads, String name, int size, int repetitions,
                               ToLongFunction<RedactionBenchmark> operation, RedactionBenchmark benchmark) {
        long sink = 0;
        double[] nanosPerOp = new double[SAMPLES];
        for (int sample = -WARMUP_SAMPLES; sample < SAMPLES; sample++) {
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < repetitions; i++) {
                sink += operation.applyAsLong(benchmark);
            }
            if (sample >= 0) {
                nanosPerOp[sample] = (threads.getCurrentThreadCpuTime() - start) / (double) repetitions;
            }
        }
        blackhole = sink;
        Arrays.sort(nanosPerOp);
        System.out.printf("%-7s %8d B  CPU us/op  min %10.3f  median %10.3f  max %10.3f%n", name, size,
                nanosPerOp[0] / 1000, nanosPerOp[SAMPLES / 2] / 1000, nanosPerOp[SAMPLES - 1] / 1000);
    }
}
