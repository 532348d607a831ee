package io.coedge.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.coedge.benchmarks.MetricsOverheadBench.Round;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsOverheadBenchTest {

    private static Round round(int i, boolean reporter, long samples, double p50, double mean) {
        return new Round(
                i, reporter, samples, samples, samples, p50, mean, p50 * 3, 30, 30 * 40_000);
    }

    @Test
    void armsArePooledSeparatelyAndTheMeanWeighsEveryFrame() {
        var result =
                new MetricsOverheadBench.Result(
                        List.of(
                                round(1, false, 100, 3.0, 3.5),
                                round(2, true, 300, 4.0, 4.0),
                                round(3, true, 100, 6.0, 8.0),
                                round(4, false, 300, 5.0, 5.5)));
        // median of the rounds' p50 within each arm
        assertThat(result.p50(false)).isCloseTo(4.0, within(1e-9));
        assertThat(result.p50(true)).isCloseTo(5.0, within(1e-9));
        // frame-weighted mean: (100*3.5 + 300*5.5) / 400 and (300*4 + 100*8) / 400
        assertThat(result.mean(false)).isCloseTo(5.0, within(1e-9));
        assertThat(result.mean(true)).isCloseTo(5.0, within(1e-9));
        assertThat(MetricsOverheadBench.markdown(result))
                .contains(
                        "| 2 | on, scraped every 1 s | 300 | 300 | 300 | 4.0 | 4.00 | 12.0 | 30 (39) |")
                .contains("without 4.00 ms, with 5.00 ms, added +1.00 ms")
                .contains("added +0.00 ms");
    }

    @Test
    void quantilesInterpolateBetweenNeighbours() {
        double[] s = {1, 2, 3, 4};
        assertThat(MetricsOverheadBench.Stats.quantile(s, 0.5)).isCloseTo(2.5, within(1e-9));
        assertThat(MetricsOverheadBench.Stats.quantile(s, 0.0)).isEqualTo(1);
        assertThat(MetricsOverheadBench.Stats.quantile(s, 1.0)).isEqualTo(4);
        assertThat(MetricsOverheadBench.Stats.quantile(new double[] {7}, 0.99)).isEqualTo(7);
    }
}
