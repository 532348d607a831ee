package io.coedge.operators.links;

import io.coedge.format.NodeStatus.LinkStatus;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Optional;

/**
 * What one direction of a link gives, from probe rounds: pure, no clock and no network. Each round
 * times two payload sizes on one connection, {@code t(n) = fixed + n x perByte}, so two sizes
 * separate the per-byte time (what a frame's bytes pay) from the fixed part (latency, the
 * acknowledgement's way back); the published figure is the median of the last {@link #WINDOW}
 * rounds, so one disturbed round does not move it.
 */
public final class LinkEstimate {
    /** Rounds the published median is taken over. */
    public static final int WINDOW = 3;

    /**
     * One round's estimate.
     *
     * @param mbps payload megabits per second
     * @param latencyMicros the fixed part of one transfer
     */
    public record Sample(double mbps, long latencyMicros) {}

    private final Deque<Sample> recent = new ArrayDeque<>();
    private long measuredAtMs;
    private int samples;
    private int queuedInARow;

    /**
     * The estimate of one round: {@code (largeNanos - smallNanos) / (largeBytes - smallBytes)} per
     * byte, the rest of the small transfer's time fixed; empty when the larger payload was not the
     * slower one (a disturbed round: nothing can be said).
     */
    public static Optional<Sample> fromTwoSizes(
            long smallBytes, long smallNanos, long largeBytes, long largeNanos) {
        if (largeBytes <= smallBytes || smallBytes < 0) {
            throw new IllegalArgumentException(
                    "the large payload must be larger than the small one, were "
                            + largeBytes
                            + " and "
                            + smallBytes
                            + " bytes");
        }
        double nanosPerByte = (double) (largeNanos - smallNanos) / (largeBytes - smallBytes);
        if (!(nanosPerByte > 0)) {
            return Optional.empty();
        }
        double fixedNanos = Math.max(0, smallNanos - smallBytes * nanosPerByte);
        return Optional.of(new Sample(8_000 / nanosPerByte, Math.round(fixedNanos / 1000)));
    }

    /**
     * What a round that did not finish says (docs/ARCHITECTURE.md "Measured links"): in {@code
     * elapsedNanos} the payloads answered, {@code answeredBytes}, crossed, and the one in flight,
     * {@code pendingBytes}, did not, so fewer than their sum crossed: the link gave at most that
     * many bits in that time. An upper bound, so it says something only when it is below what the
     * link was last measured at: empty otherwise, or when no time passed. The fixed part is
     * unknown, and kept as {@code latencyMicros} (the last round's).
     */
    public static Optional<Sample> atMost(
            long answeredBytes, long pendingBytes, long elapsedNanos, Sample last) {
        if (answeredBytes < 0 || pendingBytes <= 0) {
            throw new IllegalArgumentException(
                    "a round that did not finish has a payload in flight and none negative, had "
                            + answeredBytes
                            + " answered and "
                            + pendingBytes
                            + " in flight");
        }
        if (elapsedNanos <= 0 || last == null) {
            return Optional.empty();
        }
        double mbps = (answeredBytes + pendingBytes) * 8_000.0 / elapsedNanos;
        return mbps < last.mbps()
                ? Optional.of(new Sample(mbps, last.latencyMicros()))
                : Optional.empty();
    }

    /** The newest round's sample, or null before the first. */
    public synchronized Sample last() {
        return recent.peekLast();
    }

    /**
     * Records one round that ended at {@code nowMs}, unless its small payload waited behind a
     * backlog ({@link #queued}) and fewer than {@link #MAX_QUEUED_IN_A_ROW} rounds in a row were
     * left out before it: then it is left out, and the caller measures again soon.
     *
     * @return whether the round was recorded
     */
    public synchronized boolean addUnlessQueued(Sample sample, long nowMs) {
        if (queued(sample) && queuedInARow < MAX_QUEUED_IN_A_ROW) {
            queuedInARow++;
            return false;
        }
        add(sample, nowMs);
        return true;
    }

    /**
     * Whether a round reads the link faster than the newest round while its fixed part is over
     * {@link #QUEUED_FACTOR} times the published one plus {@link #QUEUED_FLOOR_MICROS}: its small
     * payload waited behind bytes already on the link (frames sent before a drop, draining), the
     * large one less, so the difference of their times undercounts the per-byte time. After a drop
     * to 3 Mbit/s such a round read 12.2 Mbit/s with a fixed part of 293 ms against a usual 0-5 ms,
     * and as the median of three it held the drop back a full interval. A round that queued and
     * reads slower is kept: it errs the way the backlog says. A real rise of the fixed part (a
     * longer path) is taken on the third round in a row.
     */
    public synchronized boolean queued(Sample sample) {
        Sample last = recent.peekLast();
        if (last == null) {
            return false;
        }
        long usual = status().latencyMicros();
        return sample.latencyMicros() > QUEUED_FACTOR * usual + QUEUED_FLOOR_MICROS
                && sample.mbps() > last.mbps();
    }

