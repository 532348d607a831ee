package io.coedge.cli.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.benchmarks.PipelineBench;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyChartTest {

    private static PipelineBench.PolicyRun run(
            String dispatch, String batch, double dmr, double sim) {
        return new PipelineBench.PolicyRun(
                dispatch, batch, 1120, 1120, dmr, 80, 500, 1.3, sim, 4, Map.of(), Map.of(),
                Map.of());
    }

    @Test
    void aPairOfBarsPerPolicyPairWithBothRatesAsLabels() {
        String svg =
                PolicyChart.svg(
                        List.of(
                                run("coedge", "coedge", 0.0116, 0),
                                run("no-offloading", "fifo", 0.4402, 0.8455)));

        List<String> texts = SvgText.texts(svg);
        assertThat(texts)
                .contains(
                        "Deadline-miss rate: pipeline vs simulator",
                        "deadline-miss rate (%)",
                        "dispatch / batching",
                        "coedge / coedge",
                        "no-offloading / fifo",
                        PolicyChart.PIPELINE,
                        PolicyChart.SIMULATOR,
                        "1.16%",
                        "0.00%",
                        "44.02%",
                        "84.55%");
    }
}
