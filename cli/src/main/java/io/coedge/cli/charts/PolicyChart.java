package io.coedge.cli.charts;

import io.coedge.benchmarks.PipelineBench;
import java.awt.Color;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;

/** {@code coedge bench policies}' chart: DMR per pair, pipeline and simulator side by side. */
public final class PolicyChart {

    static {
        ChartSvg.headless();
    }

    static final String PIPELINE = "pipeline";
    static final String SIMULATOR = "simulator";

    private PolicyChart() {}

    /** The chart as an SVG document, one pair of bars per (dispatch / batch) pair in run order. */
    public static String svg(List<PipelineBench.PolicyRun> runs) {
        return ChartSvg.document(draw(runs), 760, 110 + runs.size() * 44);
    }

    static JFreeChart draw(List<PipelineBench.PolicyRun> runs) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double max = 5;
        for (PipelineBench.PolicyRun r : runs) {
            String pair = r.dispatch() + " / " + r.batch();
            data.addValue(r.missRate() * 100, PIPELINE, pair);
            data.addValue(r.simMissRate() * 100, SIMULATOR, pair);
            max = Math.max(max, Math.max(r.missRate(), r.simMissRate()) * 100);
        }
        JFreeChart chart =
                ChartFactory.createBarChart(
                        "Deadline-miss rate: pipeline vs simulator",
                        "dispatch / batching",
                        "deadline-miss rate (%)",
                        data,
                        PlotOrientation.HORIZONTAL,
                        true,
                        false,
                        false);
        ChartSvg.style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        // Room for the value labels right of the longest bar.
        ((NumberAxis) plot.getRangeAxis()).setRange(0, max * 1.15);
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(ChartSvg.number("0.##"));
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setSeriesPaint(0, new Color(0x1f618d));
        r.setSeriesPaint(1, new Color(0xa9cce3));
        ChartSvg.labelBars(r, "{2}%", "0.00");
        return chart;
    }
}
