package io.coedge.scheduler.node;

import io.coedge.scheduler.model.Clock;
import io.coedge.scheduler.model.LatencyProfile;

/**
 * What one model costs this node end to end per batch size — pre-processing, the sidecar call,
 * post-processing — as the batch policy must plan with it: the sidecar's compute profile (the p99
 * of its last ten runs per batch size, as Clockwork keeps it) plus this node's overhead around the
 * call, the median of what the last {@value #WINDOW} runs took beyond the sidecar's profile. Before
 * the sidecar has reported or any run was observed, fixed allowances stand in.
 *
 * <p>Why not the highest end-to-end time of recent runs: on a shared CPU one slow run is far above
 * the typical one, and the policy sheds every frame whose deadline the estimate says it cannot
 * meet; the compute variance is already in the sidecar's p99, and the overhead is steady enough for
 * a median. Observations older than {@code maxAgeMicros} no longer count, so the overhead follows
 * the node's present load.
 *
 * <p>Besides this pessimistic estimate, a typical one ({@link #typical}): what a batch usually
 * takes end to end, the sidecar's median (its p99 when it reports none) scaled by the median ratio
 * of the recent runs to that profile as it stands now (a contended CPU slows every batch size
 * alike), never above the pessimistic estimate. The ratio is taken against the present profile, not
 * the one of each run's time: the p99 of ten runs is their slowest, and a ratio to the p99 of one
 * moment multiplied by the p99 of a later one swung the typical cost by up to seven times within
 * seconds on a throttled node (71, 511, 161, 79 ms measured on the testbed), which made the
 * dispatcher move tasks back and forth. Before any run was observed, the sidecar's median plus the
 * overhead allowance when the sidecar reports a median. The batcher predicts when the running batch
 * typically ends with it, and the policy sheds only frames that miss even then: on a shared CPU a
 * batch typically ends far earlier than its p99 says. Without fresh observations nor a median from
 * the sidecar the typical estimate is the pessimistic one.
 *
 * <p>With fewer than {@value #MIN_RUNS} fresh runs, the allowance counts for each missing one: one
 * slow run moves nothing, two do.
 *
 * <p>The estimates are recomputed only when something they depend on changes (a new observation, a
 * new sidecar profile, an observation ageing out), so asking on every event is cheap.
 */
public final class LatencyEstimator {
    static final int WINDOW = 10;

    /**
     * Fewer fresh runs than this are padded with the allowance ({@code overheadMicros +
     * perFrameMicros}, as a run of one frame) before their median is taken: a new job's first call
     * took 880 ms beyond the sidecar's compute on the testbed (its classes not yet compiled), and
     * alone it made the node publish YOLO-Big at 1,040 ms a frame, so the dispatcher shipped the
     * task's 75 KB frames away, and made the node shed every frame of it for five seconds (nothing
     * ran to replace that one run).
     */
    static final int MIN_RUNS = 3;

    private final int maxBatch;

    /**
     * The last {@value #WINDOW} runs: time beyond the sidecar's p99, ratio to it, and when
     * observed.
     */
    private final long[] excess = new long[WINDOW];

    /**
     * The same runs' time beyond the sidecar's median, where it reports one: the node's real
     * overhead.
     */
    private final long[] overMedian = new long[WINDOW];

    /** The same runs' batch sizes and end-to-end times, for the typical estimate. */
    private final int[] batches = new int[WINDOW];

    private final long[] runMicros = new long[WINDOW];
    private final long[] recordedAt = new long[WINDOW];
    private int count;
    private long[] sidecarMicros;

    /** The sidecar's median by batch size, when it reports one. */
    private long[] sidecarMedianMicros;

    private final long overheadMicros;
    private final long perFrameMicros;
    private final long maxAgeMicros;
    private final Clock clock;

    private long medianOverhead = -1;
    private final long[] scratchExcess = new long[WINDOW];
    private final long[] scratchOver = new long[WINDOW];
    private final double[] scratchRatio = new double[WINDOW];
    private final int[] denseSizes;

    /** Cached estimates, valid while {@code !dirty} and before {@code validUntil}. */
    private boolean dirty = true;

    private long validUntil;
    private long[] estimate;
    private long[] typical;
    private LatencyProfile profile;
    private LatencyProfile typicalProfile;

