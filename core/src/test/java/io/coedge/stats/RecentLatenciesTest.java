package io.coedge.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class RecentLatenciesTest {

    @Test
    void keepsTheLastValues() {
        RecentLatencies w = new RecentLatencies(10);
        assertThat(w.count()).isZero();
        assertThat(w.percentile(0.99)).isZero();
        for (int i = 1; i <= 10; i++) {
            w.record(i * 100L);
        }
        assertThat(w.percentile(0.99)).isEqualTo(1000);
        assertThat(w.percentile(0.5)).isEqualTo(500);

        for (int i = 0; i < 10; i++) {
            w.record(200);
        }
        assertThat(w.count()).isEqualTo(10);
        assertThat(w.percentile(0.99)).as("the outliers aged out").isEqualTo(200);
        w.record(900);
        assertThat(w.percentile(0.99)).isEqualTo(900);
        assertThat(w.percentile(0.5)).isEqualTo(200);
    }

    @Test
    void theP99OfTenOrFewerIsTheLargestExactly() {
        RecentLatencies w = new RecentLatencies(10);
        w.record(30_000_001);
        w.record(5);

        assertThat(w.percentile(0.99)).isEqualTo(30_000_001);
    }

    @Test
    void takesHdrHistogramsRankAndTheValueThereExactly() {
        Histogram precision = new Histogram(Latencies.SIGNIFICANT_DIGITS);
        Random random = new Random(12);
        double[] qs = {0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1};
        for (int trial = 0; trial < 5_000; trial++) {
            int size = 1 + random.nextInt(20);
            int recorded = 1 + random.nextInt(3 * size);
            long scale = (long) Math.pow(10, random.nextInt(12));
            RecentLatencies window = new RecentLatencies(size);
            long[] all = new long[recorded];
            for (int i = 0; i < recorded; i++) {
                all[i] =
                        random.nextInt(4) == 0
                                ? all[random.nextInt(i + 1)]
                                : (long) (random.nextDouble() * scale);
                window.record(all[i]);
            }
            long[] held = Arrays.copyOfRange(all, Math.max(0, recorded - size), recorded);
            Latencies histogram = new Latencies();
            for (long v : held) {
                histogram.record(v);
            }
            for (double q : qs) {
                long mine = window.percentile(q);
                assertThat(held)
                        .as("q %s of the last %d of %d values: one of them", q, size, recorded)
                        .contains(mine);
                assertThat(precision.valuesAreEquivalent(mine, histogram.percentile(q)))
                        .as(
                                "q %s of the last %d of %d values: %d, HdrHistogram %d",
                                q, size, recorded, mine, histogram.percentile(q))
                        .isTrue();
            }
        }
    }

    @Test
    void rejectsAnEmptyWindow() {
        assertThatThrownBy(() -> new RecentLatencies(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
