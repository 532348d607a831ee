package io.coedge.cli.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.benchmarks.PipelineBench;
import io.coedge.benchmarks.TestbedSweep;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SweepChartTest {

    private static TestbedSweep.Point point(String dispatch, double mbps, double dmr, double sim) {
        return new TestbedSweep.Point(
                "bandwidth",
                mbps,
                new PipelineBench.PolicyRun(
                        dispatch, "coedge", 600, 600, dmr, 80, 500, 1.3, sim, 4, Map.of(), Map.of(),
                        Map.of()),
                0,
                0);
    }

    @Test
    void aSolidPipelineAndADashedPredictionLinePerPairOverALogBandwidthAxis() {
        String svg =
                SweepChart.svg(
                        List.of(
                                point("coedge", 1000, 0.01, 0.0),
                                point("no-offloading", 1000, 0.4, 0.5),
                                point("coedge", 5, 0.05, 0.02),
                                point("no-offloading", 5, 0.4, 0.5)));
        List<String> texts = SvgText.texts(svg);
        assertThat(texts)
                .contains(
                        "link bandwidth (Mbit/s, log scale)",
                        "deadline-miss rate (%)",
                        "coedge / coedge (pipeline)",
                        "coedge / coedge (prediction)",
                        "no-offloading / coedge (pipeline)",
                        "no-offloading / coedge (prediction)");
        assertThat(svg).contains("stroke-dasharray");
    }
}
