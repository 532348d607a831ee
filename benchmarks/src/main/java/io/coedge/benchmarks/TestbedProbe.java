package io.coedge.benchmarks;

import io.coedge.format.NodeStatus;
import io.coedge.format.NodeStatusCodec;
import io.coedge.format.ResultCodec;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.topics.TopicsConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Kafka side of one pair's run on the testbed, run inside the testbed's backbone namespace
 * (where Kafka is; the bench itself runs on the host, which reaches only the Flink REST API). A
 * line protocol with the bench ({@link TestbedSweep}):
 *
 * <ol>
 *   <li>creates the run's topics, prints {@code topics};
 *   <li>waits until every node has reported healthy on the run's profiles topic (the bench submits
 *       the job meanwhile), prints {@code healthy};
 *   <li>waits for {@code done} on stdin (the cameras' producers have ended), counts the frames
 *       topic's records ({@code sent N}), reads committed results until there are as many or {@code
 *       wait} seconds have passed, printing {@code result <json>} for each, then {@code status
 *       <json>} for each node's latest status, and {@code end}.
 * </ol>
 *
 * <p>Arguments: bootstrap, topics prefix, partitions, nodes (comma-separated), wait in seconds.
 */
public final class TestbedProbe {
    private TestbedProbe() {}

    public static void main(String[] args) throws Exception {
        ProbeStart start = ProbeStart.of(args);
        TopicsConfig topics = start.topics();
        PrintStream out = start.out();
        Properties client = start.client();
        try (NodeWatch watch = start.watch()) {
            start.awaitHealthy(watch);
            CompletableFuture<Void> done = ProbeStart.done();
            // Every status the nodes publish meanwhile goes to the log (stderr), one JSON line
            // each: the profiles and loads the dispatcher planned with, over the whole run.
            Map<String, Long> logged = new HashMap<>();
            while (!done.isDone()) {
                for (NodeStatus s : watch.poll(Duration.ofMillis(500)).values()) {
                    Long last = logged.put(s.node(), s.timestamp());
                    if (last == null || last != s.timestamp()) {
                        System.err.println(
                                "status-seen "
                                        + new String(
                                                NodeStatusCodec.toJson(s), StandardCharsets.UTF_8));
                    }
                }
            }
            long sent = records(client, topics.frames());
            out.println("sent " + sent);
            long until = System.nanoTime() + Duration.ofSeconds(start.waitSeconds()).toNanos();
            try (ResultsReader reader = new ResultsReader(client, topics.results(), true)) {
                long[] read = {0};
                while (read[0] < sent && System.nanoTime() < until) {
                    reader.poll(
                            Duration.ofMillis(200),
                            r -> {
                                read[0]++;
                                out.println(
                                        "result "
                                                + new String(
                                                        ResultCodec.toJson(r),
                                                        StandardCharsets.UTF_8));
                            });
                    watch.poll(Duration.ZERO);
                }
            }
            for (NodeStatus s : watch.poll(Duration.ofMillis(500)).values()) {
                out.println(
                        "status " + new String(NodeStatusCodec.toJson(s), StandardCharsets.UTF_8));
            }
        }
        out.println("end");
    }

    /**
     * How many records the topic holds (its end offsets; the cameras' producers are not
     * transactional).
     */
    static long records(Properties client, String topic) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("group.id", "coedge-testbed-probe-" + UUID.randomUUID());
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts =
                    c.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            Map<TopicPartition, Long> begin = c.beginningOffsets(parts);
            return c.endOffsets(parts).entrySet().stream()
                    .mapToLong(e -> e.getValue() - begin.get(e.getKey()))
                    .sum();
        }
    }
}
