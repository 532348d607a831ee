package io.coedge.cli.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.benchmarks.PipelineAbBench;
import io.coedge.benchmarks.PreprocessBench;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench charts drawn through {@link ChartSvg#verticalBars}: titles, series and bar labels. */
class BenchBarChartsTest {

    @Test
    void preprocessChartHasABarPerPathAndSizeLabelledWithOneDecimal() {
        String svg =
                PreprocessChart.svg(
                        List.of(
                                new PreprocessBench.Row(
                                        1920, 1080, 20, 300_000, "1/2", 6.26, 5.0, 31.5, 9.0, 2.0,
                                        4.5, "3/8", 5.1)));

        assertThat(SvgText.texts(svg))
                .contains(
                        "JPEG to 640x640 letterbox tensor, one core",
                        "frame size",
                        "ms per frame",
                        "1920x1080",
                        "before: ImageIO + Java2D",
                        "ours: libjpeg-turbo + one pass",
                        "libjpeg-turbo decode alone (tjbench -scale)",
                        "djpeg -scale (start excluded)",
                        "31.5",
                        "6.3",
                        "4.5",
                        "7.0");
    }

    @Test
    void pipelineAbChartHasP50AndMeanPerRoundLabelledWithTwoDecimals() {
        String svg =
                PipelineAbChart.svg(
                        new PipelineAbBench.Result(
                                "without reporter",
                                "with reporter",
                                List.of(
                                        new PipelineAbBench.Round(
                                                1,
                                                "without reporter",
                                                100,
                                                100,
                                                0,
                                                100,
                                                1.5,
                                                1.75,
                                                3,
                                                0.5,
                                                0.6,
                                                20,
                                                2.5,
                                                0,
                                                0),
                                        new PipelineAbBench.Round(
                                                2,
                                                "with reporter",
                                                100,
                                                100,
                                                0,
                                                100,
                                                1.626,
                                                1.875,
                                                3,
                                                0.5,
                                                0.6,
                                                20,
                                                2.6,
                                                12,
                                                4096))));

        assertThat(SvgText.texts(svg))
                .contains(
                        "Per-frame overhead outside queueing and inference",
                        "round",
                        "ms per frame",
                        "1: without reporter",
                        "2: with reporter",
                        "p50",
                        "mean",
                        "1.50",
                        "1.75",
                        "1.63",
                        "1.88");
    }
}
