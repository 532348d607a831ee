package io.coedge.benchmarks;

import io.coedge.format.NodeStatus;
import io.coedge.format.NodeStatusCodec;
import io.coedge.format.ResultCodec;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
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
        String bootstrap = args[0];
        TopicsConfig topics = TopicsConfig.prefixed(args[1], Integer.parseInt(args[2]));
        List<String> nodes = Arrays.asList(args[3].split(","));
        long waitSeconds = Long.parseLong(args[4]);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Properties client = KafkaClients.resolve(bootstrap, null).properties();
        TopicAdmin.createAll(client, topics);
        out.println("topics");
        try (NodeWatch watch = new NodeWatch(client, topics.nodeProfiles())) {
            watch.awaitHealthy(nodes, Duration.ofMinutes(3));
            out.println("healthy");
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            CompletableFuture<Void> done =
                    CompletableFuture.runAsync(
                            () -> {
                                try {
                                    String line;
                                    while ((line = in.readLine()) != null && !line.equals("done")) {
                                        // only "done" (or the end of input) ends the run
                                    }
                                } catch (IOException e) {
                                    // the sweep is gone: end as on "done"
                                }
                            });
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
            long until = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
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
