package io.coedge.scheduler.sim;

import java.util.Arrays;

/** End-to-end latency of completed frames in fixed 100 µs buckets (plus one overflow bucket); a value. */
public final class LatencyHistogram {

    public static final long BUCKET_MICROS = 100;
    private static final int BUCKETS = 200_000; // 20 s

    private final long[] counts;
    private long total;
    private long maxMicros;

    public LatencyHistogram() {
        this.counts = new long[BUCKETS + 1];
    }

    void record(long micros) {
        int b = (int) Math.min(BUCKETS, Math.max(0, micros) / BUCKET_MICROS);
        counts[b]++;
        total++;
        maxMicros = Math.max(maxMicros, micros);
    }

    public long count() {
        return total;
    }

    /** Upper edge (ms) of the bucket holding the q-quantile, q in (0, 1]; 0 when empty. */
    public double quantileMillis(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int b = 0; b <= BUCKETS; b++) {
            seen += counts[b];
            if (seen >= rank) {
                return b == BUCKETS ? maxMicros / 1000.0 : (b + 1) * BUCKET_MICROS / 1000.0;
            }
        }
        return maxMicros / 1000.0;
    }

    /** Fraction of completed frames with latency at or below {@code millis}. */
    public double cdfAt(double millis) {
        if (total == 0) {
            return 0;
        }
        int last = (int) Math.min(BUCKETS, Math.floor(millis * 1000.0 / BUCKET_MICROS) - 1);
        long seen = 0;
        for (int b = 0; b <= last; b++) {
            seen += counts[b];
        }
        return (double) seen / total;
    }

    public double maxMillis() {
        return maxMicros / 1000.0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram h && total == h.total && maxMicros == h.maxMicros && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(total) * 31 + Long.hashCode(maxMicros);
    }

    @Override
    public String toString() {
        return "LatencyHistogram{count=" + total + ", p50=" + quantileMillis(0.5) + "ms, p99=" + quantileMillis(0.99) + "ms}";
    }
}
