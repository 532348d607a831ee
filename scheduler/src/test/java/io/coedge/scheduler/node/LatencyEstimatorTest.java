package io.coedge.scheduler.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.scheduler.model.LatencyProfile;
import org.junit.jupiter.api.Test;

class LatencyEstimatorTest {
    private long now = 1_000_000_000L;

    private LatencyEstimator latencies() {
        LatencyEstimator l = new LatencyEstimator(4, 2_000, 1_000, 5_000_000, () -> now);
        l.sidecar(LatencyProfile.of(new int[] {1, 2, 4}, new long[] {10_000, 14_000, 20_000}));
        return l;
    }

    @Test
    void beforeAnyRunTheSidecarProfilePlusAllowancesIsUsedInterpolatedAndMonotone() {
        LatencyEstimator l = latencies();

        assertThat(l.profile().measuredMicros()).containsExactly(13_000, 18_000, 22_000, 26_000);
    }

    @Test
    void observedRunsSetTheOverheadAboveTheSidecarProfile() {
        LatencyEstimator l = latencies();
        l.observe(2, 19_000); // 5 ms above the sidecar's 14 ms
        l.observe(1, 15_000); // 5 ms above 10 ms
        l.observe(4, 26_000); // 6 ms above 20 ms

        assertThat(l.estimate(1)).isEqualTo(15_000);
        assertThat(l.estimate(4)).isEqualTo(25_000);
    }

    @Test
    void oneSlowRunDoesNotMoveTheEstimateButASlowerNodeDoes() {
        LatencyEstimator l = latencies();
        l.observe(1, 15_000);
        l.observe(1, 15_000);
        l.observe(1, 900_000); // one hiccup of a shared CPU

        assertThat(l.estimate(1)).as("median overhead").isEqualTo(15_000);
        l.observe(1, 60_000);
        l.observe(1, 60_000);
        l.observe(1, 60_000);
        assertThat(l.estimate(1)).as("the node got slower").isEqualTo(60_000);
    }

    /**
     * A new job's first run is slow (its classes not yet compiled): alone it moves neither
     * estimate; a second slow one does, the allowance standing in for the third.
     */
    @Test
    void oneSlowFirstRunAloneMovesNeitherEstimateButTwoDo() {
        LatencyEstimator l = latencies();
        l.observe(1, 890_000);

        assertThat(l.estimate(1)).as("p99 10 ms + the allowance of 3 ms").isEqualTo(13_000);
        assertThat(l.typical(1)).isEqualTo(13_000);
        assertThat(l.measuredOverheadMicros()).isEqualTo(3_000);
        l.observe(1, 600_000);
        assertThat(l.estimate(1)).as("the faster of the two slow runs").isEqualTo(600_000);
        assertThat(l.typical(1)).isEqualTo(600_000);
    }

    @Test
    void observationsOlderThanTheAgeBoundNoLongerCount() {
        LatencyEstimator l = latencies();
        for (int i = 0; i < LatencyEstimator.MIN_RUNS; i++) {
            l.observe(1, 110_000);
        }

        assertThat(l.estimate(1)).isEqualTo(110_000);
        now += 5_000_001;
        assertThat(l.estimate(1)).as("back to the allowances").isEqualTo(13_000);
    }

    @Test
    void onlyTheLastTenRunsCount() {
        LatencyEstimator l = latencies();
        for (int i = 0; i < 10; i++) {
            l.observe(1, 500_000);
        }
        for (int i = 0; i < 10; i++) {
            l.observe(1, 15_000);
        }

        assertThat(l.estimate(1)).isEqualTo(15_000);
    }

    @Test
    void beforeAnyRunTheTypicalEstimateIsThePessimisticOne() {
        LatencyEstimator l = latencies();

        assertThat(new long[] {l.typical(1), l.typical(2), l.typical(3), l.typical(4)})
                .containsExactly(l.estimate(1), l.estimate(2), l.estimate(3), l.estimate(4));
    }