    /** A round's fixed part over this many times the published one (and the floor) queued. */
    public static final int QUEUED_FACTOR = 4;

    /** What a round's fixed part may exceed the published one's multiple by, microseconds. */
    public static final long QUEUED_FLOOR_MICROS = 50_000;

    /** Queued rounds in a row left out at most; the next is recorded whatever it says. */
    public static final int MAX_QUEUED_IN_A_ROW = 2;

    /** Records one round that ended at {@code nowMs}. */
    public synchronized void add(Sample sample, long nowMs) {
        queuedInARow = 0;
        recent.addLast(sample);
        while (recent.size() > WINDOW) {
            recent.removeFirst();
        }
        measuredAtMs = nowMs;
        samples++;
    }

    /** The median of the recent rounds, or null before the first. */
    public synchronized LinkStatus status() {
        if (recent.isEmpty()) {
            return null;
        }
        double[] mbps = recent.stream().mapToDouble(Sample::mbps).sorted().toArray();
        long[] latency = recent.stream().mapToLong(Sample::latencyMicros).sorted().toArray();
        return new LinkStatus(median(mbps), latency[latency.length / 2], measuredAtMs, samples);
    }

    /**
     * The newest round alone, or null before the first: what the link gave last, before the median
     * catches up (the dispatcher's {@link io.coedge.scheduler.dispatch.LinkGate} uses it, so a drop
     * bounds the queue on the link one round after it is seen).
     */
    public synchronized LinkStatus latest() {
        Sample last = recent.peekLast();
        return last == null
                ? null
                : new LinkStatus(last.mbps(), last.latencyMicros(), measuredAtMs, samples);
    }

    /**
     * Whether the newest round says the link no longer carries what is sent over it: under half of
     * the published median, and under {@link #NEED_FACTOR} times {@code sentMbps} (a probe shares
     * the link with the frames on it, so it measures about what they leave). Such a drop is
     * measured again soon (one more low round moves the median, and the plan with it); a round far
     * from the median on a link that carries far more than its frames need changes nothing that
     * matters, and is left to the next round at the usual interval (docs/SCHEDULING.md).
     */
    public synchronized boolean shortOf(double sentMbps) {
        LinkStatus median = status();
        Sample last = recent.peekLast();
        if (median == null || recent.size() < 2 || !(sentMbps > 0)) {
            return false;
        }
        return last.mbps() < median.mbps() / 2 && last.mbps() < NEED_FACTOR * sentMbps;
    }

    /**
     * Whether the newest round says the link carries again what it was recently asked to carry: the
     * rounds before it (their median) were under {@link #NEED_FACTOR} times {@code recentMbps}, the
     * newest is at least that, and over {@link #RISE_FACTOR} times their median (a restored drop).
     * The mirror of {@link #shortOf}: such a rise is measured again soon, so one more high round
     * moves the median and the plan can ship frames over the link again one short round later
     * instead of a full interval. A fast link's scatter (rounds of 1.7-11 Gbit/s on a 1 Gbit/s link
     * carrying a few Mbit/s) is never under what its frames need, so it never asks for early
     * rounds; re-probing on every twofold jump did, and churned plans (docs/SCHEDULING.md).
     *
     * @param recentMbps the most the dispatcher sent over the link lately ({@link
     *     LinkDemand#peakMbps}), which its frames need again once it is back
     */
    public synchronized boolean rose(double recentMbps) {
        if (recent.size() < 2 || !(recentMbps > 0)) {
            return false;
        }
        double[] before =
                recent.stream()
                        .limit(recent.size() - 1)
                        .mapToDouble(Sample::mbps)
                        .sorted()
                        .toArray();
        double was = median(before);
        double now = recent.peekLast().mbps();
        double need = NEED_FACTOR * recentMbps;
        return was < need && now >= need && now > RISE_FACTOR * was;
    }

    /**
     * A round over this many times the median of the rounds before it is a rise ({@link #rose}).
     */
    public static final double RISE_FACTOR = 2.0;

    /** A round under this many times the frames' rate is short of what the link must carry. */
    public static final double NEED_FACTOR = 2.0;

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    @Override
    public synchronized String toString() {
        return "LinkEstimate" + Arrays.toString(recent.toArray());
    }
}
