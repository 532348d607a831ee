package io.coedge.sidecar.runtime;

import java.util.Arrays;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Per-batch-size execution latency, Clockwork style: the p99 of the last {@value #WINDOW}
 * executions at each batch size. Warm-up fills it at start; live executions keep it current.
 */
public final class LatencyProfile {
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
        long[] window = samples.get(batchSize);
        if (window == null) {
            return -1;
        }
        int n = Math.min(counts.get(batchSize), WINDOW);
        long[] sorted = Arrays.copyOf(window, n);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(0.99 * n);
        return sorted[rank - 1];
    }

    /**
     * The latency expected for a batch: its own p99 when measured, else the next larger
     * measured batch size, else the largest one scaled linearly; 0 when nothing is known.
     */
    public synchronized long estimateNanos(int batchSize) {
        if (samples.isEmpty()) {
            return 0;
        }
        Integer ceiling = samples.ceilingKey(batchSize);
        if (ceiling != null) {
            return p99Nanos(ceiling);
        }
        int largest = samples.lastKey();
        return p99Nanos(largest) * batchSize / largest;
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
