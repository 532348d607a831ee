package io.coedge.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.format.FrameHeaders;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.camera.OriginRouting;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.testing.TestCatalogs;
import io.coedge.testing.TestKafka;
import io.coedge.testing.TestSidecars;
import io.coedge.topics.OriginPartitions;
import io.coedge.topics.TopicsConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames enter the job on their camera's origin node (docs/ARCHITECTURE.md, "Frames read on their
 * origin node"), on real Kafka, a MiniCluster of three nodes and real sidecars: every node
 * announces the frames-source subtask that runs on it; a producer that follows those announcements
 * ({@link OriginRouting}) has each camera's frames read by the source subtask its origin announced.
 * The signal is the job's own: the decode function chained to each source subtask counts the frames
 * it reads ({@code framesAccepted}) and those whose origin is another node ({@code
 * framesOffOrigin}). A first wave partitioned by camera key shows that the counter sees frames read
 * elsewhere; the second, routed by origin, adds none.
 */
class FramesReadOnOriginNodeITCase {
    private static final List<String> NODES = List.of("edge-1", "edge-2", "edge-3");
    private static final int BY_KEY = 60;
    private static final int BY_ORIGIN = 120;
    private static final long ORIGIN_FIRST_SEQUENCE = 1_000_000;

    @Test
    void eachCamerasFramesAreReadByTheSourceSubtaskItsOriginAnnounced(@TempDir Path dir)
            throws Exception {
        CatalogText catalogText =
                new CatalogText(
                        "origin.yaml",
                        TestCatalogs.threeNodesResnet(
                                1,
                                2,
                                3,
                                """
            - {id: one, model: resnet, cameras: [cam-a, cam-b], fps: 20, deadlineMs: 30000, origin: edge-1, frame: {width: 64, height: 48}}
            - {id: two, model: resnet, cameras: [cam-c], fps: 20, deadlineMs: 30000, origin: edge-2, frame: {width: 64, height: 48}}
            - {id: three, model: resnet, cameras: [cam-d, cam-e], fps: 20, deadlineMs: 30000, origin: edge-3, frame: {width: 64, height: 48}}
            """));
        Catalog catalog = catalogText.parse();
        // More partitions than readers: subtasks own one or two each.
        TopicsConfig topics =
                new TopicsConfig("or.frames", "or.results", "or.dlq", "or.profiles", 5);

        try (TestKafka kafka = TestKafka.start();
                TestSidecars sidecars = TestSidecars.generated(dir, 7, NODES, "resnet")) {
            Configuration config = new Configuration();
            CountersReporter.configure(config);
            JobClient running =
                    new TestJob(kafka, catalogText, topics, sidecars.addresses(), "or")
                            .configuration(config)
                            .dispatch("no-offloading")
                            .healthyWithin(Duration.ofSeconds(90))
                            .start();
            Map<String, NodeStatus> statuses;
            try (NodeWatch watch = new NodeWatch(kafka.clientProperties(), topics.nodeProfiles())) {
                statuses =
                        await("every node announces its source subtask")
                                .atMost(Duration.ofSeconds(30))
                                .until(
                                        () -> Map.copyOf(watch.poll(Duration.ofMillis(200))),
                                        now ->
                                                NODES.stream()
                                                        .allMatch(
                                                                n ->
                                                                        now.containsKey(n)
                                                                                && now.get(n)
                                                                                                .sourceSubtask()
                                                                                        != null));
            }
            try {
                // 1. Every node announces a distinct source subtask of the three.
                Map<Integer, String> nodeOfSubtask = new TreeMap<>();
                for (String node : NODES) {
                    NodeStatus s = statuses.get(node);
                    assertThat(s.sourceSubtasks()).as("readers announced by %s", node).isEqualTo(3);
                    assertThat(s.sourceSubtask()).as("source subtask of %s", node).isBetween(0, 2);
                    nodeOfSubtask.put(s.sourceSubtask(), node);
                }
                assertThat(nodeOfSubtask).hasSize(3);

                Map<String, Integer> routed;
                try (KafkaProducer<byte[], byte[]> producer =
                                new KafkaProducer<>(
                                        kafka.clientProperties(),
                                        new ByteArraySerializer(),
                                        new ByteArraySerializer());
                        OriginRouting routing =
                                new OriginRouting(
                                        kafka.clientProperties(),
                                        topics.nodeProfiles(),
                                        topics.frames(),
                                        5)) {
                    // 2. A wave by camera key, as before: some frames enter on another node.
                    assertThat(cameras(catalog, topics, BY_KEY, 0).run(producer, r -> {}).acked())
                            .isEqualTo(BY_KEY);
                    // 3. A wave routed by origin.
                    routing.awaitAnnounced(NODES, Duration.ofSeconds(30), System.out::println);
                    routed = Map.copyOf(routing.partitions());
                    assertThat(
                                    cameras(catalog, topics, BY_ORIGIN, ORIGIN_FIRST_SEQUENCE)
                                            .partitions(routing)
                                            .run(producer, r -> {})
                                            .acked())
                            .isEqualTo(BY_ORIGIN);
                }
                List<FrameResult> results =
                        CoEdgeJobITCase.readResults(
                                kafka.clientProperties(),
                                topics.results(),
                                BY_KEY + BY_ORIGIN,
                                Duration.ofSeconds(120));
                assertThat(results)
                        .extracting(FrameResult::frameId)
                        .doesNotHaveDuplicates()
                        .hasSize(BY_KEY + BY_ORIGIN);

                // What the frames topic holds: per frame its partition, so the reader the
                // connector gives it, and its origin.
                Map<Integer, Long> readPerSubtask = new TreeMap<>();
                long offOriginByKey = 0;
                long byOrigin = 0;
                for (ConsumerRecord<byte[], byte[]> r :
                        kafka.readAll(topics.frames(), BY_KEY + BY_ORIGIN)) {
                    int reader = OriginPartitions.readerOf(topics.frames(), r.partition(), 3);
                    readPerSubtask.merge(reader, 1L, Long::sum);
                    String origin = header(r, FrameHeaders.ORIGIN);
                    long sequence = Long.parseLong(header(r, FrameHeaders.SEQUENCE));
                    if (sequence >= ORIGIN_FIRST_SEQUENCE) {
                        byOrigin++;
                        assertThat(r.partition())
                                .as("partition of a routed frame of %s", origin)
                                .isEqualTo(routed.get(origin));
                        assertThat(nodeOfSubtask.get(reader)).isEqualTo(origin);
                    } else if (!nodeOfSubtask.get(reader).equals(origin)) {
                        offOriginByKey++;
                    }
                }
                assertThat(byOrigin).isEqualTo(BY_ORIGIN);
                // The key wave must show the counter something to count.
                assertThat(offOriginByKey).isPositive();

                // 4. The job's own counters: each source subtask read exactly the frames of its
                // partitions, and only the key wave's off-origin frames came off their origin.
                Map<Integer, Long> decoded = new TreeMap<>();
                long offOrigin = 0;
                for (int subtask = 0; subtask < 3; subtask++) {
                    decoded.put(
                            subtask, CountersReporter.count("decode", subtask, "framesAccepted"));
                    offOrigin += CountersReporter.count("decode", subtask, "framesOffOrigin");
                }
                System.out.printf(
                        "FramesReadOnOriginNodeITCase: source subtask per node %s, partition per"
                                + " node %s, frames read per subtask %s, off origin %d (%d expected"
                                + " from the key wave)%n",
                        nodeOfSubtask, routed, decoded, offOrigin, offOriginByKey);
                assertThat(decoded).isEqualTo(readPerSubtask);
                assertThat(offOrigin).isEqualTo(offOriginByKey);
                // The results carry the partition each frame was read from, too.
                Map<String, Integer> resultPartitions = new HashMap<>();
                for (FrameResult r : results) {
                    if (r.sequence() != null && r.sequence() >= ORIGIN_FIRST_SEQUENCE) {
                        resultPartitions.put(r.origin(), partitionOf(r.source()));
                    }
                }
                assertThat(resultPartitions).isEqualTo(routed);
            } finally {
                running.cancel().get();
            }
        }
    }

    private static CameraSimulator cameras(
            Catalog catalog, TopicsConfig topics, int frames, long firstSequence) {
        return new CameraSimulator(
                CameraSpec.fromCatalog(catalog, null, null),
                new CameraSimulator.Options(
                        topics.frames(), null, frames, null, 3, 3, null, firstSequence));
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** The partition of a {@code topic/partition@offset} source. */
    private static int partitionOf(String source) {
        return Integer.parseInt(source.substring(source.lastIndexOf('/') + 1, source.indexOf('@')));
    }
}
