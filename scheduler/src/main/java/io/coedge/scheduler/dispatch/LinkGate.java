package io.coedge.scheduler.dispatch;

import io.coedge.scheduler.model.Link;
import java.util.Arrays;
import java.util.Locale;

/**
 * The origin's send queue on each directed link (or shared transmitter), and the rule that keeps it
 * short: a frame goes onto the link only if, behind what is queued there, its last bit arrives by
 * its deadline; otherwise it is shed at the origin, reported, and takes no link time. The queue is
 * virtual, a time at which the link is free again, advanced by each admitted frame's serialisation
 * at the link's bandwidth as the caller knows it now.
 *
 * <p>Why: a link that cannot carry what the plan sends (a bandwidth drop the measurements have not
 * caught up with) would otherwise fill with frames that all miss, and in the Flink job the
 * dispatcher's output to that node would back up until the dispatcher processed nothing else,
 * neither the origin's local frames nor the node statuses that let it re-plan (a task processes
 * input only while its output has a free buffer). Bounding the queue to a deadline's worth keeps it
 * inside Flink's buffers whenever the bandwidth used is not above the link's.
 *
 * <p>The Flink dispatcher and the simulator both route offloaded frames through this class (the
 * simulator with the scenario's true bandwidth, the dispatcher with its freshest measurement).
 * Pure: time comes in as arguments, epoch microseconds.
 */
public final class LinkGate {
    private final long[] freeAt;

    /**
     * @param links how many link (or transmitter) indexes the caller uses, {@code 0..links-1}
     */
    public LinkGate(int links) {
        if (links < 0) {
            throw new IllegalArgumentException("links must not be negative, was " + links);
        }
        this.freeAt = new long[links];
        Arrays.fill(freeAt, Long.MIN_VALUE);
    }

    /**
     * What became of a frame offered to a link.
     *
     * @param admitted whether it was queued on the link
     * @param arrivalMicros when its last bit reaches the node (serialisation behind the queue, plus
     *     latency), whether admitted or not
     * @param queuedMicros how long the link was busy with earlier frames when it was offered
     */
    public record Verdict(boolean admitted, long arrivalMicros, long queuedMicros) {
        /**
         * Why a refused frame was shed: {@code LINK_BACKLOG: ...} with the link, its bandwidth, the
         * queue and by how much the frame would have missed.
         */
        public String describe(Link link, long bytes, long deadlineMicros) {
            return String.format(
                    Locale.ROOT,
                    "LINK_BACKLOG: %s -> %s at %.1f Mbit/s had %.0f ms of frames queued; this"
                            + " frame (%.1f KB) would have arrived %.0f ms after its deadline, so it"
                            + " was shed at its origin",
                    link.from(),
                    link.to(),
                    link.bandwidthBitsPerSecond() / 1e6,
                    queuedMicros / 1000.0,
                    bytes / 1000.0,
                    (arrivalMicros - deadlineMicros) / 1000.0);
        }
    }

    /**
     * Offers one frame to link {@code index}: admitted (and queued) when it arrives by its
     * deadline.
     *
     * @param index the link's (or its shared transmitter's) index
     * @param nowMicros when the frame is ready to send
     * @param bytes its size on the link
     * @param link the link as the caller knows it now (bandwidth and latency)
     * @param deadlineMicros the frame's absolute deadline
     */
    public Verdict offer(int index, long nowMicros, long bytes, Link link, long deadlineMicros) {
        return offer(
                index,
                nowMicros,
                bytes,
                link.bandwidthBitsPerSecond(),
                link.latencyMicros(),
                deadlineMicros);
    }

    /**
     * As {@link #offer(int, long, long, Link, long)}, the link given by its bandwidth and latency.
     */
    public Verdict offer(
            int index,
            long nowMicros,
            long bytes,
            long bitsPerSecond,
            long latencyMicros,
            long deadlineMicros) {
        long start = Math.max(nowMicros, freeAt[index]);
        long end = start + (long) Math.ceil(bytes * 8.0 * 1_000_000.0 / bitsPerSecond);
        long arrival = end + latencyMicros;
        long queued = start - nowMicros;
        if (arrival > deadlineMicros) {
            return new Verdict(false, arrival, queued);
        }
        freeAt[index] = end;
        return new Verdict(true, arrival, queued);
    }

    /** How long link {@code index} stays busy with admitted frames after {@code nowMicros}. */
    public long queuedMicros(int index, long nowMicros) {
        return Math.max(0, freeAt[index] - nowMicros);
    }
}
