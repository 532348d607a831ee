package io.coedge.kafka.status;

import io.coedge.format.NodeStatus;
import io.coedge.format.NodeStatusCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the node-profiles topic: who announced itself, healthy or not. Used to start cameras only
 * once the job's nodes are up, and to show per-node load in the demo.
 */
public final class NodeWatch implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, NodeStatus> latest = new TreeMap<>();

    public NodeWatch(Properties client, String topic) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("group.id", "coedge-node-watch-" + UUID.randomUUID());
        p.setProperty("auto.offset.reset", "latest");
        p.setProperty("enable.auto.commit", "false");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
    }

    /** Reads what arrived within {@code timeout}; returns the latest status per node. */
    public Map<String, NodeStatus> poll(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            try {
                NodeStatus s = NodeStatusCodec.fromJson(r.value());
                latest.put(s.node(), s);
            } catch (IOException e) {
                // Not a status: ignore.
            }
        }
        return latest;
    }

    /** Waits until every node has announced itself healthy. */
    public void awaitHealthy(Collection<String> nodes, Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            Map<String, NodeStatus> now = poll(Duration.ofMillis(200));
            if (nodes.stream().allMatch(n -> now.containsKey(n) && now.get(n).healthy())) {
                return;
            }
        }
        throw new IllegalStateException(
                "nodes did not all report healthy within "
                        + timeout.toSeconds()
                        + " s: "
                        + describe());
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        latest.forEach(
                (node, s) ->
                        sb.append(node)
                                .append(
                                        s.healthy()
                                                ? " healthy"
                                                : " unhealthy (" + s.reason() + ")")
                                .append("; "));
        return sb.length() == 0 ? "none reported" : sb.toString();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
