package io.coedge.format;

import java.util.Map;

/**
 * What one node tells the dispatcher (topic {@code coedge.node-profiles}, key = node id,
 * compacted): where it runs, whether its sidecar serves, what each model costs it and how busy it
 * is. Published by the node's batcher about once a second.
 *
 * @param node node id
 * @param subtask index of the batcher subtask that hosts the node: where the dispatcher sends the
 *     node's frames
 * @param attempt subtask attempt number; a newer attempt's claim wins
 * @param timestamp when this was measured, epoch milliseconds
 * @param healthy whether the sidecar answers and serves at least one of the catalog's models (those
 *     in {@code models})
 * @param reason why not healthy, or empty
 * @param device device the sidecar runs on ({@code cpu}, {@code cuda:0}, ...)
 * @param models per-model latency profile the batcher plans with
 * @param queuedFrames frames waiting in the node's queues
 * @param load fraction of the last interval the accelerator was busy, 0..1
 * @param sourceSubtask index of the frames source's subtask that runs on this node (the one whose
 *     partitions a producer on this node writes to, docs/ARCHITECTURE.md "Frames read on their
 *     origin node"); null while none has announced itself here, and from older nodes
 * @param sourceSubtasks the frames source's parallelism (its number of readers), announced with
 *     {@code sourceSubtask}; null with it
 * @param probe {@code host:port} of the node's link probe server, on the node's own address (what
 *     peers time their transfers to, docs/ARCHITECTURE.md "Measured links"); null when the node
 *     does not probe, and from older nodes
 * @param links what this node measured its links to give, by peer node id (the direction this node
 *     -> peer); null when it does not probe, and from older nodes
 * @param frameBytes what the encoded frames of each task this node ran lately weigh, by task id
 *     (docs/ARCHITECTURE.md "Measured frame sizes"); null from older nodes
 * @param serviceFactor how much longer the node's batches took in all than their typical estimates
 *     over the last 20 s (at least 1); the models' {@code typicalMicros} are already multiplied by
 *     it (docs/SCHEDULING.md "Service factor"); null from older nodes
 * @param overloaded whether the node's engine finds it cannot keep up with what it is sent: a
 *     steady share of the frames it receives is hopeless on arrival (docs/SCHEDULING.md "Observed
 *     overload"); null from older nodes
 */
