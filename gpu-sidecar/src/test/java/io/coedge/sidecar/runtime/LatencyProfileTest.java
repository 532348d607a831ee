package io.coedge.sidecar.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyProfileTest {

    @Test
    void keepsTheP99OfTheLastTenRunsPerBatchSize() {
        LatencyProfile p = new LatencyProfile();
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
    void estimatesUnmeasuredBatchSizesFromTheNextLargerOrByScaling() {
        LatencyProfile p = new LatencyProfile();
        assertThat(p.estimateNanos(3)).isZero();
        p.record(1, 1000);
        p.record(4, 3000);
        assertThat(p.estimateNanos(1)).isEqualTo(1000);
        assertThat(p.estimateNanos(2)).isEqualTo(3000);
        assertThat(p.estimateNanos(8)).isEqualTo(6000);
        assertThat(p.snapshot()).containsExactly(java.util.Map.entry(1, 1000L), java.util.Map.entry(4, 3000L));
    }
}
