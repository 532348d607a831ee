package io.coedge.scheduler.model;

import java.util.Arrays;

/**
 * How long one node takes to run one model at each batch size. Measured at a few sizes (typically
 * 1, 2, 4, ... max); sizes in between are linearly interpolated. Latency must not decrease with
 * batch size, which lets {@link #largestBatchWithin} binary-search.
 *
 * <p>Immutable value; a dense table per batch size is precomputed so lookups are O(1).
 */
public final class LatencyProfile {

    private final int[] batchSizes;
    private final long[] measuredMicros;
    /** dense[b] = latency of batch b, for b in 1..maxBatch; dense[0] unused. */
    private final long[] dense;

    private LatencyProfile(int[] batchSizes, long[] measuredMicros) {
        if (batchSizes.length == 0 || batchSizes.length != measuredMicros.length) {
            throw new IllegalArgumentException("need one latency per batch size, at least one");
        }
        if (batchSizes[0] != 1) {
            throw new IllegalArgumentException("the first measured batch size must be 1");
        }
        for (int i = 0; i < batchSizes.length; i++) {
            if (measuredMicros[i] <= 0) {
                throw new IllegalArgumentException("latencies must be positive");
            }
            if (i > 0 && batchSizes[i] <= batchSizes[i - 1]) {
                throw new IllegalArgumentException("batch sizes must be strictly increasing");
            }
            if (i > 0 && measuredMicros[i] < measuredMicros[i - 1]) {
                throw new IllegalArgumentException("latency must not decrease with batch size");
            }
        }
        this.batchSizes = batchSizes.clone();
        this.measuredMicros = measuredMicros.clone();
        int max = batchSizes[batchSizes.length - 1];
        this.dense = new long[max + 1];
        int seg = 0;
        for (int b = 1; b <= max; b++) {
            while (batchSizes[seg] < b) {
                seg++;
            }
            if (batchSizes[seg] == b) {
                dense[b] = measuredMicros[seg];
            } else {
                int lo = batchSizes[seg - 1];
                int hi = batchSizes[seg];
                long lLo = measuredMicros[seg - 1];
                long lHi = measuredMicros[seg];
                dense[b] = lLo + Math.round((double) (lHi - lLo) * (b - lo) / (hi - lo));
            }
        }
    }

    public static LatencyProfile of(int[] batchSizes, long[] latencyMicros) {
        return new LatencyProfile(batchSizes, latencyMicros);
    }

    /** Convenience for tests and examples: latencies in milliseconds at sizes 1, 2, 4, 8, ... */
    public static LatencyProfile ofMillisPowersOfTwo(double... millis) {
        int[] sizes = new int[millis.length];
        long[] micros = new long[millis.length];
        for (int i = 0; i < millis.length; i++) {
            sizes[i] = 1 << i;
            micros[i] = Math.round(millis[i] * 1000.0);
        }
        return new LatencyProfile(sizes, micros);
    }

    public int maxBatch() {
        return dense.length - 1;
    }

    /** Latency of a batch of {@code batch} frames; sizes above {@link #maxBatch()} are not allowed. */
    public long latencyMicros(int batch) {
        if (batch < 1 || batch > maxBatch()) {
            throw new IllegalArgumentException("batch " + batch + " outside 1.." + maxBatch());
        }
        return dense[batch];
    }

    /**
     * Latency at a fractional batch size in [1, maxBatch] (linear between neighbouring sizes): the
     * average cost of batches whose size varies around {@code batch}, used by capacity estimates.
     */
    public double latencyMicros(double batch) {
        if (batch < 1 || batch > maxBatch()) {
            throw new IllegalArgumentException("batch " + batch + " outside 1.." + maxBatch());
        }
        int lo = (int) Math.floor(batch);
        if (lo == maxBatch()) {
            return dense[lo];
        }
        double f = batch - lo;
        return dense[lo] + f * (dense[lo + 1] - dense[lo]);
    }

    /**
     * The largest batch size {@code b <= limit} with {@code latency(b) <= budgetMicros}, or 0 when
     * not even one frame fits the budget.
     */
    public int largestBatchWithin(long budgetMicros, int limit) {
        int hi = Math.min(limit, maxBatch());
        if (hi < 1 || dense[1] > budgetMicros) {
            return 0;
        }
        int lo = 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (dense[mid] <= budgetMicros) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** This profile with every latency multiplied by {@code factor} (background load, noise margin). */
    public LatencyProfile scaled(double factor) {
        if (!(factor > 0)) {
            throw new IllegalArgumentException("factor must be positive");
        }
        long[] micros = new long[measuredMicros.length];
        for (int i = 0; i < micros.length; i++) {
            micros[i] = Math.max(1, Math.round(measuredMicros[i] * factor));
        }
        return new LatencyProfile(batchSizes, micros);
    }

    public int[] batchSizes() {
        return batchSizes.clone();
    }

    public long[] measuredMicros() {
        return measuredMicros.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyProfile p
                && Arrays.equals(batchSizes, p.batchSizes)
                && Arrays.equals(measuredMicros, p.measuredMicros);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(batchSizes) + Arrays.hashCode(measuredMicros);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("LatencyProfile{");
        for (int i = 0; i < batchSizes.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(batchSizes[i]).append('=').append(measuredMicros[i]).append("us");
        }
        return sb.append('}').toString();
    }
}
