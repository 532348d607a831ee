package io.coedge.sidecar.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyWindowTest {

    @Test
    void keepsTheMedianBesideTheP99() {
        LatencyWindow p = new LatencyWindow();
        for (long v : new long[] {5, 1, 9, 3, 7}) {
            p.record(2, v * 1000);
        }
        assertThat(p.medians()).containsExactly(java.util.Map.entry(2, 5000L));
        assertThat(p.snapshot()).containsExactly(java.util.Map.entry(2, 9000L));
    }

    @Test
    void keepsTheP99OfTheLastTenRunsPerBatchSize() {
        LatencyWindow p = new LatencyWindow();
        for (int i = 1; i <= 10; i++) {
            p.record(4, i * 1000L);
        }
        assertThat(p.p99Nanos(4)).isEqualTo(10_000);
        // An outlier ages out after ten newer runs.
        for (int i = 0; i < 10; i++) {
            p.record(4, 2000);
        }
        assertThat(p.p99Nanos(4)).isEqualTo(2000);
        p.record(4, 9000);
        assertThat(p.p99Nanos(4)).isEqualTo(9000);
    }

    @Test
    void estimatesUnmeasuredBatchSizesByTheRuleTheBatcherPlansWith() {
        LatencyWindow p = new LatencyWindow();
        assertThat(p.estimateNanos(3)).isZero();
        p.record(1, 1000);
        p.record(4, 3000);
        assertThat(p.estimateNanos(1)).isEqualTo(1000);
        assertThat(p.estimateNanos(2))
                .as("interpolated, as the batcher's LatencyProfile does")
                .isEqualTo(
                        io.coedge.scheduler.model.LatencyProfile.of(
                                        new int[] {1, 4}, new long[] {1000, 3000})
                                .latencyMicros(2))
                .isEqualTo(1667);
        assertThat(p.estimateNanos(8))
                .as("per frame beyond the largest measured size")
                .isEqualTo(6000);
        assertThat(p.snapshot())
                .containsExactly(java.util.Map.entry(1, 1000L), java.util.Map.entry(4, 3000L));
    }
}
