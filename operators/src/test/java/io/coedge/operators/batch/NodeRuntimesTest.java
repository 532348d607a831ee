package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.format.DeadLetter;
import io.coedge.format.ErrorCode;
import io.coedge.format.Frame;
import io.coedge.format.FrameResult;
import io.coedge.format.ImageFormat;
import io.coedge.format.NodeStatus;
import io.coedge.oip.ModelProfile;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.scheduler.node.Batch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The node batcher's logic without Flink: a recording shell in place of the operator, a clock the
 * test sets, and a sidecar view the test writes. No ONNX Runtime, no timing of this machine.
 */
class NodeRuntimesTest {
    static final CatalogText CATALOG =
            new CatalogText(
                    "r.yaml",
                    """
      nodes: [{id: edge-1, sidecar: "127.0.0.1:1"}]
      models: [{name: m, maxBatch: 8, input: {width: 32, height: 32}, postprocess: {type: classification, labels: [a]}}]
      tasks:
        - {id: t, model: m, cameras: [c1], fps: 10, deadlineMs: 60000, origin: edge-1}
      """);
    static final int KEY = 7;
    static final long START_MS = 1_700_000_000_000L;

    long nowMicros = START_MS * 1000;
    InferenceExecutor.SidecarView view = sidecar(10);
    final Recorder shell = new Recorder();

    /** What the runtimes asked of the operator. */
    final class Recorder implements NodeRuntimes.Shell {
        record Started(NodeRuntimes.Runtime rt, Batch batch, List<QueuedFrame> frames, long dl) {}

        final ArrayDeque<Started> started = new ArrayDeque<>();
        final List<String> released = new ArrayList<>();
        final List<FrameResult> results = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        final List<Long> timers = new ArrayList<>();

        @Override
        public void start(
                NodeRuntimes.Runtime rt, Batch batch, List<QueuedFrame> frames, long deadline) {
            started.add(new Started(rt, batch, frames, deadline));
        }

        @Override
        public void release(QueuedFrame frame) {
            released.add(frame.id());
        }

        @Override
        public void result(FrameResult result) {
            results.add(result);
        }

        @Override
        public void deadLetter(DeadLetter letter) {
            deadLetters.add(letter);
        }

        @Override
        public long nowMs() {
            return nowMicros / 1000;
        }

        @Override
        public void timer(long ms) {
            timers.add(ms);
        }
    }

    /** A sidecar that runs model m in {@code millis} at every batch size. */
    static InferenceExecutor.SidecarView sidecar(long millis) {
        TreeMap<Integer, Long> micros = new TreeMap<>(Map.of(1, millis * 1000, 8, millis * 1000));
        return new InferenceExecutor.SidecarView(
                true, "", "cpu", Map.of("m", new ModelProfile("m", micros, micros, 0, "cpu", 8)));
    }

    private NodeRuntimes runtimes(BatcherConfig config) {
        Catalog catalog = CATALOG.parse();
        return new NodeRuntimes(catalog, config, "edge-1", () -> view, () -> nowMicros, shell);
    }

    private NodeRuntimes runtimes() {
        return runtimes(BatcherConfig.defaults(CATALOG, "coedge", true));
    }

    private QueuedFrame frame(String id, long deadlineMs) {
        Frame f =
                new Frame(
                        id,
                        "c1",
                        1,
                        "t",
                        "edge-1",
                        START_MS,
                        deadlineMs,
                        ImageFormat.JPEG,
                        32,
                        32,
                        new byte[] {1, 2, 3},
                        "f/0@1");
        return new QueuedFrame(new RoutedFrame(f, "edge-1", KEY, START_MS), nowMicros);
    }

    /** Completes every batch started, oldest first, with the outcome the test builds for it. */
    private void completeAll(NodeRuntimes nodes, Function<List<QueuedFrame>, BatchOutcome> of) {
        while (!shell.started.isEmpty()) {
            Recorder.Started s = shell.started.poll();
            nodes.complete(s.rt(), s.batch(), of.apply(s.frames()));
        }
    }

    private BatchOutcome ran(List<QueuedFrame> frames) {
        Map<String, BatchOutcome.Output> out = new LinkedHashMap<>();
        frames.forEach(f -> out.put(f.id(), new BatchOutcome.Output(List.of(), List.of())));
        return new BatchOutcome(out, Map.of(), null, nowMicros / 1000, nowMicros / 1000);
    }

    private Map<String, FrameResult> byFrame() {
        Map<String, FrameResult> out = new HashMap<>();
        for (FrameResult r : shell.results) {
            assertThat(out.put(r.frameId(), r)).as("one result per frame").isNull();
        }
        return out;
    }

