package io.coedge.scheduler.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.testutils.ListQueues;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Hand-computed decisions; all times in microseconds, "now" is 1,000,000. */
class BatchPoliciesTest {

    private static final long NOW = 1_000_000;

    /** 1:10 ms, 2:15, 3:20, 4:25, 5:30, 6:35, 7:40, 8:45. */
    private static final LatencyProfile P =
            LatencyProfile.of(new int[] {1, 2, 4, 8}, new long[] {10_000, 15_000, 25_000, 45_000});

    private static final List<LatencyProfile> TWO_MODELS = List.of(P, P);

    @Nested
    class CoEdge {
        private final BatchPolicy policy = new CoEdgeBatchPolicy(0.5);

        @Test
        void mostUrgentModelRunsFirstAcrossModels() {
            // model 0 arrived first but model 1's head is due sooner
            ListQueues q =
                    new ListQueues(2)
                            .addMany(0, 3, NOW - 5_000, NOW + 200_000)
                            .addMany(1, 2, NOW - 1_000, NOW + 60_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(1, 2));
        }

        @Test
        void takesTheLargestBatchThatMeetsTheHeadDeadlineExactly() {
            ListQueues q =
                    new ListQueues(2)
                            .addMany(0, 8, NOW, NOW + 25_000)
                            .addMany(1, 1, NOW, NOW + 500_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 4));
        }

        @Test
        void aBatchCostingMoreThanItsFramesOneByOneIsNotRun() {
            // a throttled CPU: 2 frames take 200 ms, 4.0x one frame's 50 ms; both fit the deadline
            LatencyProfile cpu =
                    LatencyProfile.of(new int[] {1, 2, 4}, new long[] {50_000, 200_000, 260_000});
            ListQueues q = new ListQueues(1).addMany(0, 2, NOW, NOW + 500_000);

            assertThat(policy.decide(NOW, NOW, q, List.of(cpu)))
                    .as("one by one: the second frame is done at 100 ms, not 200")
                    .isEqualTo(new BatchDecision.Run(0, 1));
            LatencyProfile pairs =
                    LatencyProfile.of(new int[] {1, 2, 4}, new long[] {50_000, 90_000, 300_000});
            ListQueues four = new ListQueues(1).addMany(0, 4, NOW, NOW + 500_000);
            assertThat(policy.decide(NOW, NOW, four, List.of(pairs)))
                    .as("4 (300 ms) and 3 (195 ms) cost more than one by one, 2 (90 ms) less")
                    .isEqualTo(new BatchDecision.Run(0, 2));
        }

