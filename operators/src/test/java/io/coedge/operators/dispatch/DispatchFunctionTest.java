package io.coedge.operators.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.CatalogText;
import io.coedge.format.Frame;
import io.coedge.format.ImageFormat;
import io.coedge.format.NodeStatus;
import io.coedge.scheduler.dispatch.Replanner;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class DispatchFunctionTest {
    static final long NOW = 1_000_000L;
    static final CatalogText CATALOG =
            new CatalogText(
                    "d.yaml",
                    """
      nodes: [{id: n1, sidecar: "127.0.0.1:1"}, {id: n2, sidecar: "127.0.0.1:2"}, {id: n3, sidecar: "127.0.0.1:3"}]
      models: [{name: m, maxBatch: 8, input: {width: 32, height: 32}, postprocess: {type: classification, labels: [a]}}]
      tasks:
        - {id: t1, model: m, cameras: [c1, c2], fps: 10, deadlineMs: 200, origin: n1}
        - {id: t2, model: m, cameras: [c3], fps: 10, deadlineMs: 200, origin: n2}
      """);
    static final SubtaskKeys KEYS = new SubtaskKeys(3, 128);
    static final long REPLAN_MS = 1_000;
    static final long DWELL_MS = 3_000;

    static NodeStatus status(String node, int subtask, boolean healthy, long ts) {
        return new NodeStatus(
                node,
                subtask,
                0,
                ts,
                healthy,
                healthy ? "" : "sidecar unreachable",
                "cpu",
                Map.of(
                        "m",
                        new NodeStatus.ModelStatus(
                                new int[] {1, 2, 4, 8},
                                new long[] {10_000, 15_000, 25_000, 45_000},
                                0)),
                0,
                0.1);
    }

    static Frame frame(String task, String camera, long seq) {
        return frame(task, camera, seq, NOW - 5, 200, new byte[] {1});
    }

    /** A frame of t1 (origin n1) or another task (origin n2). */
    static Frame frame(
            String task, String camera, long seq, long captureTs, long deadlineMs, byte[] image) {
        return new Frame(
                camera + "#" + seq,
                camera,
                seq,
                task,
                task.equals("t1") ? "n1" : "n2",
                captureTs,
                deadlineMs,
                ImageFormat.JPEG,
                32,
                32,
                image,
                "f/0@" + seq);
    }

    private static DispatchFunction function() {
        return new DispatchFunction(
                CATALOG,
                "coedge",
                3,
                128,
                5_000,
                1_000,
                new Replanner.Settings(REPLAN_MS * 1_000, DWELL_MS * 1_000, 5_000_000));
    }

    private static BroadcastOperatorTestHarness<Frame, NodeStatus, RoutedFrame> harness()
            throws Exception {
        BroadcastOperatorTestHarness<Frame, NodeStatus, RoutedFrame> h =
                ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                        function(),
                        DispatchFunction.STATUSES,
                        DispatchFunction.ASSIGNMENT,
                        DispatchFunction.REPLANNER);
        h.setProcessingTime(NOW);
        return h;
    }

    private static BroadcastOperatorTestHarness<Frame, NodeStatus, RoutedFrame> restored(
            OperatorSubtaskState snapshot) throws Exception {
        BroadcastOperatorTestHarness<Frame, NodeStatus, RoutedFrame> h =
                new BroadcastOperatorTestHarness<>(
                        new CoBroadcastWithNonKeyedOperator<>(
                                function(),
                                List.of(
                                        DispatchFunction.STATUSES,
                                        DispatchFunction.ASSIGNMENT,
                                        DispatchFunction.REPLANNER)),
                        1,
                        1,
                        0);
        h.setProcessingTime(NOW);
        h.initializeState(snapshot);
        h.open();
        return h;
    }

    @Test
    void framesWaitForTheirNodeThenReachTheSubtaskThatNodeAnnounced() throws Exception {
        try (var h = harness()) {
            h.processElement(frame("t1", "c1", 1), NOW);
            assertThat(h.extractOutputValues()).as("no node has announced itself yet").isEmpty();

            // Subtask indexes deliberately differ from node order: routing follows announcements.
            h.processBroadcastElement(status("n1", 2, true, NOW), NOW);
            h.processBroadcastElement(status("n2", 0, true, NOW), NOW);
            h.processBroadcastElement(status("n3", 1, true, NOW), NOW);
            h.processElement(frame("t2", "c3", 2), NOW);

            assertThat(h.extractOutputValues())
                    .extracting(r -> r.frame().id() + " -> " + r.node() + " key " + r.key())
                    .containsExactly(
                            "c1#1 -> n1 key " + KEYS.keyOf(2), "c3#2 -> n2 key " + KEYS.keyOf(0));
        }
    }

    @Test
    void aNodeReportingUnhealthyLosesItsTasksAtOnceAndGetsThemBackAfterTheDwellTime()
            throws Exception {
        try (var h = harness()) {
            h.processBroadcastElement(status("n1", 2, true, NOW), NOW);
            h.processBroadcastElement(status("n2", 0, true, NOW), NOW);
            h.processBroadcastElement(status("n3", 1, true, NOW), NOW);
            h.processElement(frame("t1", "c1", 1), NOW);

            // A health change re-plans at once, even inside the re-plan interval.
            h.processBroadcastElement(status("n1", 2, false, NOW + 100), NOW + 100);
            h.processElement(frame("t1", "c1", 2), NOW + 100);
            // Healthy again, but the task dwells where it moved to...
            h.processBroadcastElement(status("n1", 2, true, NOW + 200), NOW + 200);
            h.processElement(frame("t1", "c1", 3), NOW + 200);
            // ...until the dwell time has passed.
            for (long t = NOW + 1_200; t <= NOW + DWELL_MS + 1_200; t += 1_000) {
                h.processBroadcastElement(status("n1", 2, true, t), t);
                h.processBroadcastElement(status("n2", 0, true, t), t);
                h.processBroadcastElement(status("n3", 1, true, t), t);
            }
            h.processElement(frame("t1", "c1", 4), NOW + DWELL_MS + 1_300);

            List<RoutedFrame> out = h.extractOutputValues();
            assertThat(out).hasSize(4);
            assertThat(out.get(0).node()).isEqualTo("n1");
            String away = out.get(1).node();
            assertThat(away).isIn("n2", "n3");
            assertThat(out.get(1).key()).isEqualTo(KEYS.keyOf(away.equals("n2") ? 0 : 1));
            assertThat(out.get(2).node()).as("still dwelling").isEqualTo(away);
            assertThat(out.get(3).node()).as("home again").isEqualTo("n1");
            assertThat(h.getBroadcastState(DispatchFunction.ASSIGNMENT).get("t1")).isEqualTo("n1");
        }
    }

    @Test
    void theReplannerStateSurvivesARestoreSoAMovedTaskStillDwells() throws Exception {
        OperatorSubtaskState snapshot;
        Replanner.State before;
        try (var h = harness()) {
            h.processBroadcastElement(status("n1", 2, true, NOW), NOW);
            h.processBroadcastElement(status("n2", 0, true, NOW), NOW);
            h.processBroadcastElement(status("n3", 1, true, NOW), NOW);
            h.processBroadcastElement(status("n1", 2, false, NOW + 100), NOW + 100);
            before =
                    h.getBroadcastState(DispatchFunction.REPLANNER)
                            .get(DispatchFunction.REPLANNER_KEY);
            snapshot = h.snapshot(1, NOW + 100);
        }
        try (var h = restored(snapshot)) {
            assertThat(
                            h.getBroadcastState(DispatchFunction.REPLANNER)
                                    .get(DispatchFunction.REPLANNER_KEY))
                    .isEqualTo(before);
            h.processBroadcastElement(status("n1", 2, true, NOW + 200), NOW + 200);
            h.processElement(frame("t1", "c1", 1), NOW + 200);

            assertThat(before.movedAtMicros()).containsKey("t1");
            assertThat(h.extractOutputValues())
                    .extracting(RoutedFrame::node)
                    .as("still dwelling")
                    .containsExactly(before.assignment().get("t1"))
                    .doesNotContain("n1");
        }
    }

    /**
     * A move still awaiting confirmation is checkpointed with the node and since when, through the
     * serializer {@link DispatchFunction#REPLANNER} declares.
     */
    @Test
    void aMoveAwaitingConfirmationSurvivesTheStateSerializer() throws Exception {
        Replanner.State state =
                new Replanner.State(
                        Map.of("t1", "n1"),
                        Map.of("t1", 7L),
                        11,
                        13,
                        true,
                        3,
                        Map.of("t1", new Replanner.Wanted("n2", 17)),
                        true);
        TypeSerializer<Replanner.State> serializer =
                TypeInformation.of(Replanner.State.class)
                        .createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(state, out);

        Replanner.State back =
                serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(back).isEqualTo(state);
        assertThat(back.wanted()).containsEntry("t1", new Replanner.Wanted("n2", 17));
    }

    @Test
    void noisyProfilesDoNotMoveTasksWithinTheReplanInterval() throws Exception {
        try (var h = harness()) {
            h.processBroadcastElement(status("n1", 2, true, NOW), NOW);
            h.processBroadcastElement(status("n2", 0, true, NOW), NOW);
            h.processBroadcastElement(status("n3", 1, true, NOW), NOW);
            // n1 suddenly looks 100 times slower, for a moment shorter than the re-plan interval.
            h.processBroadcastElement(slow("n1", 2, NOW + 300), NOW + 300);
            h.processBroadcastElement(status("n1", 2, true, NOW + 600), NOW + 600);
            h.processElement(frame("t1", "c1", 1), NOW + 700);

            assertThat(h.extractOutputValues()).extracting(RoutedFrame::node).containsExactly("n1");
        }
    }

    static NodeStatus slow(String node, int subtask, long ts) {
        return new NodeStatus(
                node,
                subtask,
                0,
                ts,
                true,
                "",
                "cpu",
                Map.of(
                        "m",
                        new NodeStatus.ModelStatus(
                                new int[] {1, 2, 4, 8},
                                new long[] {1_000_000, 1_500_000, 2_500_000, 4_500_000},
                                0)),
                0,
                0.1);
    }

    @Test
    void subtaskKeysRouteEachKeyToItsSubtask() {
        SubtaskKeys keys = new SubtaskKeys(5, 128);
        for (int i = 0; i < 5; i++) {
            assertThat(
                            org.apache.flink.runtime.state.KeyGroupRangeAssignment
                                    .assignKeyToParallelOperator(keys.keyOf(i), 128, 5))
                    .isEqualTo(i);
        }
    }
}
