package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.catalog.CatalogText;
import io.coedge.format.Frame;
import io.coedge.format.FrameResult;
import io.coedge.oip.OipClient;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.sidecar.SidecarServer;
import io.coedge.sidecar.metrics.SidecarMetrics;
import io.coedge.testing.TestImages;
import io.coedge.testing.TestSidecars;
import java.awt.Color;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node batcher in a test harness, against a real sidecar serving generated models. */
class NodeBatcherOperatorITCase {
    static final CatalogText CATALOG =
            new CatalogText(
                    "b.yaml",
                    """
      nodes: [{id: edge-1, sidecar: "127.0.0.1:1"}]
      models:
        - {name: yolo-small, maxBatch: 8, input: {name: images, width: 64, height: 64},
           postprocess: {type: yolo, labels: [person]}}
        - {name: resnet, maxBatch: 16, input: {name: input, width: 32, height: 32},
           postprocess: {type: classification, topK: 2, labels: [a, b, c, d, e, f, g, h, i, j]}}
      tasks:
        - {id: vehicles, model: yolo-small, cameras: [cam-1], fps: 1, deadlineMs: 60000, origin: edge-1}
        - {id: walkers, model: resnet, cameras: [cam-2], fps: 1, deadlineMs: 60000, origin: edge-1}
      """);
    static final byte[] JPEG = TestImages.solid("jpg", 80, 60, Color.ORANGE);

    @TempDir static Path dir;
    static TestSidecars sidecars;
    static SidecarServer sidecar;

    @BeforeAll
    static void sidecar() throws Exception {
        sidecars = TestSidecars.generated(dir, 3, List.of("edge-1"));
        sidecar = sidecars.server("edge-1");
    }

    @AfterAll
    static void stop() {
        sidecars.close();
    }

    private static KeyedOneInputStreamOperatorTestHarness<Integer, RoutedFrame, FrameResult>
            harness() throws Exception {
        return harness(true);
    }

    private static KeyedOneInputStreamOperatorTestHarness<Integer, RoutedFrame, FrameResult>
            harness(boolean sharedMemory) throws Exception {
        return BatcherHarness.open(
                BatcherConfig.defaults(CATALOG, "coedge", true)
                        .withSidecars(sidecars.addresses())
                        .withSharedMemory(sharedMemory));
    }

    private static RoutedFrame routed(
            String task, String camera, long seq, long deadlineFromNowMs) {
        return BatcherHarness.frame(
                task,
                camera,
                seq,
                System.currentTimeMillis(),
                Math.max(1, deadlineFromNowMs),
                JPEG,
                80,
                60);
    }

    private static RoutedFrame late(String task, String camera, long seq) {
        return BatcherHarness.frame(
                task, camera, seq, System.currentTimeMillis() - 10_000, 5, JPEG, 80, 60);
    }

