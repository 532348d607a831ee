package io.coedge.scheduler.model;

import java.util.Arrays;

/**
 * How long one node takes to run one model at each batch size: the one latency profile type from
 * the sidecar's measurements to the scheduler. Measured at a few sizes (typically 1, 2, 4, ...
 * max); other sizes follow {@link #estimate(int[], long[], int)}. Latency must not decrease with
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
        if (max == batchSizes.length) {
            System.arraycopy(measuredMicros, 0, dense, 1, max); // every size measured
        } else {
            for (int b = 1; b <= max; b++) {
                dense[b] = estimate(batchSizes, measuredMicros, b);
            }
        }
    }

    /**
     * The one rule for a batch size that was not measured, used by the sidecar's admission, the
     * node batcher's plan and the simulator alike: a measured size takes its own latency; a size
     * between two measured ones is interpolated linearly between them; a size below the smallest
     * measured one takes that one's latency (a smaller batch is not slower); a size above the
     * largest measured one takes the largest one's latency per frame.
     *
     * @param sizes measured batch sizes, strictly increasing, at least one
     * @param micros latency of each measured size
     */
    public static long estimate(int[] sizes, long[] micros, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch " + batch + " is not positive");
        }
        int i = Arrays.binarySearch(sizes, batch);
        if (i >= 0) {
            return micros[i];
        }
        int above = -i - 1;
        if (above == 0) {
            return micros[0];
        }
        if (above == sizes.length) {
            int largest = sizes.length - 1;
            return Math.round((double) micros[largest] * batch / sizes[largest]);
        }
        int lo = sizes[above - 1];
        int hi = sizes[above];
        long lLo = micros[above - 1];
        long lHi = micros[above];
        return lLo + Math.round((double) (lHi - lLo) * (batch - lo) / (hi - lo));
    }

    /**
     * {@link #estimate(int[], long[], int)} over a map of measured sizes; -1 when nothing was
     * measured.
     */
    public static long estimate(java.util.NavigableMap<Integer, Long> measured, int batch) {
        if (measured.isEmpty()) {
            return -1;
        }
        int[] sizes = measured.keySet().stream().mapToInt(Integer::intValue).toArray();
        long[] micros = measured.values().stream().mapToLong(Long::longValue).toArray();
        return estimate(sizes, micros, batch);
    }

    /**
     * A profile over 1..{@code maxBatch} from live measurements (batch size to latency), filled by
     * {@link #estimate(int[], long[], int)} and made non-decreasing (live percentiles can dip with
     * batch size by noise); null when nothing was measured.
     */
    public static LatencyProfile fromMeasured(
            java.util.NavigableMap<Integer, Long> measured, int maxBatch) {
        if (measured.isEmpty() || maxBatch < 1) {
            return null;
        }
        int[] sizes = measured.keySet().stream().mapToInt(Integer::intValue).toArray();
        long[] micros = measured.values().stream().mapToLong(v -> Math.max(1, v)).toArray();
        int[] dense = new int[maxBatch];
        long[] out = new long[maxBatch];
        for (int b = 1; b <= maxBatch; b++) {
            dense[b - 1] = b;
            out[b - 1] = Math.max(b == 1 ? 1 : out[b - 2], estimate(sizes, micros, b));
        }
        return new LatencyProfile(dense, out);
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

    /**
     * Latency of a batch of {@code batch} frames; sizes above {@link #maxBatch()} are not allowed.
     */
    public long latencyMicros(int batch) {
        if (batch < 1 || batch > maxBatch()) {
            throw new IllegalArgumentException("batch " + batch + " outside 1.." + maxBatch());
        }
        return dense[batch];
    }

    /**
     * Latency of a batch of any size: {@link #latencyMicros(int)} up to {@link #maxBatch()}, per
     * frame beyond.
     */
    public long estimateMicros(int batch) {
        return batch <= maxBatch()
                ? latencyMicros(batch)
                : estimate(batchSizes, measuredMicros, batch);
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

    /**
     * This profile with every latency multiplied by {@code factor} (background load, noise margin).
     */
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

    /**
     * Whether a batch of {@code b} costs no more than its frames run one at a time ({@code
     * latency(b) <= b * latency(1)}). On a GPU a batch costs less per frame; on a throttled CPU a
     * batch of two measured four to five single runs (the testbed).
     */
    public boolean batchPays(int b) {
        return latencyMicros(b) <= b * latencyMicros(1);
    }

    /**
     * The largest size up to {@code b} whose batch {@link #batchPays pays}, or 0 when {@code b} is
     * 0: the coedge batch policy runs no larger batch.
     */
    public int largestPayingBatch(int b) {
        while (b > 1 && !batchPays(b)) {
            b--;
        }
        return b;
    }

    /**
     * This profile with no batch costing more than its frames run one at a time: {@code
     * min(latency(b), b * latency(1))} at every measured size. The coedge batch policy runs no
     * batch that does not {@link #batchPays pay}, so the dispatcher plans a node with this.
     */
    public LatencyProfile atMostSingles() {
        long[] micros = measuredMicros.clone();
        boolean changed = false;
        for (int i = 1; i < micros.length; i++) {
            if (!batchPays(batchSizes[i])) {
                micros[i] = batchSizes[i] * measuredMicros[0];
                changed = true;
            }
        }
        return changed ? new LatencyProfile(batchSizes, micros) : this;
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
            sb.append(i == 0 ? "" : ", ")
                    .append(batchSizes[i])
                    .append('=')
                    .append(measuredMicros[i])
                    .append("us");
        }
        return sb.append('}').toString();
    }
}
