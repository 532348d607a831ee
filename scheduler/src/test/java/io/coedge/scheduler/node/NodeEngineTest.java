package io.coedge.scheduler.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.scheduler.batch.BatchPolicy;
import io.coedge.scheduler.batch.ClockworkBatchPolicy;
import io.coedge.scheduler.batch.CoEdgeBatchPolicy;
import io.coedge.scheduler.model.LatencyProfile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node engine driven directly with a fixed clock: every promise of the node loop, no Flink, no
 * sidecar.
 */
class NodeEngineTest {
    private static final long T0 = 1_000_000_000L;
    private long now = T0;

    /** What the engine asked for, in order. */
    private static final class Recorder implements NodeActions {
        final List<Batch> started = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        long timer = -1;

        @Override
        public void start(Batch batch) {
            started.add(batch);
            StringBuilder sb = new StringBuilder("start m" + batch.model() + " [");
            for (long h : batch.handles()) {
                sb.append(sb.charAt(sb.length() - 1) == '[' ? "" : " ").append(h);
            }
            log.add(sb.append(batch.pipelined() ? "] pipelined" : "]").toString());
        }

        @Override
        public void shed(long handle, int model, Shed why) {
            log.add("shed " + handle + ": " + why.describe("m" + model));
        }

        @Override
        public void refuse(long handle, int model, String reason) {
            log.add("refuse " + handle + ": " + reason);
        }

        @Override
        public void timer(long atMicros) {
            timer = atMicros;
            log.add("timer +" + (atMicros - 1_000_000_000L) / 1000 + " ms");
        }
    }

    /**
     * Model 0 takes 10 ms alone, 16 ms for two, 28 ms for four (its p99); model 1 takes 40 ms
     * alone.
     */
    private NodeEngine engine(NodeEngine.Settings settings) {
        return engine(CoEdgeBatchPolicy.withDefaults(), settings);
    }

    private NodeEngine engine(BatchPolicy policy, NodeEngine.Settings settings) {
        NodeEngine e = new NodeEngine(policy, new int[] {4, 4}, settings, () -> now);
        e.sidecarProfile(
                0, LatencyProfile.of(new int[] {1, 2, 4}, new long[] {10_000, 16_000, 28_000}));
        e.sidecarProfile(
                1, LatencyProfile.of(new int[] {1, 2, 4}, new long[] {40_000, 70_000, 130_000}));
        return e;
    }

    /** No overhead allowances, so the estimates are the sidecar's p99s. */
    private static final NodeEngine.Settings NO_ALLOWANCE =
            NodeEngine.Settings.defaults().withAllowances(0, 0);

    /** {@code millis} after the test's start. */
    private static long ms(long millis) {
        return T0 + millis * 1000;
    }

    @Test
    void aFrameAtAnIdleNodeStartsAtOnce() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();

        e.arrive(7, 0, ms(100), 10, r);