    /**
     * @param overheadMicros allowance per batch for the call and emitting results
     * @param perFrameMicros allowance per frame for pre- and post-processing before observations
     *     exist
     * @param maxAgeMicros observations older than this no longer count
     */
    public LatencyEstimator(
            int maxBatch,
            long overheadMicros,
            long perFrameMicros,
            long maxAgeMicros,
            Clock clock) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1");
        }
        this.maxBatch = maxBatch;
        this.denseSizes = new int[maxBatch];
        for (int b = 1; b <= maxBatch; b++) {
            denseSizes[b - 1] = b;
        }
        this.overheadMicros = overheadMicros;
        this.perFrameMicros = perFrameMicros;
        this.maxAgeMicros = maxAgeMicros;
        this.clock = clock;
    }

    /**
     * The sidecar's latest measured latencies (its p99 by batch size); sizes it did not measure
     * follow the profile's rule.
     */
    public void sidecar(LatencyProfile p99) {
        sidecar(null, p99);
    }

    /**
     * The sidecar's latest measured latencies: its median ({@code p50}, null when it reports none)
     * and its p99 by batch size; sizes it did not measure follow the profile's rule.
     */
    public void sidecar(LatencyProfile p50, LatencyProfile p99) {
        if (p99 == null) {
            return;
        }
        long[] dense = dense(p99);
        long[] median = p50 == null ? null : dense(p50);
        if (median != null) {
            for (int b = 1; b <= maxBatch; b++) {
                median[b] = Math.min(median[b], dense[b]);
            }
        }
        if (sidecarMicros == null
                || !java.util.Arrays.equals(dense, sidecarMicros)
                || !java.util.Arrays.equals(median, sidecarMedianMicros)) {
            sidecarMicros = dense;
            sidecarMedianMicros = median;
            dirty = true;
        }
    }

    private long[] dense(LatencyProfile p) {
        long[] dense = new long[maxBatch + 1];
        for (int b = 1; b <= maxBatch; b++) {
            dense[b] = p.estimateMicros(b);
        }
        return dense;
    }

    /** One observed run of a batch of {@code batch} frames, start to results. */
    public void observe(int batch, long micros) {
        if (batch < 1 || batch > maxBatch || sidecarMicros == null) {
            return; // the overhead is measured against the sidecar's profile
        }
        int slot = count % WINDOW;
        excess[slot] = micros - sidecarMicros[batch];
        overMedian[slot] =
                sidecarMedianMicros == null ? excess[slot] : micros - sidecarMedianMicros[batch];
        batches[slot] = batch;
        runMicros[slot] = micros;
        recordedAt[slot] = clock.nowMicros();
        count++;
        dirty = true;
    }

    private void refresh() {
        long now = clock.nowMicros();
        if (!dirty && now < validUntil) {
            return;
        }
        long oldest = now - maxAgeMicros;
        // The typical estimate scales the sidecar's median (its p99 when it reports none) by the
        // median ratio of the recent runs to that same profile as it stands now: a ratio taken
        // against the p99 of the moment would carry that moment's p99 (the slowest of ten runs)
        // into every later estimate.
        long[] reference = sidecarMedianMicros != null ? sidecarMedianMicros : sidecarMicros;
        long[] freshExcess = scratchExcess;
        long[] freshOver = scratchOver;
        double[] freshRatio = scratchRatio;
        int n = 0;
        long expires = Long.MAX_VALUE;
        for (int i = 0; i < Math.min(count, WINDOW); i++) {
            if (recordedAt[i] >= oldest) {
                freshExcess[n] = excess[i];
                freshOver[n] = overMedian[i];
                freshRatio[n] = (double) runMicros[i] / Math.max(1, reference[batches[i]]);
                n++;
                expires = Math.min(expires, recordedAt[i] + maxAgeMicros + 1);
            }
        }
        if (n > 0 && n < MIN_RUNS) {
            // Too few fresh runs to take a median of: the allowance stands in for the missing
            // ones, so that one slow run cannot set the estimates alone.
            long prior = overheadMicros + perFrameMicros;
            double priorRatio = (double) (reference[1] + prior) / Math.max(1, reference[1]);
            for (; n < MIN_RUNS; n++) {
                freshExcess[n] = prior;
                freshOver[n] = prior;
                freshRatio[n] = priorRatio;
            }
        }
        if (estimate == null) {
            estimate = new long[maxBatch + 1];
            typical = new long[maxBatch + 1];
        }
        long medianExcess = 0;
        double medianRatio = 0;
        if (n > 0) {
            java.util.Arrays.sort(freshExcess, 0, n);
            java.util.Arrays.sort(freshRatio, 0, n);
            medianExcess = Math.max(0, freshExcess[n / 2]);
            medianRatio = freshRatio[n / 2];
            java.util.Arrays.sort(freshOver, 0, n);
            medianOverhead = Math.max(0, freshOver[n / 2]);
        } else {
            medianOverhead = -1;
        }
        int[] sizes = denseSizes;
        long[] micros = new long[maxBatch];
        long[] typicalMicros = new long[maxBatch];
        long floor = 1;
        long typicalFloor = 1;
        for (int b = 1; b <= maxBatch; b++) {
            long e;
            long t;
            if (sidecarMicros == null) {
                e = 1_000_000L * b;
                t = e;
            } else {
                long overhead = n > 0 ? medianExcess : overheadMicros + perFrameMicros * b;
                e = sidecarMicros[b] + overhead;
                if (n > 0) {
                    t = Math.round(reference[b] * medianRatio);
                } else {
                    t = sidecarMedianMicros == null ? e : sidecarMedianMicros[b] + overhead;
                }
                t = Math.max(1, Math.min(e, t));
            }
            estimate[b] = e;
            typical[b] = t;
            floor = Math.max(floor, e);
            micros[b - 1] = floor;
            typicalFloor = Math.max(typicalFloor, t);
            typicalMicros[b - 1] = typicalFloor;
        }
        profile = LatencyProfile.of(sizes, micros);
        typicalProfile = LatencyProfile.of(sizes, typicalMicros);
        dirty = false;
        validUntil = expires;
    }

    /**
     * Estimated cost of a batch of {@code b}: the sidecar's p99 plus the node's recent overhead.
     */
    public long estimate(int b) {
        refresh();
        return estimate[b];
    }

    /**
     * Typical cost of a batch of {@code b}, end to end: the sidecar's median (p99 without one)
     * times the median ratio of the recent runs (within the age bound) to that profile at their
     * size, at most {@link #estimate}; the estimate itself until the sidecar has reported and a run
     * was observed.
     */
    public long typical(int b) {
        refresh();
        return typical[b];
    }

    /**
     * The part of {@link #estimate} spent around the sidecar's compute: pre-processing, the call,
     * results.
     */
    public long overhead(int b) {
        refresh();
        return sidecarMicros == null
                ? overheadMicros + perFrameMicros * b
                : Math.max(0, estimate[b] - sidecarMicros[b]);
    }

    /**
     * What the node measured around the sidecar's compute: the median of the recent runs' time
     * beyond the sidecar's median (beyond its p99 when it reports no median), or -1 before any
     * fresh run.
     */
    public long measuredOverheadMicros() {
        refresh();
        return medianOverhead;
    }

    /** The sidecar's median of a batch of {@code b}, or -1 when it reports none. */
    public long sidecarMedianMicros(int b) {
        return sidecarMedianMicros == null ? -1 : sidecarMedianMicros[b];
    }

    /** The sidecar's p99 of a batch of {@code b}, or -1 before it reported. */
    public long sidecarP99Micros(int b) {
        return sidecarMicros == null ? -1 : sidecarMicros[b];
    }

    /** A monotone profile over 1..maxBatch for the policy. */
    public LatencyProfile profile() {
        refresh();
        return profile;
    }

    /**
     * A monotone profile of the typical cost over 1..maxBatch: what the dispatcher plans with (its
     * cycle model is a mean-value model; the pessimistic profile would make it refuse placements
     * that are in fact fine most of the time).
     */
    public LatencyProfile typicalProfile() {
        refresh();
        return typicalProfile;
    }

    /** Latencies at the given sizes, for the node's published status. */
    public long[] publishedMicros(int[] sizes) {
        LatencyProfile p = profile();
        long[] out = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            out[i] = p.latencyMicros(sizes[i]);
        }
        return out;
    }
}
