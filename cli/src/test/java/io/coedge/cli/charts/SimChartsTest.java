package io.coedge.cli.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.scheduler.sim.Chart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimChartsTest {

    private static final List<Chart.Series> LINES =
            List.of(
                    new Chart.Series(
                            "coedge/coedge",
                            new double[] {1, 10, 100, 1000},
                            new double[] {40, 5, 1, 0}),
                    new Chart.Series(
                            "no-offloading/fifo",
                            new double[] {1, 10, 100, 1000},
                            new double[] {90, 60, 55, 55}),
                    new Chart.Series(
                            "naive-global/triton",
                            new double[] {1, 10, 100, 1000},
                            new double[] {120, 20, 3, 2}));

    @Test
    void everyChartIsWrittenUnderItsOwnNameAsSvgWithTitleAxesAndEverySeries(@TempDir Path dir)
            throws IOException {
        List<Chart> charts =
                List.of(
                        new Chart(
                                "dmr-vs-bandwidth.svg",
                                Chart.Kind.LINES,
                                "bw: deadline-miss rate vs bandwidth",
                                "link bandwidth (Mbit/s, log scale)",
                                "deadline-miss rate (%)",
                                LINES,
                                true,
                                100),
                        new Chart(
                                "latency-cdf.svg",
                                Chart.Kind.LINES,
                                "bw: latency CDF of completed frames at 10",
                                "end-to-end latency (ms)",
                                "completed frames at or below (%)",
                                LINES,
                                false,
                                100),
                        new Chart(
                                "dmr.svg",
                                Chart.Kind.BARS,
                                "paper: deadline-miss rate per (dispatch/batch) pair",
                                "(dispatch/batch) pair",
                                "deadline-miss rate (%)",
                                List.of(
                                        new Chart.Series(
                                                "coedge/coedge",
                                                new double[] {0},
                                                new double[] {1.5}),
                                        new Chart.Series(
                                                "no-offloading/fifo",
                                                new double[] {1},
                                                new double[] {44.25})),
                                false,
                                100));

        SimCharts.write(dir, charts);

        for (Chart c : charts) {
            List<String> texts = SvgText.texts(Files.readString(dir.resolve(c.file())));
            assertThat(texts).as(c.file()).contains(c.title(), c.xLabel(), c.yLabel());
            assertThat(texts)
                    .as(c.file())
                    .containsAll(c.series().stream().map(Chart.Series::label).toList());
        }
        assertThat(SvgText.texts(Files.readString(dir.resolve("dmr.svg"))))
                .as("values above the bars")
                .contains("1.5", "44.25");
        assertThat(SvgText.texts(Files.readString(dir.resolve("dmr-vs-bandwidth.svg"))))
                .as("log ticks")
                .contains("1", "10", "100", "1000");
    }

    @Test
    void aSingleWindowStillGetsAnAxis(@TempDir Path dir) throws IOException {
        Chart one =
                new Chart(
                        "dmr-over-time.svg",
                        Chart.Kind.LINES,
                        "short: deadline-miss rate over time",
                        "capture time (s)",
                        "deadline-miss rate (%)",
                        List.of(
                                new Chart.Series(
                                        "coedge/coedge", new double[] {0}, new double[] {12})),
                        false,
                        100);

        SimCharts.write(dir, List.of(one));

        assertThat(SvgText.texts(Files.readString(dir.resolve("dmr-over-time.svg"))))
                .contains("coedge/coedge", "capture time (s)");
    }
}