        assertThat(r.log).containsExactly("start m0 [7]");
        assertThat(r.started.get(0).predictedEndMicros()).isEqualTo(ms(10));
        assertThat(e.inFlight()).isEqualTo(1);
    }

    @Test
    void theMostUrgentModelRunsFirstInTheLargestBatchThatMeetsEveryDeadline() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();
        // Fill both queues behind a long running batch (no pipelining yet: its predicted end is
        // far).
        e.arrive(1, 1, ms(1000), 10, r);
        e.arrive(2, 0, ms(200), 10, r);
        e.arrive(3, 0, ms(190), 10, r);
        e.arrive(4, 1, ms(900), 10, r);
        e.arrive(5, 0, ms(210), 10, r);

        now = ms(40);
        e.finished(r.started.get(0), 1, true, r);

        // Model 0's head (deadline 190 ms) is the most urgent; all three fit in one batch of 4's
        // budget.
        assertThat(r.log).containsSubsequence("start m1 [1]", "start m0 [3 2 5]");
    }

    @Test
    void whileABatchRunsTheNextIsSentItsOverheadBeforeThePredictedEnd() {
        NodeEngine e = engine(NodeEngine.Settings.defaults().withAllowances(2_000, 1_000));
        Recorder r = new Recorder();
        e.arrive(1, 1, ms(1000), 10, r); // 40 ms + 2 ms + 1 ms allowance: predicted end at 43 ms
        e.arrive(2, 1, ms(1000), 10, r);

        // The second batch is sent 3 ms (its allowance) + 3 ms (margin) before the first one's end.
        assertThat(r.log).containsExactly("start m1 [1]", "timer +37 ms");
        now = ms(37);
        e.timerFired(r);
        assertThat(r.log).endsWith("start m1 [2] pipelined");
        assertThat(r.started.get(1).predictedEndMicros())
                .as("starts when the first ends: only its compute adds")
                .isEqualTo(ms(43 + 40));
    }

    @Test
    void atMostTwoBatchesAreAtTheSidecarAtOnce() {
        NodeEngine e = engine(NO_ALLOWANCE.withPipelineMargin(1_000_000));
        Recorder r = new Recorder();
        for (long h = 1; h <= 6; h++) {
            e.arrive(h, 1, ms(10_000), 10, r);
        }

        assertThat(r.started).hasSize(2);
        assertThat(e.queuedTotal()).isEqualTo(4);
        now = ms(40);
        e.finished(r.started.get(0), 1, true, r);
        assertThat(r.started).hasSize(3);
    }

    @Test
    void aFrameThatCannotMakeItEvenAloneIsShedWithItsReason() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();

        e.arrive(9, 0, ms(5), 10, r);

        assertThat(r.log)
                .containsExactly(
                        "shed 9: DEADLINE_UNREACHABLE: one frame of m0 needs 10.0 ms, 5.0 ms were left when the node could start it");
        assertThat(e.idle()).isTrue();
    }

    /** Frame 1 runs alone until 10 ms; frame 2 (due at 26 ms) heads four frames due at 100 ms. */
    private static void headThenFourLaterFrames(NodeEngine e, Recorder r) {
        e.arrive(1, 0, ms(1000), 10, r);
        e.arrive(2, 0, ms(26), 10, r);
        for (long h = 3; h <= 6; h++) {
            e.arrive(h, 0, ms(100), 10, r);
        }
    }

    @Test
    void anOverloadedNodeShedsAHeadThatLimitsItsBatchToAFasterOneBehindItAndSaysWhy() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();
        for (long h = 100; h < 120; h++) {
            e.arrive(h, 0, now + 5_000, 10, r); // hopeless even alone: the node cannot keep up
        }
        assertThat(e.overloaded()).isTrue();

        headThenFourLaterFrames(e, r);

        // From 10 ms frame 2 allows a batch of 2 (16 ms, 0.125 frames per ms); without it the
        // three behind it make one of 3 (22 ms, 0.136 per ms).
        assertThat(r.log)
                .contains(
                        "shed 2: OVERLOAD_SHED: the node cannot keep up with m0; this frame (16.0 ms"
                                + " left, 10.0 ms needed alone) gave way to a batch of the 3 frames"
                                + " behind it, which runs more frames per second than the batch its"
                                + " deadline allowed");
    }

    @Test
    void aNodeThatKeepsUpRunsTheHeadInTheBatchItsDeadlineAllows() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();

        headThenFourLaterFrames(e, r);

        assertThat(e.overloaded()).isFalse();
        assertThat(r.log).noneMatch(l -> l.startsWith("shed"));
        now = ms(7);
        e.timerFired(r);
        assertThat(r.log).contains("start m0 [2 3] pipelined");
    }

    @Test
    void anIdleNodeRunsAFrameItsTypicalCostMeetsThoughItsP99DoesNot() {
        NodeEngine e = engine(NO_ALLOWANCE);
        // One slow run in the sidecar's window: p99 500 ms alone, median 10 ms.
        e.sidecarProfile(
                0,
                LatencyProfile.of(new int[] {1, 2}, new long[] {10_000, 16_000}),
                LatencyProfile.of(new int[] {1, 2}, new long[] {500_000, 500_000}));
        Recorder r = new Recorder();

        e.arrive(9, 0, ms(100), 10, r);

        assertThat(r.log).containsExactly("start m0 [9]");
    }

    /**
     * Model 0's p99 (500 ms) misses frame 9's 100 ms deadline, its median (10 ms) after the running
     * model-1 batch (40 ms) makes it: on a node that keeps up the coedge policy runs it alone and
     * next, before the model-1 frame that waits; Clockwork, which sheds on its own pessimistic
     * prediction, sheds it.
     */
    @Test
    void whileBusyAHeadItsTypicalCostMeetsRunsAloneNextUnderCoEdgeAndIsShedUnderClockwork() {
        Recorder coedge = headBehindARunningBatch(engine(NO_ALLOWANCE));
        Recorder clockwork =
                headBehindARunningBatch(engine(new ClockworkBatchPolicy(), NO_ALLOWANCE));

        assertThat(coedge.log).noneMatch(l -> l.startsWith("shed 9"));
        assertThat(coedge.started)
                .as("frame 9 alone, right after the running batch, before the waiting frame 2")
                .extracting(b -> b.handles()[0])
                .startsWith(1L, 9L);
        assertThat(coedge.started.get(1).size()).isEqualTo(1);
        assertThat(clockwork.log).anyMatch(l -> l.startsWith("shed 9: DEADLINE_UNREACHABLE"));
    }

    private Recorder headBehindARunningBatch(NodeEngine e) {
        e.sidecarProfile(
                0,
                LatencyProfile.of(new int[] {1, 2}, new long[] {10_000, 16_000}),
                LatencyProfile.of(new int[] {1, 2}, new long[] {500_000, 500_000}));
        Recorder r = new Recorder();
        e.arrive(1, 1, ms(1000), 10, r); // model 1 runs
        e.arrive(2, 1, ms(1000), 10, r); // and waits
        e.arrive(9, 0, ms(100), 10, r);
        e.timerFired(r);
        now = ms(40);
        e.finished(r.started.get(0), 1, true, r);
        e.timerFired(r);
        return r;
    }

    /**
     * Runs {@code MIN_RUNS - 1} frames of model 1 in 20 ms each, half their p99, before the test's
     * start: with the test's own first run the estimator has the runs it takes a median of.
     */
    private void model1RanInHalfItsP99Before(NodeEngine e) {
        Recorder learn = new Recorder();
        long start = now;
        for (int i = 0; i < LatencyEstimator.MIN_RUNS - 1; i++) {
            now = start - 100_000 + i * 30_000L;
            e.arrive(900 + i, 1, now + 1_000_000, 10, learn);
            now += 20_000;
            e.finished(learn.started.get(i), 1, true, learn);
        }
        now = start;
    }

    @Test
    void whileBusyOnlyFramesThatMissEvenIfTheRunningBatchEndsAsUsualAreShed() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();
        // The node has learnt that runs of model 1 take half their p99 (20 of 40 ms).
        model1RanInHalfItsP99Before(e);
        e.arrive(1, 1, ms(1000), 10, r);
        now = ms(20);
        e.finished(r.started.get(0), 1, true, r);

        e.arrive(2, 1, ms(1000), 10, r); // runs until 60 ms by the p99, typically until 40 ms
        e.arrive(3, 0, ms(55), 10, r); // 40 + 10 ms <= 55: makes it if the batch ends as usual
        e.arrive(4, 0, ms(45), 10, r); // 40 + 10 ms > 45: hopeless

        assertThat(r.log)
                .anyMatch(
                        l ->
                                l.startsWith("shed 4: ")
                                        && l.endsWith("if its running batch ends as usual"));
        assertThat(r.log).noneMatch(l -> l.startsWith("shed 3"));
    }

    /**
     * A node that has learnt that model 1 runs in half its p99, with a model-1 batch running from
     * 20 ms: it ends by 60 ms at worst (p99) and typically by 40 ms.
     */
    private NodeEngine runningModel1Batch(Recorder r) {
        NodeEngine e = engine(NO_ALLOWANCE);
        model1RanInHalfItsP99Before(e);
        e.arrive(1, 1, ms(1000), 10, r);
        now = ms(20);
        e.finished(r.started.get(0), 1, true, r);
        e.arrive(2, 1, ms(100_000), 10, r);
        return e;
    }

    /** A model-0 frame that misses even if the running batch ends as usual (40 + 10 ms > 45). */
    private static void hopeless(NodeEngine e, long handle, Recorder r) {
        e.arrive(handle, 0, ms(45), 10, r);
    }

    /** A model-0 frame that makes it only if the running batch ends as usual (40 + 10 <= 55). */
    private static void atRisk(NodeEngine e, long handle, Recorder r) {
        e.arrive(handle, 0, ms(55), 10, r);
    }

    /** A model-0 frame that makes it however long the running batch takes. */
    private static void relaxed(NodeEngine e, long handle, Recorder r) {
        e.arrive(handle, 0, ms(50_000), 10, r);
    }

    @Test
    void anOverloadedNodeShedsWhatWouldMissIfTheRunningBatchEndsAsLateAsPredicted() {
        Recorder r = new Recorder();
        NodeEngine e = runningModel1Batch(r);
        // Every frame sent lately was hopeless: the node gets more than it can run.
        for (long h = 100; h < 120; h++) {
            hopeless(e, h, r);
        }
        assertThat(e.overloaded()).isTrue();

        atRisk(e, 7, r);

        assertThat(r.log)
                .contains(
                        "shed 7: DEADLINE_UNREACHABLE: one frame of m0 needs 10.0 ms, -5.0 ms were"
                                + " left when the node could start it if its running batch ends as"
                                + " late as predicted (the node is overloaded)");
    }

    @Test
    void aNodeThatKeepsUpShedsAgainstTheTypicalEndDespiteAnOccasionalHopelessFrame() {
        Recorder r = new Recorder();
        NodeEngine e = runningModel1Batch(r);
        // One frame in twenty is hopeless (a slow run, a burst): 5% of the arrivals.
        long h = 100;
        for (int round = 0; round < 10; round++) {
            hopeless(e, h++, r);
            for (int i = 0; i < 19; i++) {
                relaxed(e, h++, r);
            }
        }
        assertThat(e.overloaded()).isFalse();

        atRisk(e, 7, r);

        assertThat(r.log).noneMatch(l -> l.startsWith("shed 7"));
        assertThat(e.queued(0)).isEqualTo(191);
    }

    @Test
    void anOverloadedNodeShedsAgainstTheTypicalEndAgainOnceItKeepsUp() {
        Recorder r = new Recorder();
        NodeEngine e = runningModel1Batch(r);
        for (long h = 100; h < 120; h++) {
            hopeless(e, h, r);
        }
        assertThat(e.overloaded()).isTrue();

        // Frames it sheds only because it judges against the pessimistic end do not hold it there,
        // and between the thresholds it stays where it is (hysteresis).
        for (long h = 200; h < 250; h++) {
            atRisk(e, h, r);
        }
        assertThat(r.log)
                .contains(
                        "shed 249: DEADLINE_UNREACHABLE: one frame of m0 needs 10.0 ms,"
                                + " -5.0 ms were left when the node could start it if its running batch ends as"
                                + " late as predicted (the node is overloaded)");
        assertThat(e.overloaded()).as("share of hopeless frames between 5% and 10%").isTrue();
        for (long h = 300; h < 400; h++) {
            relaxed(e, h, r);
        }
        assertThat(e.overloaded()).isFalse();

        atRisk(e, 7, r);

        assertThat(r.log).noneMatch(l -> l.startsWith("shed 7"));
    }

    @Test
    void beyondItsBoundsTheNodeRefusesNewFrames() {
        NodeEngine e = engine(NO_ALLOWANCE.withBounds(2, 1_000));
        Recorder r = new Recorder();

        assertThat(e.arrive(1, 1, ms(1000), 400, r)).isTrue();
        assertThat(e.arrive(2, 1, ms(1000), 700, r)).isFalse();
        assertThat(e.arrive(3, 1, ms(1000), 100, r)).isTrue();
        assertThat(e.arrive(4, 1, ms(1000), 1, r)).isFalse();

        assertThat(r.log)
                .filteredOn(l -> l.startsWith("refuse"))
                .containsExactly(
                        "refuse 2: QUEUE_FULL: the node holds 1 frames of 400 bytes; its bounds are 2 frames and 1000 bytes",
                        "refuse 4: QUEUE_FULL: the node holds 2 frames of 500 bytes; its bounds are 2 frames and 1000 bytes");
    }

    @Test
    void atTheEndOfTheInputEveryQueuedFrameRunsOneBatchAtATime() {
        NodeEngine e =
                new NodeEngine(new WaitingPolicy(), new int[] {4, 4}, NO_ALLOWANCE, () -> now);
        e.sidecarProfile(0, LatencyProfile.of(new int[] {1}, new long[] {10_000}));
        e.sidecarProfile(1, LatencyProfile.of(new int[] {1}, new long[] {10_000}));
        Recorder r = new Recorder();
        for (long h = 1; h <= 5; h++) {
            e.arrive(h, (int) (h % 2), ms(100 + h), 10, r);
        }
        assertThat(r.started).as("the policy waits for more frames").isEmpty();

        e.endOfInput(r);
        while (!r.started.isEmpty() && !e.idle()) {
            Batch b = r.started.remove(0);
            assertThat(e.inFlight()).isEqualTo(1);
            e.finished(b, b.size(), true, r);
        }

        assertThat(e.idle()).isTrue();
        assertThat(r.log)
                .filteredOn(l -> l.startsWith("start"))
                .containsExactly("start m1 [1 3 5]", "start m0 [2 4]");
    }

    @Test
    void onlySuccessfulRunsSentToAnIdleAcceleratorTeachTheEstimator() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();
        e.arrive(1, 0, ms(1000), 10, r);
        now = ms(30);
        e.finished(r.started.get(0), 1, false, r); // failed: says nothing of the node
        assertThat(e.estimator(0).measuredOverheadMicros()).isEqualTo(-1);

        for (int i = 1; i <= LatencyEstimator.MIN_RUNS; i++) {
            e.arrive(1 + i, 0, ms(1000), 10, r);
            now += 15_000; // 15 ms for a 10 ms p99: 5 ms of overhead
            e.finished(r.started.get(i), 1, true, r);
        }
        assertThat(e.estimator(0).estimate(1)).isEqualTo(15_000);
    }

    @Test
    void aBatchItDidNotStartIsRefused() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();
        e.arrive(1, 0, ms(1000), 10, r);
        Batch b = r.started.get(0);
        e.finished(b, 1, true, r);

        assertThatThrownBy(() -> e.finished(b, 1, true, r))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Waits a second for more frames whatever is queued: only the end of the input makes it run.
     */
    private static final class WaitingPolicy implements io.coedge.scheduler.batch.BatchPolicy {
        @Override
        public String name() {
            return "waiting";
        }

        @Override
        public io.coedge.scheduler.batch.BatchDecision decide(
                long nowMicros,
                long free,
                io.coedge.scheduler.batch.ModelQueues queues,
                List<LatencyProfile> profiles) {
            return io.coedge.scheduler.batch.BatchPolicy.oldestHead(queues) < 0
                    ? io.coedge.scheduler.batch.BatchDecision.IDLE
                    : new io.coedge.scheduler.batch.BatchDecision.WaitUntil(nowMicros + 1_000_000);
        }
    }

    /** Runs model 1's frames one at a time, each taking the given milliseconds, from now on. */
    private void runOneByOne(NodeEngine e, Recorder r, long... millis) {
        for (long m : millis) {
            e.arrive(r.started.size() + 1000, 1, now + 10_000_000, 10, r);
            Batch b = r.started.get(r.started.size() - 1);
            now += m * 1000;
            e.finished(b, 1, true, r);
        }
    }

    /** Thirty runs of 40 ms. */
    private static long[] thirtyRunsOf40Ms() {
        long[] runs = new long[30];
        java.util.Arrays.fill(runs, 40);
        return runs;
    }

    @Test
    void theDispatcherPlansWithTheTypicalProfileTimesHowMuchLongerTheRunsTookInAll() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();
        long[] runs = thirtyRunsOf40Ms();
        runs[9] = runs[19] = runs[29] = 240; // one stall in ten: the median stays 40 ms
        runOneByOne(e, r, runs);

        assertThat(e.estimator(1).typical(1)).isEqualTo(40_000);
        // 27 x 40 + 3 x 240 = 1,800 ms busy where the typical estimates said 30 x 40 = 1,200 ms.
        assertThat(e.serviceFactor()).isCloseTo(1.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(e.planningProfile(1).latencyMicros(1)).isEqualTo(60_000);
        assertThat(e.planningProfile(0).latencyMicros(2))
                .as("the whole node: every model's figures")
                .isEqualTo(24_000);
    }

    @Test
    void runsThatTakeTheirTypicalTimeLeaveThePlanningProfileTheTypicalOne() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();
        long[] runs = thirtyRunsOf40Ms();
        runs[5] = 30; // faster than typical: the factor never goes below 1
        runOneByOne(e, r, runs);

        assertThat(e.serviceFactor()).isEqualTo(1.0);
        assertThat(e.planningProfile(1)).isEqualTo(e.estimator(1).typicalProfile());
    }

    @Test
    void theServiceFactorForgetsRunsOlderThanItsWindowAndWaitsForASecondOfWork() {
        NodeEngine e = engine(NO_ALLOWANCE);
        Recorder r = new Recorder();
        runOneByOne(e, r, 40, 40, 40, 40, 240); // 200 ms of typical work: too little to judge
        assertThat(e.serviceFactor()).isEqualTo(1.0);

        long[] runs = thirtyRunsOf40Ms();
        runs[0] = runs[10] = runs[20] = 240;
        runOneByOne(e, r, runs);
        // 2,200 ms busy against 35 x 40 = 1,400 ms typical, the first five runs included.
        assertThat(e.serviceFactor())
                .isCloseTo(2_200.0 / 1_400, org.assertj.core.data.Offset.offset(1e-9));

        now += ServiceFactor.WINDOW_MICROS + ServiceFactor.BUCKET_MICROS;
        assertThat(e.serviceFactor()).isEqualTo(1.0);
    }
}
