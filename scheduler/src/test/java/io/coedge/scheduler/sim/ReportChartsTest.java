package io.coedge.scheduler.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.scheduler.batch.BatchPolicies;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.testutils.Scenarios;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's chart data: which charts, their labels, one series per (dispatch/batch) pair. */
class ReportChartsTest {

    private static final int PAIRS = DispatchPolicies.NAMES.size() * BatchPolicies.NAMES.size();

    @Test
    void withoutASweepBarsPerPairThenTheCdfAndDmrOverTime() {
        Scenario s = Scenarios.shipped("paper").withDuration(3_000_000);
        List<Chart> charts = Report.charts(s, Report.runAll(s, (done, total, row) -> {}));

        assertThat(charts)
                .extracting(Chart::file)
                .containsExactly("dmr.svg", "latency-cdf.svg", "dmr-over-time.svg");
        assertThat(charts)
                .extracting(Chart::kind)
                .containsExactly(Chart.Kind.BARS, Chart.Kind.LINES, Chart.Kind.LINES);
        for (Chart c : charts) {
            assertThat(c.series()).hasSize(PAIRS);
            assertThat(c.series().get(0).label()).isEqualTo("coedge/coedge");
            assertThat(c.series())
                    .extracting(Chart.Series::label)
                    .doesNotHaveDuplicates()
                    .contains("no-offloading/fifo");
            assertThat(c.series()).allSatisfy(x -> assertThat(x.x()).hasSameSizeAs(x.y()));
            assertThat(c.title()).startsWith("paper: ");
        }
        assertThat(charts.get(0).series()).allSatisfy(x -> assertThat(x.y()).hasSize(1));
        assertThat(charts.get(1).xLabel()).isEqualTo("end-to-end latency (ms)");
        assertThat(charts.get(2).xLabel()).isEqualTo("capture time (s)");
        assertThat(charts.get(2).series().get(0).x())
                .as("a window per second of the 3 s run")
                .containsExactly(0, 1, 2);
    }

    @Test
    void aBandwidthSweepIsDrawnOnALogAxisWithAPointPerSweepValue() {
        Scenario s = Scenarios.shipped("bandwidth-sweep").withDuration(1_000_000);
        List<Chart> charts = Report.charts(s, Report.runAll(s, (done, total, row) -> {}));

        Chart dmr = charts.get(0);
        assertThat(dmr.file()).isEqualTo("dmr-vs-bandwidth.svg");
        assertThat(dmr.logX()).isTrue();
        assertThat(dmr.xLabel()).isEqualTo("link bandwidth (Mbit/s, log scale)");
        assertThat(dmr.yLabel()).isEqualTo("deadline-miss rate (%)");
        assertThat(dmr.series()).hasSize(PAIRS);
        assertThat(dmr.series().get(0).x())
                .containsExactly(
                        s.sweep().values().stream().mapToDouble(Double::doubleValue).toArray());
        assertThat(charts.get(1).title()).contains(" at ");
    }
}
