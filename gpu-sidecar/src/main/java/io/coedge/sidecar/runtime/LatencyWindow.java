package io.coedge.sidecar.runtime;

import java.util.Arrays;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Per-batch-size execution latency, Clockwork style: the p99 (and the median) of the last
 * {@value #WINDOW} executions at each batch size. Warm-up fills it at start; live executions keep it current.
 */
public final class LatencyWindow {
    public static final int WINDOW = 10;

    private final TreeMap<Integer, long[]> samples = new TreeMap<>();
    private final TreeMap<Integer, Integer> counts = new TreeMap<>();

    public synchronized void record(int batchSize, long nanos) {
        long[] window = samples.computeIfAbsent(batchSize, b -> new long[WINDOW]);
        int n = counts.merge(batchSize, 1, Integer::sum);
        window[(n - 1) % WINDOW] = nanos;
    }

    /** p99 (nearest rank) of the recorded window for exactly this batch size, or -1. */
    public synchronized long p99Nanos(int batchSize) {
        return percentileNanos(batchSize, 0.99);
    }

    /** Median (nearest rank) of the recorded window for exactly this batch size, or -1. */
    public synchronized long p50Nanos(int batchSize) {
        return percentileNanos(batchSize, 0.50);
    }

    private long percentileNanos(int batchSize, double q) {
        long[] window = samples.get(batchSize);
        if (window == null) {
            return -1;
        }
        int n = Math.min(counts.get(batchSize), WINDOW);
        long[] sorted = Arrays.copyOf(window, n);
        Arrays.sort(sorted);
        int rank = Math.max(1, (int) Math.ceil(q * n));
        return sorted[rank - 1];
    }

    /**
     * The latency expected for a batch, by the one rule the batcher plans with too
     * ({@link io.coedge.scheduler.model.LatencyProfile#estimate(java.util.NavigableMap, int)}): its own
     * p99 when measured, else interpolated between the measured sizes around it, else the largest
     * one's per frame; 0 when nothing is known.
     */
    public synchronized long estimateNanos(int batchSize) {
        return Math.max(0, io.coedge.scheduler.model.LatencyProfile.estimate(snapshot(), batchSize));
    }

    /** Batch size to median in nanoseconds, for every measured batch size. */
    public synchronized NavigableMap<Integer, Long> medians() {
        TreeMap<Integer, Long> out = new TreeMap<>();
        for (Integer b : samples.keySet()) {
            out.put(b, p50Nanos(b));
        }
        return out;
    }

    /** Batch size to p99 in nanoseconds, for every measured batch size. */
    public synchronized NavigableMap<Integer, Long> snapshot() {
        TreeMap<Integer, Long> out = new TreeMap<>();
        for (Integer b : samples.keySet()) {
            out.put(b, p99Nanos(b));
        }
        return out;
    }
}
