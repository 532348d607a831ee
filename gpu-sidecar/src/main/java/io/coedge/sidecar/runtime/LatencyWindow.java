package io.coedge.sidecar.runtime;

import io.coedge.stats.RecentLatencies;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Per-batch-size execution latency, Clockwork style: the p99 (and the median) of the last {@value
 * #WINDOW} executions at each batch size ({@link RecentLatencies}). Warm-up fills it at start; live
 * executions keep it current.
 */
public final class LatencyWindow {
    public static final int WINDOW = 10;

    private final TreeMap<Integer, RecentLatencies> windows = new TreeMap<>();
    private final TreeMap<Integer, Long> lastRecorded = new TreeMap<>();
    private final LongSupplier nanoClock;

    public LatencyWindow() {
        this(System::nanoTime);
    }

    /**
     * @param nanoClock when each record is made, for {@link #lastRecordedNanos}
     */
    public LatencyWindow(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    public synchronized void record(int batchSize, long nanos) {
        windows.computeIfAbsent(batchSize, b -> new RecentLatencies(WINDOW)).record(nanos);
        lastRecorded.put(batchSize, nanoClock.getAsLong());
    }

    /**
     * When this batch size was last recorded, on the window's clock; empty if never. A size no run
     * has used for long keeps the figure of its last run (perhaps a contended warm-up) until it
     * runs again: the sidecar re-measures single frames that grow stale ({@code
     * --reprofile-after}).
     */
    public synchronized java.util.OptionalLong lastRecordedNanos(int batchSize) {
        Long at = lastRecorded.get(batchSize);
        return at == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(at);
    }

    /** p99 of the recorded window for exactly this batch size, or -1. */
    public synchronized long p99Nanos(int batchSize) {
        return percentileNanos(batchSize, 0.99);
    }

    /** Median of the recorded window for exactly this batch size, or -1. */
    public synchronized long p50Nanos(int batchSize) {
        return percentileNanos(batchSize, 0.50);
    }

    private long percentileNanos(int batchSize, double q) {
        RecentLatencies window = windows.get(batchSize);
        return window == null ? -1 : window.percentile(q);
    }

    /**
     * The latency expected for a batch, by the one rule the batcher plans with too ({@link
     * io.coedge.scheduler.model.LatencyProfile#estimate(java.util.NavigableMap, int)}): its own p99
     * when measured, else interpolated between the measured sizes around it, else the largest one's
     * per frame; 0 when nothing is known.
     */
    public synchronized long estimateNanos(int batchSize) {
        return Math.max(
                0, io.coedge.scheduler.model.LatencyProfile.estimate(snapshot(), batchSize));
    }

    /**
     * The typical latency of a batch: {@link #estimateNanos}'s rule over the medians instead of the
     * p99s; 0 when nothing is known.
     */
    public synchronized long estimateMedianNanos(int batchSize) {
        return Math.max(0, io.coedge.scheduler.model.LatencyProfile.estimate(medians(), batchSize));
    }

    /** Batch size to median in nanoseconds, for every measured batch size. */
    public synchronized NavigableMap<Integer, Long> medians() {
        TreeMap<Integer, Long> out = new TreeMap<>();
        for (Integer b : windows.keySet()) {
            out.put(b, p50Nanos(b));
        }
        return out;
    }

    /** Batch size to p99 in nanoseconds, for every measured batch size. */
    public synchronized NavigableMap<Integer, Long> snapshot() {
        TreeMap<Integer, Long> out = new TreeMap<>();
        for (Integer b : windows.keySet()) {
            out.put(b, p99Nanos(b));
        }
        return out;
    }
}