    @Test
    void eachBatchCarriesItsFramesAndTheirLatestDeadlineAndEachFrameGetsOneResult() {
        NodeRuntimes nodes = runtimes();
        List<QueuedFrame> held =
                List.of(frame("a", 30_000), frame("b", 50_000), frame("c", 40_000));
        nodes.restore(KEY, held);
        nodes.endOfInput(KEY);

        assertThat(shell.started).isNotEmpty();
        for (Recorder.Started s : shell.started) {
            assertThat(s.frames()).hasSize(s.batch().size());
            assertThat(s.dl())
                    .isEqualTo(
                            s.frames().stream()
                                    .mapToLong(QueuedFrame::deadlineMicros)
                                    .max()
                                    .orElseThrow());
        }
        nowMicros += 20_000;
        completeAll(nodes, this::ran);

        Map<String, FrameResult> results = byFrame();
        assertThat(results).containsOnlyKeys("a", "b", "c");
        assertThat(results.values())
                .allMatch(
                        r ->
                                r.status() == FrameResult.Status.OK
                                        && r.model().equals("m")
                                        && r.node().equals("edge-1")
                                        && r.emitTs() == START_MS + 20);
        assertThat(shell.released).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(nodes.idle()).isTrue();
        assertThat(nodes.queuedTotal()).isZero();
    }

    @Test
    void aFrameEmittedAfterItsDeadlineIsLate() {
        NodeRuntimes nodes = runtimes();
        nodes.restore(KEY, List.of(frame("a", 50)));
        nodes.endOfInput(KEY);
        nowMicros += 60_000;
        completeAll(nodes, this::ran);

        assertThat(shell.results)
                .singleElement()
                .matches(r -> r.status() == FrameResult.Status.LATE && !r.deadlineMet());
    }

    @Test
    void framesPreprocessingRefusedBecomeDeadLettersOrErrorsAndTheRestOfTheBatchRuns() {
        NodeRuntimes nodes = runtimes();
        nodes.restore(
                KEY, List.of(frame("bad", 30_000), frame("big", 30_000), frame("ok", 30_000)));
        nodes.endOfInput(KEY);
        completeAll(
                nodes,
                frames -> {
                    Map<String, BatchOutcome.Rejected> rejected = new HashMap<>();
                    Map<String, BatchOutcome.Output> out = new HashMap<>();
                    for (QueuedFrame f : frames) {
                        switch (f.id()) {
                            case "bad" ->
                                    rejected.put(
                                            "bad",
                                            new BatchOutcome.Rejected(
                                                    ErrorCode.CORRUPT_IMAGE, "not a JPEG"));
                            case "big" ->
                                    rejected.put(
                                            "big",
                                            new BatchOutcome.Rejected(
                                                    ErrorCode.OUT_OF_MEMORY, "no room"));
                            default -> out.put(f.id(), new BatchOutcome.Output(List.of(), null));
                        }
                    }
                    return new BatchOutcome(out, rejected, null, START_MS, START_MS);
                });

        assertThat(shell.deadLetters)
                .singleElement()
                .matches(
                        d ->
                                d.code() == ErrorCode.CORRUPT_IMAGE
                                        && d.detail().equals("not a JPEG")
                                        && Arrays.equals(d.value(), new byte[] {1, 2, 3}));
        Map<String, FrameResult> results = byFrame();
        assertThat(results).containsOnlyKeys("big", "ok");
        assertThat(results.get("big").status()).isEqualTo(FrameResult.Status.ERROR);
        assertThat(results.get("big").reason()).isEqualTo("OUT_OF_MEMORY: no room");
        assertThat(results.get("ok").status()).isEqualTo(FrameResult.Status.OK);
        assertThat(shell.released).containsExactlyInAnyOrder("bad", "big", "ok");
        assertThat(nodes.idle()).isTrue();
    }

    @Test
    void aFailedBatchGivesEachOfItsFramesTheFailuresStatusAndReason() {
        NodeRuntimes nodes = runtimes();
        nodes.restore(KEY, List.of(frame("a", 30_000), frame("b", 30_000)));
        nodes.endOfInput(KEY);
        var failure =
                new BatchOutcome.Failure(FrameResult.Status.ERROR, ErrorCode.NO_SIDECAR, "gone");
        completeAll(nodes, frames -> new BatchOutcome(Map.of(), Map.of(), failure, 0, 0));

        assertThat(byFrame()).containsOnlyKeys("a", "b");
        assertThat(shell.results)
                .allMatch(
                        r ->
                                r.status() == FrameResult.Status.ERROR
                                        && r.reason().equals("NO_SIDECAR: gone")
                                        && r.model().equals("m"));
        assertThat(nodes.idle()).isTrue();
    }

