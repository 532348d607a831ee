package io.coedge.topics;

import io.coedge.format.NodeStatus;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Which frames partition the source subtask on a camera's origin node reads, so that a frame enters
 * the job on its origin node (docs/ARCHITECTURE.md, "Frames read on their origin node").
 *
 * <p>Flink's {@code KafkaSource} gives partition {@code p} of topic {@code t} to reader subtask
 * {@code (((t.hashCode() * 31) & 0x7FFFFFFF) % readers + p) % readers} (its enumerator's {@code
 * getSplitOwner}). Each node announces in its status which source subtask runs on it ({@link
 * NodeStatus#sourceSubtask()}, of {@link NodeStatus#sourceSubtasks()} readers). A producer on node
 * {@code N} that writes its cameras' frames to {@link #partitionFor}{@code (topic, partitions, N,
 * statuses)} therefore has them read on {@code N}.
 */
public final class OriginPartitions {
    private OriginPartitions() {}

    /** The source subtask that reads {@code partition} (Flink's KafkaSource assignment). */
    public static int readerOf(String topic, int partition, int readers) {
        int start = ((topic.hashCode() * 31) & 0x7FFFFFFF) % readers;
        return (start + partition) % readers;
    }

    /**
     * The lowest partition of the topic that source subtask {@code subtask} reads; empty when the
     * topic has fewer partitions than readers and none falls to it.
     */
    public static OptionalInt partitionReadBy(
            String topic, int partitions, int readers, int subtask) {
        if (subtask < 0 || subtask >= readers) {
            throw new IllegalArgumentException(
                    "subtask " + subtask + " of " + readers + " readers does not exist");
        }
        for (int p = 0; p < partitions; p++) {
            if (readerOf(topic, p, readers) == subtask) {
                return OptionalInt.of(p);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The partition of {@code topic} that the frames source's subtask on node {@code origin} reads,
     * as the nodes' latest statuses announce it; empty while {@code origin} has announced no source
     * subtask (the job is starting, or the node is older).
     *
     * @throws IllegalArgumentException when the topic has fewer partitions than the source has
     *     readers and none falls to the node's subtask: frames from the node could not enter there
     */
    public static OptionalInt partitionFor(
            String topic, int partitions, String origin, Map<String, NodeStatus> statuses) {
        NodeStatus status = statuses.get(origin);
        if (status == null
                || status.sourceSubtask() == null
                || status.sourceSubtasks() == null
                || status.sourceSubtask() < 0
                || status.sourceSubtask() >= status.sourceSubtasks()) {
            return OptionalInt.empty();
        }
        OptionalInt p =
                partitionReadBy(topic, partitions, status.sourceSubtasks(), status.sourceSubtask());
        if (p.isEmpty()) {
            throw new IllegalArgumentException(
                    "topic "
                            + topic
                            + " has "
                            + partitions
                            + " partitions, fewer than the job's "
                            + status.sourceSubtasks()
                            + " source readers, and none is read on node "
                            + origin
                            + ": give it at least as many partitions as nodes");
        }
        return p;
    }
}