    @Test
    void aFrameThatCannotMeetItsDeadlineEvenAloneIsShedAtOnceAndReported() throws Exception {
        try (var h = harness()) {
            h.processElement(late("walkers", "cam-2", 1), 0);

            List<FrameResult> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).status()).isEqualTo(FrameResult.Status.DROPPED);
            assertThat(out.get(0).reason())
                    .startsWith("DEADLINE_UNREACHABLE: one frame of resnet needs");
            assertThat(out.get(0).batchSize()).isZero();
            assertThat(out.get(0).node()).isEqualTo("edge-1");
        }
    }

    @Test
    void whenFreeItRunsTheMostUrgentModelFirstWithItsLargestFeasibleBatch() throws Exception {
        try (var h = harness()) {
            // The first frame finds the accelerator idle and runs alone at once.
            h.processElement(routed("walkers", "cam-2", 1, 60_000), 0);
            // While it runs: three walker frames due late, two vehicle frames due earlier.
            h.processElement(routed("walkers", "cam-2", 2, 50_000), 0);
            h.processElement(routed("walkers", "cam-2", 3, 50_000), 0);
            h.processElement(routed("walkers", "cam-2", 4, 50_000), 0);
            h.processElement(routed("vehicles", "cam-1", 5, 30_000), 0);
            h.processElement(routed("vehicles", "cam-1", 6, 31_000), 0);
            assertThat(h.extractOutputValues())
                    .as("nothing completes before the mailbox runs")
                    .isEmpty();

            h.endInput();

            List<FrameResult> out = h.extractOutputValues();
            assertThat(out)
                    .extracting(
                            r ->
                                    r.frameId()
                                            + " "
                                            + r.model()
                                            + " b"
                                            + r.batchSize()
                                            + " "
                                            + r.status())
                    .containsExactly(
                            "cam-2#1 resnet b1 OK",
                            "cam-1#5 yolo-small b2 OK",
                            "cam-1#6 yolo-small b2 OK",
                            "cam-2#2 resnet b3 OK",
                            "cam-2#3 resnet b3 OK",
                            "cam-2#4 resnet b3 OK");
            assertThat(out.get(3).classes()).hasSize(2);
            assertThat(out.get(1).detections()).isNotNull();
            assertThat(out)
                    .allMatch(
                            r ->
                                    r.inferenceStartTs() <= r.inferenceEndTs()
                                            && r.inferenceEndTs() <= r.emitTs());
        }
    }

    @Test
    void withItsSidecarOnThisHostBatchesGoThroughSharedMemoryAndGiveTheSameResults()
            throws Exception {
        List<FrameResult> viaSharedMemory;
        try (var h = harness(true);
                OipClient client = OipClient.builder("127.0.0.1:" + sidecar.port()).build()) {
            await("the batcher registers its shared memory")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20))
                    .dontCatchUncaughtExceptions()
                    .until(() -> !client.systemSharedMemoryStatus("").isEmpty());
            // The sidecar lists the region as soon as it registered it, a moment before the
            // batcher takes it into use: wait for the batcher too, or a first batch may go inside
            // its message.
            SidecarExecutor executor =
                    (SidecarExecutor) ((NodeBatcherOperator) h.getOperator()).executor();
            await("the batcher sends batches through its shared memory")
                    .atMost(Duration.ofSeconds(30))
                    .until(executor::sharesMemory);
            var regions = client.systemSharedMemoryStatus("");
            assertThat(regions).as("the batcher registered its shared memory").hasSize(1);
            String key = regions.values().iterator().next().getKey();
            assertThat(Path.of("/dev/shm", key.substring(1)))
                    .as("unlinked once both sides mapped it")
                    .doesNotExist();
            long inMessages = inputBytes(SidecarMetrics.Via.MESSAGE);
            sendBatches(h);
            viaSharedMemory = h.extractOutputValues();
            assertThat(inputBytes(SidecarMetrics.Via.SHARED_MEMORY))
                    .as("frames the sidecar read from shared memory")
                    .isEqualTo((3 * 32 * 32 + 2 * 64 * 64) * 3 * 4L);
            assertThat(inputBytes(SidecarMetrics.Via.MESSAGE)).isEqualTo(inMessages);
        }
        try (OipClient client = OipClient.builder("127.0.0.1:" + sidecar.port()).build()) {
            assertThat(client.systemSharedMemoryStatus(""))
                    .as("unregistered when the batcher closed")
                    .isEmpty();
        }
        List<FrameResult> viaMessages;
        try (var h = harness(false)) {
            sendBatches(h);
            viaMessages = h.extractOutputValues();
        }
        // The same result for every frame; the batches (so the order) may differ, as the profiles
        // the
        // batcher plans with are the sidecar's live measurements.
        assertThat(viaSharedMemory)
                .extracting(
                        r ->
                                r.frameId()
                                        + " "
                                        + r.status()
                                        + " "
                                        + r.classes()
                                        + " "
                                        + r.detections())
                .containsExactlyInAnyOrderElementsOf(
                        viaMessages.stream()
                                .map(
                                        r ->
                                                r.frameId()
                                                        + " "
                                                        + r.status()
                                                        + " "
                                                        + r.classes()
                                                        + " "
                                                        + r.detections())
                                .toList());
        assertThat(viaSharedMemory).allMatch(r -> r.status() == FrameResult.Status.OK);
    }

    private static long inputBytes(SidecarMetrics.Via via) {
        return sidecar.metrics().inputBytes("resnet", via)
                + sidecar.metrics().inputBytes("yolo-small", via);
    }

    private static void sendBatches(
            KeyedOneInputStreamOperatorTestHarness<Integer, RoutedFrame, FrameResult> h)
            throws Exception {
        h.processElement(routed("walkers", "cam-2", 1, 60_000), 0);
        h.processElement(routed("walkers", "cam-2", 2, 50_000), 0);
        h.processElement(routed("walkers", "cam-2", 3, 50_000), 0);
        h.processElement(routed("vehicles", "cam-1", 4, 30_000), 0);
        h.processElement(routed("vehicles", "cam-1", 5, 31_000), 0);
        h.endInput();
    }

    @Test
    void aCorruptImageBecomesADeadLetterAndTheRestOfItsBatchRuns() throws Exception {
        try (var h = harness()) {
            h.processElement(routed("walkers", "cam-2", 1, 60_000), 0);
            RoutedFrame good = routed("walkers", "cam-2", 2, 50_000);
            byte[] truncated = java.util.Arrays.copyOf(JPEG, JPEG.length / 2);
            Frame f = good.frame();
            RoutedFrame broken =
                    new RoutedFrame(
                            new Frame(
                                    "cam-2#3",
                                    f.camera(),
                                    3,
                                    f.task(),
                                    f.origin(),
                                    f.captureTs(),
                                    f.deadlineMs(),
                                    f.format(),
                                    f.width(),
                                    f.height(),
                                    truncated,
                                    "f/0@3"),
                            "edge-1",
                            7,
                            good.dispatchTs());
            h.processElement(good, 0);
            h.processElement(broken, 0);

            h.endInput();

            assertThat(h.extractOutputValues())
                    .extracting(FrameResult::frameId)
                    .containsExactly("cam-2#1", "cam-2#2");
            var dead = h.getSideOutput(NodeBatcherOperator.DEAD_LETTERS);
            assertThat(dead).hasSize(1);
            assertThat(dead.peek().getValue().code())
                    .isEqualTo(io.coedge.format.ErrorCode.CORRUPT_IMAGE);
            assertThat(dead.peek().getValue().value()).isEqualTo(truncated);
        }
    }
}