public record NodeStatus(
        String node,
        int subtask,
        int attempt,
        long timestamp,
        boolean healthy,
        String reason,
        String device,
        Map<String, ModelStatus> models,
        long queuedFrames,
        double load,
        Integer sourceSubtask,
        Integer sourceSubtasks,
        String probe,
        Map<String, LinkStatus> links,
        Map<String, FrameBytes> frameBytes,
        Double serviceFactor,
        Boolean overloaded) {

    /** A status that does not say whether the node is overloaded. */
    public NodeStatus(
            String node,
            int subtask,
            int attempt,
            long timestamp,
            boolean healthy,
            String reason,
            String device,
            Map<String, ModelStatus> models,
            long queuedFrames,
            double load,
            Integer sourceSubtask,
            Integer sourceSubtasks,
            String probe,
            Map<String, LinkStatus> links,
            Map<String, FrameBytes> frameBytes,
            Double serviceFactor) {
        this(
                node,
                subtask,
                attempt,
                timestamp,
                healthy,
                reason,
                device,
                models,
                queuedFrames,
                load,
                sourceSubtask,
                sourceSubtasks,
                probe,
                links,
                frameBytes,
                serviceFactor,
                null);
    }

    /** A status without link measurements or frame sizes. */
    public NodeStatus(
            String node,
            int subtask,
            int attempt,
            long timestamp,
            boolean healthy,
            String reason,
            String device,
            Map<String, ModelStatus> models,
            long queuedFrames,
            double load,
            Integer sourceSubtask,
            Integer sourceSubtasks) {
        this(
                node,
                subtask,
                attempt,
                timestamp,
                healthy,
                reason,
                device,
                models,
                queuedFrames,
                load,
                sourceSubtask,
                sourceSubtasks,
                null,
                null,
                null,
                null);
    }

    /** A status that announces no source subtask. */
    public NodeStatus(
            String node,
            int subtask,
            int attempt,
            long timestamp,
            boolean healthy,
            String reason,
            String device,
            Map<String, ModelStatus> models,
            long queuedFrames,
            double load) {
        this(
                node,
                subtask,
                attempt,
                timestamp,
                healthy,
                reason,
                device,
                models,
                queuedFrames,
                load,
                null,
                null);
    }

    /** This status with the frames source's subtask on this node ({@code null}s: none). */
    public NodeStatus withSource(Integer sourceSubtask, Integer sourceSubtasks) {
        return with(
                sourceSubtask, sourceSubtasks, probe, links, frameBytes, serviceFactor, overloaded);
    }

    /** This status with the node's probe address and link measurements ({@code null}s: none). */
    public NodeStatus withLinks(String probe, Map<String, LinkStatus> links) {
        return with(
                sourceSubtask, sourceSubtasks, probe, links, frameBytes, serviceFactor, overloaded);
    }

    /** This status with the frame sizes the node measured ({@code null}: none). */
    public NodeStatus withFrameBytes(Map<String, FrameBytes> frameBytes) {
        return with(
                sourceSubtask, sourceSubtasks, probe, links, frameBytes, serviceFactor, overloaded);
    }

    /** This status with the node's service factor ({@code null}: none). */
    public NodeStatus withServiceFactor(Double serviceFactor) {
        return with(
                sourceSubtask, sourceSubtasks, probe, links, frameBytes, serviceFactor, overloaded);
    }

    /** This status saying whether the node is overloaded ({@code null}: not said). */
    public NodeStatus withOverloaded(Boolean overloaded) {
        return with(
                sourceSubtask, sourceSubtasks, probe, links, frameBytes, serviceFactor, overloaded);
    }

    /** This status with its optional parts (those a node adds after it built it) replaced. */
    private NodeStatus with(
            Integer sourceSubtask,
            Integer sourceSubtasks,
            String probe,
            Map<String, LinkStatus> links,
            Map<String, FrameBytes> frameBytes,
            Double serviceFactor,
            Boolean overloaded) {
        return new NodeStatus(
                node,
                subtask,
                attempt,
                timestamp,
                healthy,
                reason,
                device,
                models,
                queuedFrames,
                load,
                sourceSubtask,
                sourceSubtasks,
                probe,
                links,
                frameBytes,
                serviceFactor,
                overloaded);
    }

    /**
     * What one task's frames weighed on arrival at a node that ran them: the encoded image's bytes,
     * what shipping a frame of the task to another node costs (the catalog's {@code inputBytes} is
     * a guess from the frame size until a node has measured).
     *
     * @param meanBytes mean over the task's latest frames on the node (64 at most)
     * @param samples frames in that mean
     * @param lastFrameMs when the latest of them arrived, epoch milliseconds of the node's clock
     */
    public record FrameBytes(long meanBytes, int samples, long lastFrameMs) {}

    /**
     * What one direction of a link gave the node's probe: the payload rate of a TCP transfer (what
     * a frame's bytes get), from two timed payload sizes, so the per-byte time and the fixed cost
     * (latency, connection) separate.
     *
     * @param mbps payload megabits per second (the median of the recent probe rounds)
     * @param latencyMicros the fixed part of a transfer (round trip of the acknowledgement
     *     included), microseconds; the median of the recent rounds
     * @param measuredAtMs when the latest round ended, epoch milliseconds of the measuring node's
     *     clock (the same clock as its status's {@code timestamp})
     * @param samples probe rounds measured on this link so far
     */
    public record LinkStatus(double mbps, long latencyMicros, long measuredAtMs, int samples) {
        /** Transfer time per payload byte, microseconds. */
        public double microsPerByte() {
            return 8.0 / mbps;
        }
    }

    /**
     * @param batchSizes batch sizes measured
     * @param latencyMicros what the node plans a batch of each of those sizes with, end to end: the
     *     sidecar's p99 plus the node's measured overhead, microseconds
     * @param typicalMicros what a batch of each size typically takes end to end, times the node's
     *     service factor (the dispatcher plans with it); null from nodes that do not report it,
     *     which then plan with {@code latencyMicros}
     * @param queued frames of this model waiting on the node
     * @param sidecar the sidecar's own compute profile as the node last read it, and the overhead
     *     the node measured around it (what a simulator of this node needs); null from older nodes
     */
    /**
     * The sidecar's compute alone at the status's batch sizes, and the node's overhead around it.
     *
     * @param p50Micros the sidecar's median per batch size (empty when it reports none)
     * @param p99Micros the sidecar's p99 per batch size
     * @param overheadMicros median of the node's recent runs beyond the sidecar's median
     *     (pre-processing, the call, post-processing), or -1 before any run
     */
    public record Compute(long[] p50Micros, long[] p99Micros, long overheadMicros) {}

    public record ModelStatus(
            int[] batchSizes,
            long[] latencyMicros,
            long[] typicalMicros,
            long queued,
            Compute sidecar) {
        public ModelStatus(int[] batchSizes, long[] latencyMicros, long queued) {
            this(batchSizes, latencyMicros, null, queued, null);
        }

        /** The latencies the dispatcher plans with: typical where reported. */
        public long[] planningMicros() {
            return typicalMicros != null && typicalMicros.length == batchSizes.length
                    ? typicalMicros
                    : latencyMicros;
        }
    }
}
