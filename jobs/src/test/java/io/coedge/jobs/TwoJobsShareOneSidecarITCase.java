package io.coedge.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.CatalogText;
import io.coedge.format.FrameResult;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.sidecar.SidecarServer;
import io.coedge.sidecar.runtime.ModelInstance;
import io.coedge.testing.TestKafka;
import io.coedge.testing.TestSidecars;
import io.coedge.topics.TopicsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared container of the design: two jobs (vehicle detection with walker recognition, and a
 * second walker recognition) run at once against one node's sidecar; it holds one session per
 * model, and every batch of both jobs is a request on that one session.
 */
class TwoJobsShareOneSidecarITCase {
    static final String MODELS =
            """
      models:
        - {name: yolo-small, maxBatch: 8, input: {name: images, width: 64, height: 64}, preprocess: {resize: letterbox},
           postprocess: {type: yolo, labels: [person, bicycle, car]}}
        - {name: resnet, maxBatch: 16, input: {name: input, width: 32, height: 32},
           postprocess: {type: classification, topK: 1, labels: [a, b, c, d, e, f, g, h, i, j]}}
      """;
    static final String VEHICLES_AND_WALKERS =
            "nodes: [{id: edge-1, sidecar: \"127.0.0.1:1\"}]\n"
                    + MODELS
                    + """
      tasks:
        - {id: vehicles, model: yolo-small, cameras: [cam-1], fps: 30, deadlineMs: 10000, origin: edge-1, frame: {width: 96, height: 64}}
        - {id: walkers-a, model: resnet, cameras: [cam-2], fps: 30, deadlineMs: 10000, origin: edge-1, frame: {width: 64, height: 48}}
      """;
    static final String WALKERS =
            "nodes: [{id: edge-1, sidecar: \"127.0.0.1:1\"}]\n"
                    + MODELS
                    + """
      tasks:
        - {id: walkers-b, model: resnet, cameras: [cam-3], fps: 30, deadlineMs: 10000, origin: edge-1, frame: {width: 64, height: 48}}
      """;

    @Test
    void twoJobsOnOneNodeShareOneSidecarAndOneSessionPerModel(@TempDir Path dir) throws Exception {
        try (TestKafka kafka = TestKafka.start();
                TestSidecars sidecars = TestSidecars.generated(dir, 11, List.of("edge-1"))) {
            SidecarServer sidecar = sidecars.server("edge-1");
            Map<String, String> shared = sidecars.addresses();
            List<ModelInstance> sessionsBefore = sidecar.registry().instances();
            long resnetRequestsBefore = sidecar.metrics().successCount("resnet");

            List<FrameResult> a;
            List<FrameResult> b;
            JobClient jobA = null;
            JobClient jobB = null;
            try {
                TopicsConfig topicsA =
                        new TopicsConfig("a.frames", "a.results", "a.dlq", "a.profiles", 1);
                TopicsConfig topicsB =
                        new TopicsConfig("b.frames", "b.results", "b.dlq", "b.profiles", 1);
                jobA =
                        new TestJob(
                                        kafka,
                                        new CatalogText("a.yaml", VEHICLES_AND_WALKERS),
                                        topicsA,
                                        shared,
                                        "job-a")
                                .start();
                jobB =
                        new TestJob(
                                        kafka,
                                        new CatalogText("b.yaml", WALKERS),
                                        topicsB,
                                        shared,
                                        "job-b")
                                .start();
                produce(kafka, new CatalogText("a.yaml", VEHICLES_AND_WALKERS), topicsA, 80);
                produce(kafka, new CatalogText("b.yaml", WALKERS), topicsB, 60);
                a =
                        CoEdgeJobITCase.readResults(
                                kafka.clientProperties(),
                                topicsA.results(),
                                80,
                                Duration.ofSeconds(90));
                b =
                        CoEdgeJobITCase.readResults(
                                kafka.clientProperties(),
                                topicsB.results(),
                                60,
                                Duration.ofSeconds(90));
            } finally {
                if (jobA != null) {
                    jobA.cancel().get();
                }
                if (jobB != null) {
                    jobB.cancel().get();
                }
            }

            assertThat(a).extracting(FrameResult::frameId).doesNotHaveDuplicates().hasSize(80);
            assertThat(b).extracting(FrameResult::frameId).doesNotHaveDuplicates().hasSize(60);
            assertThat(a).extracting(FrameResult::task).contains("vehicles", "walkers-a");
            assertThat(a)
                    .filteredOn(r -> r.task().equals("walkers-a"))
                    .allMatch(r -> r.status() == FrameResult.Status.OK);
            assertThat(b)
                    .allMatch(
                            r -> r.status() == FrameResult.Status.OK && r.model().equals("resnet"));
            // One session per model for the whole process, the same objects before and after both
            // jobs.
            assertThat(sidecar.registry().instances()).containsExactlyElementsOf(sessionsBefore);
            assertThat(sidecar.registry().instances())
                    .extracting(i -> i.spec().name())
                    .doesNotHaveDuplicates();
            // Each batch is one request; a batch of n frames gives each of them batchSize n, so the
            // sum of
            // 1 / batchSize over the frames of both jobs counts the requests both jobs sent to
            // resnet.
            double resnetBatches = 0;
            for (FrameResult r : a) {
                resnetBatches += r.model().equals("resnet") ? 1.0 / r.batchSize() : 0;
            }
            for (FrameResult r : b) {
                resnetBatches += 1.0 / r.batchSize();
            }
            assertThat(sidecar.metrics().successCount("resnet") - resnetRequestsBefore)
                    .isEqualTo(Math.round(resnetBatches));
        }
    }

    private static void produce(
            TestKafka kafka, CatalogText catalog, TopicsConfig topics, int frames) {
        CameraSimulator cameras =
                new CameraSimulator(
                        CameraSpec.fromCatalog(catalog.parse(), null, null),
                        new CameraSimulator.Options(
                                topics.frames(), null, frames, null, 5, 1, null, 0));
        assertThat(kafka.send(cameras)).isEqualTo(frames);
    }
}
