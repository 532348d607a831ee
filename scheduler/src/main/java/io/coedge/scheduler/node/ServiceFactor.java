package io.coedge.scheduler.node;

/**
 * How much longer a node's batches take in all than their typical estimates say: over the last
 * {@link #WINDOW_MICROS}, the accelerator's busy time divided by the sum of the typical estimates
 * of the batches that filled it, never below 1. The dispatcher plans a node's capacity with its
 * typical profile times this factor ({@link NodeEngine#planningProfile}).
 *
 * <p>Why: the typical estimate is a median (the batcher predicts when a running batch ends with
 * it), but how many frames a node serves a second is set by the mean run, and on a contended CPU
 * the mean is well above the median: a run in ten or twenty stalls for several times the usual.
 * Measured on the testbed (docs/PERFORMANCE.md, tenth session): node2 planned at 55-58 ms a
 * yolo-small frame from its median, 15 frames a second (91% with the planner's rate headroom)
 * looked feasible, and the node was busy 95% of every second and shed frames; the plans flipped
 * between "feasible" and "overloaded" with the median's noise, so no move off it was ever
 * confirmed. A ratio of sums over a 20 s window is steady (it holds hundreds of runs at such rates)
 * and keeps a single stall to the share of time it took.
 *
 * <p>The window is kept as {@link #BUCKETS} buckets of {@link #BUCKET_MICROS} each, by the injected
 * clock's time of each record; until the window holds {@link #MIN_EXPECTED_MICROS} of typical work
 * (a nearly idle node, or one that just started) the factor is 1. A pure function of the records
 * and the time asked: no clock is read here.
 */
final class ServiceFactor {
    static final long BUCKET_MICROS = 2_000_000;
    static final int BUCKETS = 10;
    static final long WINDOW_MICROS = BUCKET_MICROS * BUCKETS;

    /** Typical work the window must hold before the factor counts: 5% of the window. */
    static final long MIN_EXPECTED_MICROS = WINDOW_MICROS / 20;

    private final long[] bucketIndex = new long[BUCKETS];
    private final long[] busy = new long[BUCKETS];
    private final long[] expected = new long[BUCKETS];

    ServiceFactor() {
        java.util.Arrays.fill(bucketIndex, Long.MIN_VALUE);
    }

    /**
     * A batch finished at {@code nowMicros}: it kept the accelerator busy {@code busyMicros} (from
     * its start, or the previous batch's end, to its own end) where its typical estimate was {@code
     * typicalMicros}.
     */
    void record(long nowMicros, long busyMicros, long typicalMicros) {
        long index = Math.floorDiv(nowMicros, BUCKET_MICROS);
        int slot = (int) Math.floorMod(index, (long) BUCKETS);
        if (bucketIndex[slot] != index) {
            bucketIndex[slot] = index;
            busy[slot] = 0;
            expected[slot] = 0;
        }
        busy[slot] += Math.max(0, busyMicros);
        expected[slot] += Math.max(0, typicalMicros);
    }

    /**
     * Busy time over typical estimates within the window ending at {@code nowMicros}, at least 1.
     */
    double factor(long nowMicros) {
        long index = Math.floorDiv(nowMicros, BUCKET_MICROS);
        long sumBusy = 0;
        long sumExpected = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (bucketIndex[i] > index - BUCKETS && bucketIndex[i] <= index) {
                sumBusy += busy[i];
                sumExpected += expected[i];
            }
        }
        if (sumExpected < MIN_EXPECTED_MICROS) {
            return 1.0;
        }
        return Math.max(1.0, (double) sumBusy / sumExpected);
    }
}