    @Test
    void aFrameThatCannotMeetItsDeadlineIsDroppedWithTheReasonAndLeavesTheNode() {
        view = sidecar(1_000);
        NodeRuntimes nodes = runtimes();
        nodes.arrive(KEY, frame("a", 10));

        assertThat(shell.started).isEmpty();
        assertThat(shell.released).containsExactly("a");
        assertThat(shell.results)
                .singleElement()
                .matches(r -> r.status() == FrameResult.Status.DROPPED)
                .matches(r -> r.reason().startsWith("DEADLINE_UNREACHABLE: one frame of m needs"));
        assertThat(nodes.idle()).isTrue();
    }

    @Test
    void aFrameBeyondTheNodesBoundsIsRefused() {
        NodeRuntimes nodes =
                runtimes(
                        BatcherConfig.defaults(CATALOG, "coedge", true)
                                .withQueueBounds(1, 1 << 20));
        nodes.arrive(KEY, frame("a", 30_000));
        nodes.arrive(KEY, frame("b", 30_000));

        assertThat(shell.released).contains("b").doesNotContain("a");
        assertThat(shell.results)
                .singleElement()
                .matches(r -> r.frameId().equals("b") && r.status() == FrameResult.Status.DROPPED)
                .matches(r -> r.reason().startsWith("QUEUE_FULL"));
    }

    @Test
    void timersRoundUpToTheMillisecondNeverFallBehindTheTimerServiceAndAreNotRepeated() {
        NodeRuntimes nodes = runtimes();
        NodeRuntimes.Runtime rt = nodes.runtime(KEY);
        long nowMs = nowMicros / 1000;

        rt.timer(nowMicros + 2_500); // 2.5 ms ahead: the timer at 3 ms
        rt.timer(nowMicros + 4_000); // later than the one set: nothing new
        rt.timer(nowMicros - 9_000); // in the past: the next millisecond
        assertThat(shell.timers).containsExactly(nowMs + 3, nowMs + 1);

        nodes.timerFired(KEY, nowMs + 1);
        rt.timer(nowMicros + 4_000); // the pending one fired: set again
        assertThat(shell.timers).containsExactly(nowMs + 3, nowMs + 1, nowMs + 4);
    }

    @Test
    void restoredFramesQueueWithoutADecisionUntilTheTimerTheRestoreSets() {
        NodeRuntimes nodes = runtimes();
        nodes.restore(KEY, List.of(frame("a", 30_000), frame("b", 30_000)));

        assertThat(shell.started).isEmpty();
        assertThat(nodes.queuedTotal()).isEqualTo(2);
        assertThat(shell.timers).containsExactly(nowMicros / 1000 + 1);
        assertThat(nodes.keys()).containsExactly(KEY);
    }

    @Test
    void theStatusWaitsForTheSidecarsFirstAnswerThenAnnouncesTheNodeAndItsQueue() {
        view = InferenceExecutor.SidecarView.NOT_POLLED;
        NodeRuntimes nodes = runtimes();
        assertThat(nodes.status(0, 0)).isNull();

        view = sidecar(10);
        NodeStatus beforeAnyFrame = nodes.status(2, 1);
        assertThat(beforeAnyFrame.node()).isEqualTo("edge-1");
        assertThat(beforeAnyFrame.subtask()).isEqualTo(2);
        assertThat(beforeAnyFrame.attempt()).isEqualTo(1);
        assertThat(beforeAnyFrame.healthy()).isTrue();
        assertThat(beforeAnyFrame.models()).containsOnlyKeys("m");
        assertThat(nodes.keys()).as("a status creates no key").isEmpty();

        nodes.restore(KEY, List.of(frame("a", 30_000)));
        nowMicros += 1_000_000;
        NodeStatus withFrame = nodes.status(2, 1);
        assertThat(withFrame.queuedFrames()).isEqualTo(1);
        assertThat(withFrame.timestamp()).isEqualTo(nowMicros / 1000);
    }

    @Test
    void theStatusCarriesTheSizeOfTheFramesThatArrived() {
        NodeRuntimes nodes = runtimes();
        assertThat(nodes.status(0, 0).frameBytes()).as("no frame yet").isNull();

        nodes.arrive(KEY, frame("a", 30_000));
        long arrivedMs = nowMicros / 1000;
        nowMicros += 1_000_000;
        NodeStatus status = nodes.status(0, 0);

        assertThat(status.frameBytes())
                .containsOnly(java.util.Map.entry("t", new NodeStatus.FrameBytes(3, 1, arrivedMs)));
    }
}
