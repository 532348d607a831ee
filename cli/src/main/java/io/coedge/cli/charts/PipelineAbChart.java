package io.coedge.cli.charts;

import io.coedge.benchmarks.PipelineAbBench;
import java.awt.Color;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
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
        JFreeChart chart =
                ChartFactory.createBarChart(
                        "Per-frame overhead outside queueing and inference",
                        "round",
                        "ms per frame",
                        data,
                        PlotOrientation.VERTICAL,
                        true,
                        false,
                        false);
        ChartSvg.style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setSeriesPaint(0, new Color(0x1f618d));
        r.setSeriesPaint(1, new Color(0xa9cce3));
        ChartSvg.labelBars(r, "{2}", "0.00");
        return chart;
    }
}
