package io.coedge.kafka.camera;

import io.coedge.format.NodeStatus;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.topics.OriginPartitions;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Sends each camera's frames to the partition that the job's frames source reads on the camera's
 * origin node, so a frame enters the job where the scheduling model says it does
 * (docs/ARCHITECTURE.md, "Frames read on their origin node"). It follows the nodes' statuses on the
 * node-profiles topic in a thread of its own: each node announces the source subtask that runs on
 * it, and when a restart moves subtasks, the next statuses move the frames with them. A node that
 * has not announced one yet gets Kafka's partitioning by camera key.
 */
public final class OriginRouting implements FramePartitions, AutoCloseable {
    private final String topic;
    private final int partitions;
    private final NodeWatch watch;
    private final Thread follower;
    private volatile boolean closed;
    private volatile Map<String, Integer> byNode = Map.of();
    private volatile Map<String, NodeStatus> statuses = Map.of();
    private volatile String problem;

    /**
     * @param client Kafka connection settings
     * @param statusTopic the node-profiles topic
     * @param framesTopic the frames topic the cameras write to
     * @param partitions how many partitions the frames topic has
     */
    public OriginRouting(
            Properties client, String statusTopic, String framesTopic, int partitions) {
        this.topic = framesTopic;
        this.partitions = partitions;
        this.watch = new NodeWatch(client, statusTopic);
        this.follower = new Thread(this::follow, "coedge-origin-routing");
        follower.setDaemon(true);
        follower.start();
    }

    /**
     * Each node's partition: the lowest one its announced source subtask reads ({@link
     * OriginPartitions#partitionFor}); nodes that announced none are left out.
     *
     * @throws IllegalArgumentException when the topic has too few partitions for some node
     */
    public static Map<String, Integer> choose(
            String topic, int partitions, Map<String, NodeStatus> statuses) {
        Map<String, Integer> out = new TreeMap<>();
        for (String node : statuses.keySet()) {
            OptionalInt p = OriginPartitions.partitionFor(topic, partitions, node, statuses);
            if (p.isPresent()) {
                out.put(node, p.getAsInt());
            }
        }
        return out;
    }

    private void follow() {
        try {
            while (!closed) {
                Map<String, NodeStatus> now = Map.copyOf(watch.poll(Duration.ofMillis(200)));
                if (!now.equals(statuses)) {
                    statuses = now;
                    try {
                        byNode = Map.copyOf(choose(topic, partitions, now));
                        problem = null;
                    } catch (IllegalArgumentException e) {
                        problem = e.getMessage();
                    }
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                problem = "reading node statuses failed: " + e.getMessage();
            }
        } finally {
            watch.close();
        }
    }

    @Override
    public Integer partition(String origin) {
        return byNode.get(origin);
    }

    /** The partitions chosen so far, per node. */
    public Map<String, Integer> partitions() {
        return byNode;
    }

    /**
     * Waits until every node of {@code origins} has announced its source subtask.
     *
     * @param progress one line about every two seconds while waiting
     * @throws IllegalStateException on timeout (naming the nodes still silent), or when the frames
     *     topic has too few partitions
     */
    public void awaitAnnounced(
            Collection<String> origins, Duration timeout, Consumer<String> progress)
            throws InterruptedException {
        long start = System.nanoTime();
        long until = start + timeout.toNanos();
        long nextReport = start + 2_000_000_000L;
        while (true) {
            if (problem != null) {
                throw new IllegalStateException(problem);
            }
            List<String> missing =
                    origins.stream().filter(n -> !byNode.containsKey(n)).sorted().toList();
            if (missing.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            if (now > until) {
                throw new IllegalStateException(
                        "nodes "
                                + missing
                                + " announced no frames source subtask within "
                                + timeout.toSeconds()
                                + " s: is the job running (coedge cluster status)?");
            }
            if (now > nextReport) {
                progress.accept("waiting for nodes " + missing + " to announce their source");
                nextReport += 2_000_000_000L;
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            follower.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