        @Test
        void aBatchThatWouldMissByOneMillisecondIsNotChosen() {
            // batch 8 takes 45 ms, the head is due in 44 ms: 7 frames (40 ms) is the answer
            ListQueues q =
                    new ListQueues(2)
                            .addMany(0, 8, NOW, NOW + 44_000)
                            .addMany(1, 1, NOW, NOW + 500_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 7));
        }

        @Test
        void aFrameThatCannotMakeItEvenAloneIsShedAtOnce() {
            // head of model 1 is due in 9.999 ms, batch 1 takes 10 ms
            ListQueues q =
                    new ListQueues(2)
                            .addMany(0, 2, NOW, NOW + 20_000)
                            .add(1, NOW, NOW + 9_999)
                            .add(1, NOW, NOW + 90_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS)).isEqualTo(new BatchDecision.Shed(1));
        }

        @Test
        void aFrameThatCanJustMakeItAloneIsNotShed() {
            ListQueues q = new ListQueues(2).add(1, NOW, NOW + 10_000).add(0, NOW, NOW + 90_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(1, 1));
        }

        @Test
        void waitsForMoreFramesOnlyWithinTheHeadsSlack() {
            // one frame due in 100 ms; a batch of 2 takes 15 ms so it could start as late as +85
            // ms; wait half of that
            ListQueues q = new ListQueues(2).add(0, NOW, NOW + 100_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.WaitUntil(NOW + 42_500));
        }

        @Test
        void runsAtOnceWhenTheSlackIsUsedUp() {
            // due in 15 ms: a batch of 2 (15 ms) would have to start now, so there is nothing to
            // wait for
            ListQueues q = new ListQueues(2).add(0, NOW - 70_000, NOW + 15_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 1));
        }

        @Test
        void doesNotWaitWhileAnotherModelHasWork() {
            ListQueues q = new ListQueues(2).add(0, NOW, NOW + 100_000).add(1, NOW, NOW + 300_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 1));
        }

        @Test
        void theDefaultIsWorkConserving() {
            ListQueues q = new ListQueues(2).add(0, NOW, NOW + 100_000);

            assertThat(CoEdgeBatchPolicy.withDefaults().decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 1));
        }

        @Test
        void emptyQueuesMeanIdle() {
            assertThat(policy.decide(NOW, NOW, new ListQueues(2), TWO_MODELS))
                    .isEqualTo(BatchDecision.IDLE);
        }

        /*
         * While a batch runs, its end is predicted twice: by the typical run (here +20 ms) and by the
         * pessimistic p99 the profiles hold (+60 ms). A batch of one takes 10 ms.
         */
        private static final long TYPICAL_FREE = NOW + 20_000;
        private static final long WORST_FREE = NOW + 60_000;

        /**
         * Overloaded, one model: the head (due in 15 ms) allows a batch of 2 (15 ms, 0.133 frames
         * per ms); the 8 frames behind it (due in 50 ms) make a batch of 8 (45 ms, 0.178 per ms).
         */
        private ListQueues headLimitsTheBatch() {
            return new ListQueues(2).add(0, NOW, NOW + 15_000).addMany(0, 8, NOW, NOW + 50_000);
        }

        @Test
        void onAnOverloadedNodeTheHeadGivesWayToAFasterBatchBehindIt() {
            assertThat(
                            policy.decide(
                                    NOW,
                                    NOW,
                                    NOW,
                                    headLimitsTheBatch().overloaded(true),
                                    TWO_MODELS))
                    .isEqualTo(new BatchDecision.Shed(0, 8));
        }

        @Test
        void onANodeThatKeepsUpTheHeadRunsInTheBatchItsDeadlineAllows() {
            assertThat(policy.decide(NOW, NOW, NOW, headLimitsTheBatch(), TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 2));
        }

        @Test
        void theHeadDoesNotGiveWayWhileAnotherModelsFramesArrive() {
            // a batch of 8 would hold up the other model's next frame for 45 ms
            assertThat(
                            policy.decide(
                                    NOW,
                                    NOW,
                                    NOW,
                                    headLimitsTheBatch().overloaded(true).arriving(1),
                                    TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 2));
        }

        @Test
        void theHeadDoesNotGiveWayWhenTheFramesBehindItAreNoFaster() {
            // all due in 15 ms: without the head a batch of 2 again, at the same rate
            ListQueues q = new ListQueues(2).addMany(0, 9, NOW, NOW + 15_000).overloaded(true);

            assertThat(policy.decide(NOW, NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 2));
        }

        @Test
        void aFrameThatMakesItIfTheRunningBatchEndsAsUsualIsNotShed() {
            // due at +35 ms: from the typical end (+20) a 10 ms run makes it, from the pessimistic
            // end (+60) it would not
            ListQueues q = new ListQueues(2).add(0, NOW, NOW + 35_000);

            assertThat(policy.decide(NOW, TYPICAL_FREE, WORST_FREE, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 1));
        }

        @Test
        void aFrameThatMissesEvenIfTheRunningBatchEndsAsUsualIsShed() {
            // due at +29.999 ms: typical end +20 ms plus 10 ms is too late
            ListQueues q = new ListQueues(2).add(0, NOW, NOW + 29_999).add(0, NOW, NOW + 200_000);

            assertThat(policy.decide(NOW, TYPICAL_FREE, WORST_FREE, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Shed(0));
        }

        @Test
        void theFramesOwnRunIsPlannedWithTheProfileNotAnOptimisticGuess() {
            // idle accelerator, due in 9.999 ms, the profile says 10 ms: shed, whatever the running
            // work did
            ListQueues q = new ListQueues(2).add(1, NOW, NOW + 9_999);

            assertThat(policy.decide(NOW, NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Shed(1));
        }

        @Test
        void batchesAreSizedFromThePessimisticFreeTime() {
            // 8 frames due at +85 ms: from the pessimistic end (+60) the budget is 25 ms, a batch
            // of 4; from the typical
            // end (+20) it would be all 8 (45 ms), which misses if the running batch takes as long
            // as its p99
            ListQueues q = new ListQueues(2).addMany(0, 8, NOW, NOW + 85_000);

            assertThat(policy.decide(NOW, TYPICAL_FREE, WORST_FREE, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 4));
        }

        @Test
        void withoutATypicalFreeTimeTheDecisionIsTheOneFromThePessimisticFreeTime() {
            ListQueues atRisk = new ListQueues(2).add(0, NOW, NOW + 35_000);
            ListQueues fine =
                    new ListQueues(2).addMany(0, 8, NOW, NOW + 85_000).add(1, NOW, NOW + 200_000);

            assertThat(
                            List.of(
                                    policy.decide(NOW, WORST_FREE, atRisk, TWO_MODELS),
                                    policy.decide(NOW, WORST_FREE, fine, TWO_MODELS)))
                    .containsExactly(
                            policy.decide(NOW, WORST_FREE, WORST_FREE, atRisk, TWO_MODELS),
                            policy.decide(NOW, WORST_FREE, WORST_FREE, fine, TWO_MODELS))
                    .containsExactly(new BatchDecision.Shed(0), new BatchDecision.Run(0, 4));
        }
    }

    @Nested
    class Fifo {
        @Test
        void runsTheOldestFrameAloneRegardlessOfDeadlines() {
            ListQueues q =
                    new ListQueues(2)
                            .addMany(0, 4, NOW - 1_000, NOW + 5_000)
                            .addMany(1, 4, NOW - 2_000, NOW + 300_000);

            assertThat(new FifoBatchPolicy().decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(1, 1));
        }
    }

    @Nested
    class Triton {
        private final BatchPolicy policy = new TritonBatchPolicy(new int[] {4, 8}, 5_000);

        @Test
        void sendsTheLargestPreferredBatchThatCanBeFormed() {
            ListQueues q = new ListQueues(2).addMany(0, 6, NOW, NOW + 1_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 4));
        }

        @Test
        void holdsASmallBatchUntilTheOldestRequestHasWaitedMaxQueueDelay() {
            ListQueues q = new ListQueues(2).addMany(0, 3, NOW - 1_000, NOW + 1_000_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.WaitUntil(NOW + 4_000));
        }

        @Test
        void sendsWhatItHasOnceMaxQueueDelayHasPassedEvenIfDeadlinesAreLost() {
            ListQueues q = new ListQueues(2).addMany(0, 3, NOW - 5_000, NOW - 1_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 3));
        }

        @Test
        void neverExceedsMaxBatchSize() {
            ListQueues q = new ListQueues(2).addMany(1, 20, NOW, NOW + 1_000_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(1, 8));
        }
    }

    @Nested
    class DeepStream {
        private final BatchPolicy policy = new DeepStreamBatchPolicy(4, 40_000);

        @Test
        void pushesAFullBatch() {
            ListQueues q = new ListQueues(2).addMany(0, 5, NOW, NOW + 1_000_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 4));
        }

        @Test
        void waitsForTheBatchedPushTimeoutThenPushesAPartialBatch() {
            ListQueues waiting = new ListQueues(2).addMany(0, 2, NOW - 10_000, NOW + 1_000_000);
            ListQueues timedOut = new ListQueues(2).addMany(0, 2, NOW - 40_000, NOW + 1_000_000);

            assertThat(
                            List.of(
                                    policy.decide(NOW, NOW, waiting, TWO_MODELS),
                                    policy.decide(NOW, NOW, timedOut, TWO_MODELS)))
                    .containsExactly(
                            new BatchDecision.WaitUntil(NOW + 30_000), new BatchDecision.Run(0, 2));
        }
    }

    @Nested
    class Clockwork {
        private final BatchPolicy policy = new ClockworkBatchPolicy();

        @Test
        void servesModelsInArrivalOrderNotByUrgency() {
            ListQueues q =
                    new ListQueues(2)
                            .addMany(0, 8, NOW - 5_000, NOW + 44_000)
                            .addMany(1, 1, NOW - 1_000, NOW + 12_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(new BatchDecision.Run(0, 7));
        }

        @Test
        void dropsARequestThatCannotMakeItEvenAlone() {
            ListQueues q =
                    new ListQueues(2)
                            .add(0, NOW - 5_000, NOW + 9_000)
                            .add(0, NOW - 5_000, NOW + 80_000);

            assertThat(policy.decide(NOW, NOW, q, TWO_MODELS)).isEqualTo(new BatchDecision.Shed(0));
        }
    }

    @Test
    void theBaselinesPlanFromThePessimisticFreeTimeAndIgnoreTheTypicalOne() {
        ListQueues q =
                new ListQueues(2)
                        .add(0, NOW - 3_000, NOW + 35_000)
                        .addMany(1, 5, NOW - 2_000, NOW + 90_000);
        for (String name : BatchPolicies.NAMES) {
            if (name.equals(CoEdgeBatchPolicy.NAME)) {
                continue;
            }
            BatchPolicy p = BatchPolicies.byName(name);
            assertThat(p.decide(NOW, NOW + 20_000, NOW + 60_000, q, TWO_MODELS))
                    .as(name)
                    .isEqualTo(p.decide(NOW, NOW + 60_000, q, TWO_MODELS));
        }
    }

    @Test
    void everyPolicyIsAPureFunctionOfItsArguments() {
        ListQueues q =
                new ListQueues(2)
                        .addMany(0, 3, NOW - 3_000, NOW + 50_000)
                        .addMany(1, 5, NOW - 2_000, NOW + 30_000);
        for (String name : BatchPolicies.NAMES) {
            BatchPolicy a = BatchPolicies.byName(name);
            BatchPolicy b = BatchPolicies.byName(name);
            assertThat(a.decide(NOW, NOW, q, TWO_MODELS))
                    .as(name)
                    .isEqualTo(b.decide(NOW, NOW, q, TWO_MODELS))
                    .isEqualTo(a.decide(NOW, NOW, q, TWO_MODELS));
        }
    }
}
