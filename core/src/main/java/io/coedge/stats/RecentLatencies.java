package io.coedge.stats;

import java.util.Arrays;

/**
 * The last {@code size} latencies recorded (a window of recent runs, as Clockwork keeps) and their
 * percentiles at {@link Latencies}' rank (HdrHistogram's nearest rank), the value at that rank
 * exactly: HdrHistogram would give the same value read at 3 significant digits, up to 0.1% above.
 * Sorting the few values held costs well under a microsecond; a histogram costs tens of
 * microseconds per question however few values it holds, and its rounding moves the simulator's
 * results. Negative values count as 0. Not thread-safe.
 */
public final class RecentLatencies {
    private final long[] values;
    private final long[] sorted;
    private long recorded;

    public RecentLatencies(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1");
        }
        values = new long[size];
        sorted = new long[size];
    }

    public void record(long value) {
        values[(int) (recorded++ % values.length)] = Math.max(0, value);
    }

    /** Values held: those recorded, at most the window's size. */
    public int count() {
        return (int) Math.min(recorded, values.length);
    }

    /**
     * The {@code q} (0..1) percentile of the values held, at {@link Latencies}' rank; 0 when none.
     */
    public long percentile(double q) {
        int n = count();
        if (n == 0) {
            return 0;
        }
        System.arraycopy(values, 0, sorted, 0, n);
        Arrays.sort(sorted, 0, n);
        return sorted[Latencies.rank(q, n) - 1];
    }
}