    @Test
    void theTypicalEstimateIsTheMedianRunNotTheP99() {
        LatencyEstimator l = latencies();
        l.observe(1, 6_000); // 0.6 of the sidecar's p99 of 10 ms
        l.observe(2, 8_400); // 0.6 of 14 ms
        l.observe(1, 30_000); // one hiccup of a shared CPU: 3x

        assertThat(new long[] {l.typical(1), l.typical(2), l.typical(4)})
                .containsExactly(6_000, 8_400, 12_000);
        assertThat(l.estimate(1))
                .as("the pessimistic estimate stays the p99 plus overhead")
                .isEqualTo(10_000);
    }

    @Test
    void theTypicalEstimateIsNeverAboveThePessimisticOne() {
        LatencyEstimator l = latencies();
        l.observe(1, 15_000); // 1.5x the p99 of 10 ms: 5 ms overhead
        l.observe(1, 15_000);
        l.observe(2, 21_000); // 1.5x 14 ms: 7 ms overhead

        assertThat(l.typical(4))
                .as("1.5 x 20 ms, capped at 20 ms + 5 ms")
                .isEqualTo(l.estimate(4))
                .isEqualTo(25_000);
    }

    @Test
    void theTypicalEstimateForgetsRunsOlderThanTheAgeBound() {
        LatencyEstimator l = latencies();
        for (int i = 0; i < LatencyEstimator.MIN_RUNS; i++) {
            l.observe(1, 5_000);
        }

        assertThat(l.typical(1)).isEqualTo(5_000);
        now += 5_000_001;
        assertThat(l.typical(1))
                .as("back to the pessimistic estimate")
                .isEqualTo(l.estimate(1))
                .isEqualTo(13_000);
    }

    @Test
    void aSlowRunEnteringTheSidecarsP99DoesNotMoveTheTypicalEstimate() {
        LatencyEstimator l = new LatencyEstimator(4, 2_000, 1_000, 5_000_000, () -> now);
        l.sidecar(
                LatencyProfile.of(new int[] {1, 4}, new long[] {10_000, 20_000}),
                LatencyProfile.of(new int[] {1, 4}, new long[] {12_000, 24_000}));
        for (int i = 0; i < 5; i++) {
            l.observe(1, 13_000);
        }
        assertThat(l.typical(1)).as("the runs' own median").isEqualTo(13_000);

        // One slow run: the sidecar's p99 (the slowest of its last ten) jumps, its median not.
        l.sidecar(
                LatencyProfile.of(new int[] {1, 4}, new long[] {10_000, 20_000}),
                LatencyProfile.of(new int[] {1, 4}, new long[] {60_000, 60_000}));
        assertThat(l.typical(1)).as("the runs did not get slower").isEqualTo(13_000);
        assertThat(l.typical(4)).as("the median's shape, scaled 1.3x").isEqualTo(26_000);
    }

    @Test
    void theTypicalEstimateFollowsTheSidecarsMedianWhenTheNodeReallySlowsDown() {
        LatencyEstimator l = new LatencyEstimator(4, 2_000, 1_000, 5_000_000, () -> now);
        l.sidecar(
                LatencyProfile.of(new int[] {1, 4}, new long[] {10_000, 20_000}),
                LatencyProfile.of(new int[] {1, 4}, new long[] {12_000, 24_000}));
        for (int i = 0; i < 10; i++) {
            l.observe(1, 13_000);
        }
        l.sidecar(
                LatencyProfile.of(new int[] {1, 4}, new long[] {30_000, 60_000}),
                LatencyProfile.of(new int[] {1, 4}, new long[] {36_000, 72_000}));
        for (int i = 0; i < 10; i++) {
            l.observe(1, 33_000);
        }
        assertThat(l.typical(1)).isEqualTo(33_000);
    }
}
