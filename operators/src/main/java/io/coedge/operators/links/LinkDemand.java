package io.coedge.operators.links;

/**
 * What a node's dispatcher sends over one of its links: the payload bytes of the frames it let onto
 * the link in the last {@link #WINDOW_MS}, as Mbit/s. Pure (the caller passes the time) and
 * thread-safe: the dispatcher adds, the prober reads. The prober compares a round with it ({@link
 * LinkEstimate#shortOf}): a drop below what the link's frames need is worth measuring again soon, a
 * change elsewhere is not.
 */
public final class LinkDemand {
    /** The rate is taken over this many milliseconds, in one-second buckets. */
    public static final long WINDOW_MS = 5_000;

    private static final long BUCKET_MS = 1_000;
    private static final int BUCKETS = (int) (WINDOW_MS / BUCKET_MS);

    /** {@link #peakMbps} remembers the rates read over this many milliseconds. */
    public static final long PEAK_MS = 300_000;

    private final long[] bytes = new long[BUCKETS];
    private final long[] second = new long[BUCKETS];

    /** The rates {@link #peakMbps} read, oldest first: {time ms, Mbit/s}. */
    private final java.util.ArrayDeque<double[]> reads = new java.util.ArrayDeque<>();

    /** Records {@code n} bytes sent at {@code nowMs}. */
    public synchronized void add(long n, long nowMs) {
        long s = Math.floorDiv(nowMs, BUCKET_MS);
        int i = (int) Math.floorMod(s, (long) BUCKETS);
        if (second[i] != s) {
            second[i] = s;
            bytes[i] = 0;
        }
        bytes[i] += n;
    }

    /** Mbit/s sent over the window that ends at {@code nowMs}; 0 when nothing was. */
    public synchronized double mbps(long nowMs) {
        long s = Math.floorDiv(nowMs, BUCKET_MS);
        long sum = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (s - second[i] >= 0 && s - second[i] < BUCKETS) {
                sum += bytes[i];
            }
        }
        return sum * 8.0 / (WINDOW_MS * 1000.0);
    }

    /**
     * The largest rate ({@link #mbps}) this method read over the last {@link #PEAK_MS}, this read
     * included: what the link was recently asked to carry, after the dispatcher has moved the
     * frames away from it. The prober reads it once a round ({@link LinkEstimate#rose}).
     */
    public synchronized double peakMbps(long nowMs) {
        reads.addLast(new double[] {nowMs, mbps(nowMs)});
        while (nowMs - reads.peekFirst()[0] > PEAK_MS) {
            reads.removeFirst();
        }
        double peak = 0;
        for (double[] r : reads) {
            peak = Math.max(peak, r[1]);
        }
        return peak;
    }
}
