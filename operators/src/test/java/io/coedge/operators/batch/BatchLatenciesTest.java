package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BatchLatenciesTest {
  private long now = 1_000_000_000L;

  private BatchLatencies latencies() {
    BatchLatencies l = new BatchLatencies(4, 2_000, 1_000, 5_000_000, () -> now);
    TreeMap<Integer, Long> sidecar = new TreeMap<>();
    sidecar.put(1, 10_000L);
    sidecar.put(2, 14_000L);
    sidecar.put(4, 20_000L);
    l.sidecar(sidecar);
    return l;
  }

  @Test
  void beforeAnyRunTheSidecarProfilePlusAllowancesIsUsedInterpolatedAndMonotone() {
    BatchLatencies l = latencies();

    assertThat(l.profile().measuredMicros()).containsExactly(13_000, 18_000, 22_000, 26_000);
  }

  @Test
  void recentRunsOverrideItWithTheirHighestValue() {
    BatchLatencies l = latencies();
    l.observe(2, 30_000);
    l.observe(2, 25_000);

    assertThat(l.estimate(2)).isEqualTo(30_000);
    assertThat(l.profile().latencyMicros(3)).as("monotone").isEqualTo(30_000);
  }

  @Test
  void aSlowRunIsForgottenOnceItIsOlderThanTheAgeBound() {
    BatchLatencies l = latencies();
    l.observe(1, 900_000); // one hiccup, far above any deadline

    assertThat(l.estimate(1)).isEqualTo(900_000);
    now += 5_000_001;
    assertThat(l.estimate(1)).as("back to the sidecar's profile").isEqualTo(13_000);
  }

  @Test
  void onlyTheLastTenRunsCount() {
    BatchLatencies l = latencies();
    l.observe(1, 500_000);
    for (int i = 0; i < 10; i++) {
      l.observe(1, 15_000);
    }

    assertThat(l.estimate(1)).isEqualTo(15_000);
  }
}
