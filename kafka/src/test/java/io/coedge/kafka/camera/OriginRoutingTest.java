package io.coedge.kafka.camera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.catalog.CatalogLoader;
import io.coedge.format.NodeStatus;
import io.coedge.format.NodeStatusCodec;
import io.coedge.topics.OriginPartitions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The producer's partition choice from the nodes' statuses: each node's frames go to a partition
 * that the source subtask it announced reads; a node that announced none is left to Kafka's key
 * partitioning; the choice follows when the subtasks move.
 */
class OriginRoutingTest {
    private static final String TOPIC = "coedge.frames";

    private static NodeStatus status(String node, int batcher, Integer source, Integer readers) {
        return new NodeStatus(node, batcher, 0, 1L, true, "", "cpu", Map.of(), 0, 0.1)
                .withSource(source, readers);
    }

    @Test
    void eachNodeGetsAPartitionItsAnnouncedSourceSubtaskReads() {
        // The source subtasks are not the batchers' indices: the announcement is what counts.
        Map<String, NodeStatus> statuses =
                Map.of(
                        "edge-1", status("edge-1", 0, 2, 3),
                        "edge-2", status("edge-2", 1, 0, 3),
                        "edge-3", status("edge-3", 2, 1, 3));
        for (int partitions : new int[] {3, 4, 7}) {
            Map<String, Integer> chosen = OriginRouting.choose(TOPIC, partitions, statuses);

            assertThat(chosen).containsOnlyKeys("edge-1", "edge-2", "edge-3");
            chosen.forEach(
                    (node, p) ->
                            assertThat(OriginPartitions.readerOf(TOPIC, p, 3))
                                    .as("reader of partition %d of %d", p, partitions)
                                    .isEqualTo(statuses.get(node).sourceSubtask()));
            assertThat(chosen.values()).doesNotHaveDuplicates();
        }
    }

    @Test
    void aNodeThatAnnouncedNoSourceIsLeftToKeyPartitioning() {
        Map<String, NodeStatus> statuses =
                Map.of(
                        "edge-1", status("edge-1", 0, 0, 2),
                        "edge-2", status("edge-2", 1, null, null));

        assertThat(OriginRouting.choose(TOPIC, 2, statuses)).containsOnlyKeys("edge-1");
    }

    @Test
    void theChoiceFollowsWhenARestartMovesTheSubtasks() {
        Map<String, NodeStatus> before =
                Map.of("a", status("a", 0, 0, 2), "b", status("b", 1, 1, 2));
        Map<String, NodeStatus> after =
                Map.of("a", status("a", 0, 1, 2), "b", status("b", 1, 0, 2));

        Map<String, Integer> first = OriginRouting.choose(TOPIC, 2, before);
        Map<String, Integer> second = OriginRouting.choose(TOPIC, 2, after);

        assertThat(second.get("a")).isEqualTo(first.get("b"));
        assertThat(second.get("b")).isEqualTo(first.get("a"));
    }

    @Test
    void tooFewPartitionsForTheReadersIsAClearError() {
        Map<String, NodeStatus> statuses =
                Map.of(
                        "a",
                        status("a", 0, 0, 3),
                        "b",
                        status("b", 1, 1, 3),
                        "c",
                        status("c", 2, 2, 3));

        assertThatThrownBy(() -> OriginRouting.choose(TOPIC, 1, statuses))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 1 partitions, fewer than the job's 3 source readers")
                .hasMessageContaining("give it at least as many partitions as nodes");
    }

    @Test
    void aStatusWithoutTheSourceFieldsStillReads() throws Exception {
        NodeStatus withSource = status("edge-1", 0, 1, 2);
        NodeStatus read = NodeStatusCodec.fromJson(NodeStatusCodec.toJson(withSource));
        assertThat(read.sourceSubtask()).isEqualTo(1);
        assertThat(read.sourceSubtasks()).isEqualTo(2);

        String older =
                new String(NodeStatusCodec.toJson(status("edge-1", 0, null, null)))
                        .replace(",\"sourceSubtask\":null,\"sourceSubtasks\":null", "");
        assertThat(older).doesNotContain("sourceSubtask");
        NodeStatus fromOlder = NodeStatusCodec.fromJson(older.getBytes());
        assertThat(fromOlder.sourceSubtask()).isNull();
        assertThat(OriginRouting.choose(TOPIC, 2, Map.of("edge-1", fromOlder))).isEmpty();
    }

    @Test
    void theCamerasSendEachFrameToItsOriginsPartition() throws Exception {
        var catalog = CatalogLoader.parse("c.yaml", CameraSimulatorTest.CATALOG);
        Map<String, Integer> byNode = Map.of("edge-1", 3, "edge-2", 0);
        CameraSimulator cameras =
                new CameraSimulator(
                                CameraSpec.fromCatalog(catalog, null, null),
                                new CameraSimulator.Options(TOPIC, null, 30, null, 2, 1, null, 0))
                        .partitions(byNode::get);
        MockProducer<byte[], byte[]> producer =
                new MockProducer<>(
                        true, null, new ByteArraySerializer(), new ByteArraySerializer());

        cameras.run(producer, r -> {});

        Map<String, Integer> partitionOfCamera = new TreeMap<>();
        Map<String, Integer> frames = new HashMap<>();
        for (ProducerRecord<byte[], byte[]> r : producer.history()) {
            String camera = new String(r.key());
            frames.merge(camera, 1, Integer::sum);
            partitionOfCamera.merge(
                    camera,
                    r.partition(),
                    (a, b) -> {
                        assertThat(b).as("partition of %s", camera).isEqualTo(a);
                        return a;
                    });
        }
        assertThat(frames.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(30);
        assertThat(partitionOfCamera)
                .containsExactlyEntriesOf(
                        new TreeMap<>(Map.of("cam-a", 3, "cam-b", 3, "cam-c", 0)));
        assertThat(List.copyOf(partitionOfCamera.keySet())).hasSize(3);
    }
}
