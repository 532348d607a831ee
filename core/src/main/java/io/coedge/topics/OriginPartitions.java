package io.coedge.topics;

import java.util.OptionalInt;

/**
 * Which frames partition the source subtask on a camera's origin node reads, so that a frame enters
 * the job on its origin node (docs/ARCHITECTURE.md, "Frames read on their origin node").
 *
 * <p>Flink's {@code KafkaSource} gives partition {@code p} of topic {@code t} to reader subtask
 * {@code (((t.hashCode() * 31) & 0x7FFFFFFF) % readers + p) % readers} (its enumerator's {@code
 * getSplitOwner}), and with one slot per TaskManager the source subtask {@code i} shares its slot
 * with the batcher subtask {@code i}, which each node announces in its status. A producer on node
 * {@code N} that writes its cameras' frames to {@link #partitionReadBy}{@code (topic, partitions,
 * readers, subtask of N)} therefore has them read on {@code N}.
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
}
