package io.coedge.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.ModelSpec;
import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.oip.InferInput;
import io.coedge.oip.InferRequest;
import io.coedge.oip.OipClient;
import io.coedge.operators.post.TopK;
import io.coedge.operators.pre.Preprocessor;
import io.coedge.testing.TestKafka;
import io.coedge.testing.TestSidecars;
import io.coedge.topics.TopicsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on real parts: embedded Kafka, a Flink MiniCluster, three real sidecars
 * serving generated ONNX models. N frames in, N results out, each exactly once; batches above one
 * under a burst; results equal to inference of the same frames called directly.
 */
class CoEdgeJobITCase {
    static final String CATALOG =
            """
      nodes:
        - {id: edge-1, sidecar: "127.0.0.1:1"}
        - {id: edge-2, sidecar: "127.0.0.1:2"}
        - {id: edge-3, sidecar: "127.0.0.1:3"}
      models:
        - name: yolo-small
          maxBatch: 8
          input: {name: images, width: 64, height: 64}
          preprocess: {resize: letterbox}
          postprocess: {type: yolo, confidence: 0.25, labels: [person, bicycle, car]}
        - name: resnet
          maxBatch: 16
          input: {name: input, width: 32, height: 32}
          postprocess: {type: classification, topK: 3, labels: [airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck]}
      tasks:
        - {id: vehicles, model: yolo-small, cameras: [cam-1, cam-2], fps: 60, deadlineMs: 5000, origin: edge-1, frame: {width: 160, height: 120}}
        - {id: walkers, model: resnet, cameras: [cam-3, cam-4], fps: 60, deadlineMs: 5000, origin: edge-2, frame: {width: 64, height: 48}}
      """;

    @Test
    void everyFrameGetsExactlyOneResultBatchedAndEqualToDirectInference(@TempDir Path dir)
            throws Exception {
        int frames = 240;
        CatalogText catalogText = new CatalogText("it.yaml", CATALOG);
        Catalog catalog = catalogText.parse();
        TopicsConfig topics =
                new TopicsConfig("it.frames", "it.results", "it.dlq", "it.profiles", 3);

        try (TestKafka kafka = TestKafka.start();
                TestSidecars sidecars =
                        TestSidecars.generated(dir, 7, List.of("edge-1", "edge-2", "edge-3"))) {
            JobClient running =
                    new TestJob(kafka, catalogText, topics, sidecars.addresses(), "it").start();
            try {
                // A burst: 4 cameras at 60 fps, so queues build up and batches form.
                CameraSimulator cameras =
                        new CameraSimulator(
                                CameraSpec.fromCatalog(catalog, null, null),
                                new CameraSimulator.Options(
                                        topics.frames(), null, frames, null, 5, 3, null, 0));
                assertThat(kafka.send(cameras)).isEqualTo(frames);

                List<FrameResult> results =
                        readResults(
                                kafka.clientProperties(),
                                topics.results(),
                                frames,
                                Duration.ofSeconds(150));

                System.out.println(
                        "CoEdgeJobITCase: statuses "
                                + count(results, r -> r.status().name())
                                + ", reasons "
                                + count(
                                        results,
                                        r ->
                                                r.reason() == null
                                                        ? "-"
                                                        : r.reason().replaceAll("[0-9.]+", "N"))
                                + ", nodes "
                                + count(results, FrameResult::node)
                                + ", batch sizes "
                                + count(results, r -> Integer.toString(r.batchSize())));
                assertThat(results)
                        .extracting(FrameResult::frameId)
                        .doesNotHaveDuplicates()
                        .hasSize(frames);
                assertThat(results)
                        .extracting(FrameResult::status)
                        .allMatch(
                                s ->
                                        s == FrameResult.Status.OK
                                                || s == FrameResult.Status.LATE
                                                || s == FrameResult.Status.DROPPED);
                assertThat(results)
                        .filteredOn(r -> r.status() == FrameResult.Status.OK)
                        .hasSizeGreaterThan(frames / 2);
                assertThat(results).extracting(FrameResult::batchSize).anyMatch(b -> b > 1);
                assertThat(results)
                        .extracting(FrameResult::node)
                        .containsAnyOf("edge-1", "edge-2", "edge-3");
                assertThat(results)
                        .filteredOn(r -> r.task().equals("vehicles"))
                        .allMatch(r -> r.classes() == null);
                assertThat(results)
                        .filteredOn(
                                r ->
                                        r.status() == FrameResult.Status.OK
                                                && r.task().equals("walkers"))
                        .allMatch(r -> r.classes().size() == 3);

                assertEqualToDirectInference(results, catalog, kafka, topics.frames(), sidecars);
            } finally {
                running.cancel().get();
            }
        }
    }

    /**
     * Classification results of the pipeline equal a batch-of-one call on the same sidecar for the
     * same frame.
     */
    private static void assertEqualToDirectInference(
            List<FrameResult> results,
            Catalog catalog,
            TestKafka kafka,
            String framesTopic,
            TestSidecars sidecars)
            throws Exception {
        Map<String, byte[]> images = kafka.framesById(framesTopic, 240);
        ModelSpec resnet = catalog.model("resnet").orElseThrow();
        Preprocessor pre = new Preprocessor(resnet);
        TopK topK = new TopK(resnet.postprocess().labels(), 3);
        int compared = 0;
        try (OipClient direct = OipClient.builder(sidecars.addresses().get("edge-3")).build()) {
            for (FrameResult r : results) {
                if (r.status() != FrameResult.Status.OK
                        || !r.task().equals("walkers")
                        || compared >= 20) {
                    continue;
                }
                float[] tensor = pre.apply(images.get(r.frameId())).floats();
                float[] logits =
                        direct.infer(
                                        InferRequest.builder("resnet")
                                                .input(
                                                        InferInput.fp32(
                                                                "input",
                                                                new long[] {1, 3, 32, 32},
                                                                tensor))
                                                .build())
                                .get()
                                .outputs()
                                .get(0)
                                .toFloatArray();
                List<FrameResult.ClassScore> expected = topK.decode(logits, 0, 10);
                for (int k = 0; k < 3; k++) {
                    assertThat(r.classes().get(k).classId()).isEqualTo(expected.get(k).classId());
                    assertThat(r.classes().get(k).score())
                            .isCloseTo(expected.get(k).score(), within(1e-5));
                }
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(5);
    }

    private static Map<String, Long> count(
            List<FrameResult> results, java.util.function.Function<FrameResult, String> by) {
        return results.stream()
                .collect(
                        java.util.stream.Collectors.groupingBy(
                                by,
                                java.util.TreeMap::new,
                                java.util.stream.Collectors.counting()));
    }

    static List<FrameResult> readResults(
            Properties client, String topic, int expected, Duration timeout) throws Exception {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("group.id", "it-results");
        p.setProperty("auto.offset.reset", "earliest");
        p.setProperty("isolation.level", "read_committed");
        List<FrameResult> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long until = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < until) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(ResultCodec.fromJson(r.value()));
                }
            }
            // Anything beyond the expected count would be a duplicate: read a little longer.
            long extra = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < extra) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(ResultCodec.fromJson(r.value()));
                }
            }
        }
        return out;
    }
}
