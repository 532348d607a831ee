package io.coedge.kafka.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.FrameResult;
import io.coedge.format.FrameResult.Status;
import io.coedge.format.NodeStatus;
import io.coedge.kafka.results.ResultsTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveStateTest {

    static FrameResult result(
            String camera,
            int seq,
            String task,
            String node,
            Status status,
            long captureTs,
            long latencyMs,
            List<FrameResult.Detection> detections) {
        boolean ran = status == Status.OK || status == Status.LATE;
        return new FrameResult(
                camera + "#" + seq,
                camera,
                (long) seq,
                "coedge.frames/0@" + seq,
                task,
                "m",
                node,
                "edge-1",
                ran ? 2 : 0,
                status,
                ran ? null : "DEADLINE_UNREACHABLE",
                captureTs,
                captureTs + 1,
                ran ? captureTs + 2 : null,
                ran ? captureTs + 3 : null,
                captureTs + latencyMs,
                latencyMs,
                captureTs + 250,
                250,
                status == Status.OK,
                detections,
                null);
    }

    @Test
    void tableIsTheSameAsCoedgeResultsComputesFromTheSameResults() {
        LiveState state = new LiveState();
        ResultsTable expected = new ResultsTable();
        for (int i = 0; i < 40; i++) {
            FrameResult r =
                    result(
                            "cam",
                            i,
                            i % 2 == 0 ? "a" : "b",
                            "edge-1",
                            i % 5 == 0 ? Status.LATE : Status.OK,
                            10_000 + i * 100L,
                            50 + i,
                            null);
            state.addResult(r);
            expected.add(r);
        }
        assertThat(state.snapshot(0).tasks()).isEqualTo(expected.rows());
    }

    @Test
    void seriesBucketsResultsBySecondOfCaptureWithTheirMissRate() {
        LiveState state = new LiveState();
        state.addResult(result("cam", 1, "a", "edge-1", Status.OK, 5_000, 10, null));
        state.addResult(result("cam", 2, "a", "edge-1", Status.LATE, 5_900, 30, null));
        state.addResult(result("cam", 3, "a", "edge-1", Status.OK, 6_100, 20, null));

        List<LiveState.Point> points = state.snapshot(0).series().get("a");

        assertThat(points)
                .extracting(LiveState.Point::t, LiveState.Point::frames, LiveState.Point::missRate)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(5_000L, 2L, 0.5),
                        org.assertj.core.groups.Tuple.tuple(6_000L, 1L, 0.0));
    }

    @Test
    void assignmentFollowsTheNodeThatRanMostOfEachSecondAndCountsMoves() {
        LiveState state = new LiveState();
        // Seconds 1-2 on edge-1, second 3 mostly on edge-2 (one straggler on edge-1), 4 on edge-1.
        state.addResult(result("cam", 1, "a", "edge-1", Status.OK, 1_000, 10, null));
        state.addResult(result("cam", 2, "a", "edge-1", Status.OK, 2_000, 10, null));
        state.addResult(result("cam", 3, "a", "edge-2", Status.OK, 3_000, 10, null));
        state.addResult(result("cam", 4, "a", "edge-2", Status.OK, 3_100, 10, null));
        state.addResult(result("cam", 5, "a", "edge-1", Status.OK, 3_200, 10, null));
        state.addResult(result("cam", 6, "a", "edge-1", Status.OK, 4_000, 10, null));
        // A shed frame ran nowhere: it does not place the task.
        state.addResult(result("cam", 7, "a", "edge-3", Status.DROPPED, 4_100, 10, null));

        LiveState.Snapshot s = state.snapshot(0);

        assertThat(s.assignment().get("a"))
                .containsExactly(
                        new LiveState.Segment("edge-1", 1_000, 3_000),
                        new LiveState.Segment("edge-2", 3_000, 4_000),
                        new LiveState.Segment("edge-1", 4_000, 5_000));
        assertThat(s.moves()).containsEntry("a", 2);
    }

    @Test
    void cameraShowsItsLatestFrameWhoseResultArrivedWithTheResultsBoxes() {
        LiveState state = new LiveState();
        byte[] first = {1};
        byte[] second = {2};
        byte[] third = {3};
        state.addFrame("cam", "coedge.frames/0@1", first);
        state.addFrame("cam", "coedge.frames/0@2", second);
        state.addFrame("cam", "coedge.frames/0@3", third);
        var dog = new FrameResult.Detection("dog", 16, 0.9, 10, 20, 110, 220);
        state.addResult(result("cam", 2, "a", "edge-1", Status.OK, 2_000, 10, List.of(dog)));
        // An older frame's result arriving later does not replace the newer view.
        state.addResult(result("cam", 1, "a", "edge-1", Status.OK, 1_000, 10, List.of()));

        LiveState.Snapshot s = state.snapshot(0);

        assertThat(s.cameras()).hasSize(1);
        assertThat(s.cameras().get(0).frameId()).isEqualTo("cam#2");
        assertThat(s.cameras().get(0).detections()).containsExactly(dog);
        assertThat(state.image("cam")).isSameAs(second);
    }

    @Test
    void aResultReadBeforeItsFrameIsShownWhenTheFrameArrives() {
        LiveState state = new LiveState();
        state.addResult(result("cam", 4, "a", "edge-1", Status.OK, 4_000, 10, List.of()));
        assertThat(state.snapshot(0).cameras()).isEmpty();
        byte[] image = {4};
        state.addFrame("cam", "coedge.frames/0@4", image);
        assertThat(state.snapshot(0).cameras())
                .extracting(LiveState.CameraView::frameId)
                .containsExactly("cam#4");
        assertThat(state.image("cam")).isSameAs(image);
    }

    @Test
    void framesWaitingForTheirResultsAreBoundedPerCamera() {
        LiveState state = new LiveState();
        for (int i = 0; i < LiveState.FRAMES_PER_CAMERA + 10; i++) {
            state.addFrame("cam", "coedge.frames/0@" + i, new byte[] {(byte) i});
        }
        // The oldest ten were forgotten: their results find no frame to show.
        state.addResult(result("cam", 3, "a", "edge-1", Status.OK, 1_000, 10, List.of()));
        assertThat(state.image("cam")).isNull();
        state.addResult(result("cam", 20, "a", "edge-1", Status.OK, 2_000, 10, List.of()));
        assertThat(state.image("cam")).containsExactly((byte) 20);
    }

    @Test
    void eachTaskKeepsAStripOfFramesSpreadOverTheWholeRun() {
        LiveState state = new LiveState();
        for (int i = 0; i < 100; i++) {
            String source = "coedge.frames/0@" + i;
            state.addFrame("cam", source, new byte[] {(byte) i});
            state.addResult(result("cam", i, "a", "edge-1", Status.OK, i * 1_000L, 10, List.of()));
        }
        List<LiveState.Still> strip = state.strips().get("a");
        assertThat(strip).hasSizeBetween(LiveState.STRIP / 2, LiveState.STRIP);
        assertThat(strip.get(0).view().captureTs()).isZero();
        assertThat(strip.get(strip.size() - 1).view().captureTs()).isGreaterThan(50_000);
        assertThat(strip).extracting(s -> s.view().captureTs()).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void nodesShowTheirLatestStatus() {
        LiveState state = new LiveState();
        state.nodes(
                Map.of(
                        "edge-1",
                        new NodeStatus("edge-1", 0, 0, 1L, true, "", "cpu", Map.of(), 3, 0.4)));
        assertThat(state.snapshot(0).nodes())
                .containsExactly(new LiveState.Node("edge-1", true, "", "cpu", 0.4, 3));
    }
}
