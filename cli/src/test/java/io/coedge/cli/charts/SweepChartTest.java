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

    @Test
    void theWindowsChartDrawsEachPairsMissesThroughTheRunWithTheSettlingWindowsDashed() {
        PipelineBench.PolicyRun run =
                new PipelineBench.PolicyRun(
                        "coedge", "coedge", 30, 30, 0.0, 80, 500, 1.3, 0.0, 4, Map.of(), Map.of(),
                        Map.of());
        TestbedSweep.Point p =
                new TestbedSweep.Point(
                        "bandwidth",
                        1000,
                        run,
                        0,
                        0,
                        1,
                        20,
                        0.2,
                        List.of(
                                new TestbedSweep.Window(0, 10, 6, false),
                                new TestbedSweep.Window(5_000, 10, 0, true),
                                new TestbedSweep.Window(10_000, 10, 0, true)));
        org.jfree.chart.JFreeChart chart = SweepChart.drawWindows(List.of(p));
        org.jfree.data.xy.XYDataset data = chart.getXYPlot().getDataset();
        assertThat(data.getSeriesCount()).isEqualTo(2);
        assertThat(data.getSeriesKey(0)).isEqualTo("coedge / coedge (counted)");
        assertThat(data.getItemCount(0)).isEqualTo(2);
        assertThat(data.getYValue(0, 0)).isZero();
        // The settling window at 60%, joined to the first counted one.
        assertThat(data.getSeriesKey(1)).isEqualTo("coedge / coedge (settling)");
        assertThat(data.getItemCount(1)).isEqualTo(2);
        assertThat(data.getYValue(1, 0)).isEqualTo(60.0);
        String svg = SweepChart.windowsSvg(List.of(p));
        assertThat(SvgText.texts(svg)).contains("seconds of capture from the run's first frame");
        assertThat(svg).contains("stroke-dasharray");
    }
}
