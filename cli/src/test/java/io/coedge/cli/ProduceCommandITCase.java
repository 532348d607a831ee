package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.FrameHeaders;
import io.coedge.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * `coedge topics create` then `coedge produce` against a real broker, read back by a plain
 * consumer.
 */
class ProduceCommandITCase {

    @Test
    void thousandFramesProducedByTheCliArriveWithHeadersIntact() {
        try (TestKafka kafka = TestKafka.start()) {
            CliTest.Run create = CliTest.run("topics", "create", "--bootstrap", kafka.bootstrap());
            CliTest.Run again = CliTest.run("topics", "create", "--bootstrap", kafka.bootstrap());
            assertThat(create.exit()).isZero();
            assertThat(create.out().lines().toList())
                    .containsExactly(
                            "created  coedge.frames (4 partitions)",
                            "created  coedge.results (4 partitions)",
                            "created  coedge.frames.dlq (4 partitions)",
                            "created  coedge.node-profiles (1 partitions)");
            assertThat(again.out().lines()).allMatch(l -> l.startsWith("exists"));

            long before = System.currentTimeMillis();
            CliTest.Run produce =
                    CliTest.run(
                            "produce",
                            "--bootstrap",
                            kafka.bootstrap(),
                            "--config",
                            "../config/demo.yaml",
                            "--cameras",
                            "4",
                            "--fps",
                            "50",
                            "--count",
                            "1000",
                            "--first-sequence",
                            "0");
            long after = System.currentTimeMillis();
            assertThat(produce.exit()).as(produce.err()).isZero();

            List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("coedge.frames", 1000);
            assertThat(records).hasSize(1000);
            Map<String, List<Long>> sequences = new TreeMap<>();
            Map<String, String> taskOfCamera = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                String camera = new String(r.key(), StandardCharsets.UTF_8);
                Map<String, String> headers = new HashMap<>();
                for (Header h : r.headers()) {
                    assertThat(headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)))
                            .as("duplicate " + h.key())
                            .isNull();
                }
                assertThat(headers.keySet())
                        .containsExactlyInAnyOrder(
                                FrameHeaders.TASK,
                                FrameHeaders.TIMESTAMP,
                                FrameHeaders.ORIGIN,
                                FrameHeaders.SEQUENCE);
                assertThat(Long.parseLong(headers.get(FrameHeaders.TIMESTAMP)))
                        .isBetween(before, after);
                assertThat(r.value()).startsWith((byte) 0xff, (byte) 0xd8, (byte) 0xff);
                assertThat(
                                taskOfCamera.computeIfAbsent(
                                        camera, c -> headers.get(FrameHeaders.TASK)))
                        .isEqualTo(headers.get(FrameHeaders.TASK));
                assertThat(headers.get(FrameHeaders.ORIGIN)).isEqualTo("edge-1");
                sequences
                        .computeIfAbsent(camera, c -> new ArrayList<>())
                        .add(Long.parseLong(headers.get(FrameHeaders.SEQUENCE)));
            }
            // Four cameras at the same rate: 250 frames each, sequences 0..249 in order within the
            // camera's partition.
            assertThat(sequences.keySet()).containsExactly("cam-1", "cam-2", "cam-3", "cam-4");
            for (List<Long> seq : sequences.values()) {
                assertThat(seq).hasSize(250).isSorted().startsWith(0L).endsWith(249L);
            }
            assertThat(taskOfCamera)
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of(
                                    "cam-1",
                                    "vehicle-detection",
                                    "cam-2",
                                    "vehicle-detection",
                                    "cam-3",
                                    "walker-recognition",
                                    "cam-4",
                                    "walker-recognition"));
        }
    }
}
