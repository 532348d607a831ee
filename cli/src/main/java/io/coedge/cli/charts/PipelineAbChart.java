package io.coedge.cli.charts;

import io.coedge.benchmarks.PipelineAbBench;
import java.awt.Color;
import org.jfree.chart.JFreeChart;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * {@code coedge bench metrics}' chart: per-frame overhead p50 and mean of every round, without and
 * with the Prometheus reporter, in run order.
 */
public final class PipelineAbChart {

    static {
        ChartSvg.headless();
    }

    private PipelineAbChart() {}

    public static String svg(PipelineAbBench.Result result) {
        return ChartSvg.document(draw(result), 760, 420);
    }

    static JFreeChart draw(PipelineAbBench.Result result) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (PipelineAbBench.Round r : result.rounds()) {
            String round = r.index() + ": " + r.arm();
            data.addValue(r.p50Ms(), "p50", round);
            data.addValue(r.meanMs(), "mean", round);
        }
        return ChartSvg.verticalBars(
                "Per-frame overhead outside queueing and inference",
                "round",
                "ms per frame",
                data,
                "0.00",
                new Color(0x1f618d),
                new Color(0xa9cce3));
    }
}
