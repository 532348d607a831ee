package io.coedge.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.coedge.benchmarks.PipelineAbBench.Round;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineAbBenchTest {

    private static Round round(
            int i, String arm, long frames, double dmr, double p50, double mean, long scrapes) {
        return new Round(
                i,
                arm,
                frames,
                frames,
                dmr,
                frames,
                p50,
                mean,
                p50 * 3,
                p50 * 2,
                mean * 2,
                p50 * 10,
                mean / 2,
                scrapes,
                scrapes * 40_960);
    }

    @Test
    void armsArePooledSeparatelyAndMeansWeighEveryFrame() {
        var result =
                new PipelineAbBench.Result(
                        "off",
                        "on",
                        List.of(
                                round(1, "off", 100, 0.10, 3.0, 3.5, 0),
                                round(2, "on", 300, 0.00, 4.0, 4.0, 30),
                                round(3, "on", 100, 0.04, 6.0, 8.0, 30),
                                round(4, "off", 300, 0.02, 5.0, 5.5, 0)));
        // the median of the rounds' p50 within each arm
        assertThat(result.p50("off")).isCloseTo(4.0, within(1e-9));
        assertThat(result.p50("on")).isCloseTo(5.0, within(1e-9));
        // frame-weighted: (100*3.5 + 300*5.5) / 400 and (300*4 + 100*8) / 400
        assertThat(result.mean("off")).isCloseTo(5.0, within(1e-9));
        assertThat(result.mean("on")).isCloseTo(5.0, within(1e-9));
        // (100*0.10 + 300*0.02) / 400 and (300*0 + 100*0.04) / 400
        assertThat(result.missRate("off")).isCloseTo(0.04, within(1e-9));
        assertThat(result.missRate("on")).isCloseTo(0.01, within(1e-9));
        assertThat(PipelineAbBench.markdown(result))
                .contains(
                        "| 2 | on | 300 | 300 | 0.00% | 300 | 4.0 | 4.00 | 12.0 | 8.0 / 8.00 | 40.0 | 2.0 | 30 (40) |")
                .contains(
                        "| 1 | off | 100 | 100 | 10.00% | 100 | 3.0 | 3.50 | 9.0 | 6.0 / 7.00 | 30.0 | 1.8 | - |")
                .contains("off 4.00 ms, on 5.00 ms, difference +1.00 ms")
                .contains("mean: 10.00 ms, 10.00 ms")
                .contains("frame: 2.50 ms, 2.50 ms. DMR: 4.00%, 1.00%.");
    }

    @Test
    void quantilesInterpolateBetweenNeighbours() {
        double[] s = {1, 2, 3, 4};
        assertThat(PipelineAbBench.Stats.quantile(s, 0.5)).isCloseTo(2.5, within(1e-9));
        assertThat(PipelineAbBench.Stats.quantile(s, 0.0)).isEqualTo(1);
        assertThat(PipelineAbBench.Stats.quantile(s, 1.0)).isEqualTo(4);
        assertThat(PipelineAbBench.Stats.quantile(new double[] {7}, 0.99)).isEqualTo(7);
    }
}
