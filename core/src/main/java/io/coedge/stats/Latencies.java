package io.coedge.stats;

import org.HdrHistogram.Histogram;

/**
 * A distribution of latencies over HdrHistogram, in whatever whole unit the caller records
 * (nanoseconds, microseconds or milliseconds): {@value #SIGNIFICANT_DIGITS} significant digits, the
 * range growing as larger values arrive. Not thread-safe.
 *
 * <p>The one definition of a latency percentile in CoEdge, HdrHistogram's: the {@code q} percentile
 * is the value at nearest rank {@code ceil(q x count)} in ascending order, read back as the highest
 * value equivalent to it at that precision (exact below 2048 units, otherwise at most 0.1% above),
 * and never outside the smallest and largest values recorded, which are kept exactly. {@link
 * RecentLatencies} takes the same rank among the last few values. Negative values count as 0.
 */
public final class Latencies {
    public static final int SIGNIFICANT_DIGITS = 3;

    private final Histogram histogram = new Histogram(SIGNIFICANT_DIGITS);
    private long min = Long.MAX_VALUE;
    private long max;

    public void record(long value) {
        long v = Math.max(0, value);
        histogram.recordValue(v);
        min = Math.min(min, v);
        max = Math.max(max, v);
    }

    /** Adds every value {@code other} recorded. */
    public void add(Latencies other) {
        histogram.add(other.histogram);
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    public long count() {
        return histogram.getTotalCount();
    }

    /** The {@code q} (0..1) percentile by the rule above; 0 when nothing was recorded. */
    public long percentile(double q) {
        return count() == 0 ? 0 : clamp(histogram.getValueAtPercentile(q * 100), min, max);
    }

    /** The largest value recorded, exactly; 0 when nothing was recorded. */
    public long max() {
        return max;
    }

    /** The smallest value recorded, exactly; 0 when nothing was recorded. */
    public long min() {
        return count() == 0 ? 0 : min;
    }

    /**
     * Share (0..1) of the values at or below {@code value}, at the histogram's precision (values
     * equivalent to {@code value} count as at or below it); 0 when nothing was recorded.
     */
    public double fractionAtOrBelow(long value) {
        if (count() == 0 || value < min) {
            return 0;
        }
        return value >= max ? 1 : histogram.getPercentileAtOrBelowValue(value) / 100;
    }

    /**
     * The nearest rank (1..n) of the {@code q} percentile among {@code n > 0} values, as
     * HdrHistogram's getValueAtPercentile counts it (the percentile nudged down a hair so that
     * {@code q x n} landing on a whole number by floating point noise does not take the next rank).
     */
    static int rank(double q, int n) {
        double requested =
                Math.min(Math.max(Math.nextAfter(q * 100, Double.NEGATIVE_INFINITY), 0), 100);
        return (int) Math.min(n, Math.max(1, (long) Math.ceil(requested * n / 100.0)));
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Latencies l
                && min == l.min
                && max == l.max
                && histogram.equals(l.histogram);
    }

    @Override
    public int hashCode() {
        return histogram.hashCode();
    }

    @Override
    public String toString() {
        return "Latencies{count="
                + count()
                + ", p50="
                + percentile(0.5)
                + ", p99="
                + percentile(0.99)
                + ", max="
                + max
                + "}";
    }
}
