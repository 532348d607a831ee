package io.coedge.scheduler.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LatencyProfileTest {

    private final LatencyProfile profile =
            LatencyProfile.of(new int[] {1, 2, 4, 8}, new long[] {10_000, 15_000, 25_000, 45_000});

    @Test
    void sizesBetweenMeasuredOnesAreLinearlyInterpolated() {
        long[] all = IntStream.rangeClosed(1, 8).mapToLong(profile::latencyMicros).toArray();
        // 3 = halfway 15..25; 5,6,7 = quarter steps 25..45
        assertThat(all)
                .containsExactly(10_000, 15_000, 20_000, 25_000, 30_000, 35_000, 40_000, 45_000);
    }

    @Test
    void largestBatchWithinTakesTheBoundaryAndNothingAbove() {
        assertThat(
                        new int[] {
                            profile.largestBatchWithin(25_000, 8),
                            profile.largestBatchWithin(24_999, 8),
                            profile.largestBatchWithin(45_000, 6),
                            profile.largestBatchWithin(9_999, 8)
                        })
                .containsExactly(4, 3, 6, 0);
    }

    @Test
    void profilesThatGetFasterWithLargerBatchesAreRejected() {
        assertThatThrownBy(() -> LatencyProfile.of(new int[] {1, 2}, new long[] {10, 9}))
                .hasMessageContaining("must not decrease");
    }

    @Test
    void linkTransferIsSizeOverBandwidthPlusLatency() {
        Link link = new Link("a", "b", 100_000_000L, 2_000);
        // 100 KiB = 819,200 bits at 100 Mbit/s = 8,192 us, plus 2 ms
        assertThat(link.transferMicros(100 * 1024)).isEqualTo(10_192);
    }
}
