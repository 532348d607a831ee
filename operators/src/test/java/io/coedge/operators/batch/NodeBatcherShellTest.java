package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.CatalogText;
import io.coedge.format.ErrorCode;
import io.coedge.format.FrameResult;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.operators.testutils.DelayExecutor;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The batcher as the Flink shell around the node engine, with a delay executor in place of the
 * sidecar: no ONNX Runtime, no network. Deadlines are minutes away, so nothing here depends on how
 * fast this machine is.
 */
class NodeBatcherShellTest {
    static final CatalogText CATALOG = NodeBatcherOperatorITCase.CATALOG;

    private static KeyedOneInputStreamOperatorTestHarness<Integer, RoutedFrame, FrameResult>
            harness(InferenceExecutor.Factory executor) throws Exception {
        var h =
                BatcherHarness.of(
                        new NodeBatcherFactory(
                                BatcherConfig.defaults(CATALOG, "coedge", true), executor));
        h.setup();
        return h;
    }

    private static RoutedFrame frame(String task, long seq) {
        String camera = task.equals("vehicles") ? "cam-1" : "cam-2";
        return BatcherHarness.frame(
                task, camera, seq, System.currentTimeMillis(), 600_000, new byte[] {1, 2, 3}, 8, 8);
    }

    @Test
    void everyFrameGetsOneResultFromTheBatchesTheEngineStarted() throws Exception {
        DelayExecutor.BATCHES.clear();
        try (var h = harness(DelayExecutor.taking(20))) {
            h.open();
            for (long s = 1; s <= 6; s++) {
                h.processElement(frame(s % 3 == 0 ? "vehicles" : "walkers", s), 0);
            }
            h.endInput();

            List<FrameResult> out = h.extractOutputValues();
            assertThat(out)
                    .extracting(FrameResult::frameId)
                    .containsExactlyInAnyOrder(
                            "cam-2#1", "cam-2#2", "cam-1#3", "cam-2#4", "cam-2#5", "cam-1#6");
            assertThat(out)
                    .allMatch(
                            r -> r.status() == FrameResult.Status.OK && r.node().equals("edge-1"));
            assertThat(out.stream().mapToInt(FrameResult::batchSize).sum())
                    .as("frames counted by their batch sizes")
                    .isEqualTo(
                            DelayExecutor.BATCHES.stream()
                                    .mapToInt(
                                            b -> {
                                                int n =
                                                        Integer.parseInt(
                                                                b.substring(b.indexOf('x') + 1));
                                                return n * n;
                                            })
                                    .sum());
        }
    }

    @Test
    void aFailedBatchGivesEachOfItsFramesOneErrorAndTheNextBatchesStillRun() throws Exception {
        var failure =
                new BatchOutcome.Failure(
                        FrameResult.Status.ERROR, ErrorCode.NO_SIDECAR, "UNAVAILABLE: gone");
        try (var h = harness(DelayExecutor.failing(5, failure))) {
            h.open();
            for (long s = 1; s <= 4; s++) {
                h.processElement(frame("walkers", s), 0);
            }
            h.endInput();

            assertThat(h.extractOutputValues())
                    .hasSize(4)
                    .allMatch(
                            r ->
                                    r.status() == FrameResult.Status.ERROR
                                            && r.reason().equals("NO_SIDECAR: UNAVAILABLE: gone"));
        }
    }

    @Test
    void framesQueuedOrRunningAtACheckpointRunAgainAfterARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(DelayExecutor.taking(60_000))) {
            h.open();
            for (long s = 1; s <= 5; s++) {
                h.processElement(frame("walkers", s), 0);
            }
            snapshot = h.snapshot(1, 1);
            assertThat(h.extractOutputValues()).as("the first batch takes a minute").isEmpty();
        }
        try (var h = harness(DelayExecutor.taking(5))) {
            h.initializeState(snapshot);
            h.open();
            h.endInput();

            assertThat(h.extractOutputValues())
                    .extracting(FrameResult::frameId)
                    .containsExactlyInAnyOrder(
                            "cam-2#1", "cam-2#2", "cam-2#3", "cam-2#4", "cam-2#5");
        }
    }
}
