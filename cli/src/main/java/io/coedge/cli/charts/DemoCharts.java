package io.coedge.cli.charts;

import io.coedge.kafka.live.LiveState;
import io.coedge.kafka.results.ResultsTable;
import java.awt.BasicStroke;
import java.awt.Color;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The demo report's two charts, as {@code <svg>} elements for its HTML page; a bar per task. */
public final class DemoCharts {

    static {
        ChartSvg.headless();
    }

    static final int WIDTH = 720;

    private DemoCharts() {}

    /** Deadline-miss rate per task, 0-10 % at least. */
    public static String missRate(List<ResultsTable.Row> rows) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double max = 10;
        for (ResultsTable.Row r : rows) {
            data.addValue(r.missRate() * 100, "deadline-miss rate", r.task());
            max = Math.max(max, r.missRate() * 100);
        }
        JFreeChart chart = bars(data, "deadline-miss rate (%)", max, "{2}%", "0.00", false);
        chart.getCategoryPlot().getRenderer().setSeriesPaint(0, new Color(0xc0392b));
        return ChartSvg.element(chart, WIDTH, 70 + rows.size() * 26, "dmr");
    }

    /** p50 and p99 latency per task, ms. */
    public static String latency(List<ResultsTable.Row> rows) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double max = 1;
        for (ResultsTable.Row r : rows) {
            data.addValue(r.p50Ms(), "p50", r.task());
            data.addValue(r.p99Ms(), "p99", r.task());
            max = Math.max(max, r.p99Ms());
        }
        JFreeChart chart = bars(data, "end-to-end latency (ms)", max, "{2}", "0", true);
        chart.getCategoryPlot().getRenderer().setSeriesPaint(0, new Color(0x2874a6));
        chart.getCategoryPlot().getRenderer().setSeriesPaint(1, new Color(0xaed6f1));
        return ChartSvg.element(chart, WIDTH, 100 + rows.size() * 40, "latency");
    }

    /**
     * One line per task over the run: {@code value} of each second of capture, against seconds
     * since the first frame.
     */
    public static String overTime(
            Map<String, List<LiveState.Point>> series,
            ToDoubleFunction<LiveState.Point> value,
            String axis,
            String idPrefix) {
        long start =
                series.values().stream()
                        .flatMap(List::stream)
                        .mapToLong(LiveState.Point::t)
                        .min()
                        .orElse(0);
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach(
                (task, points) -> {
                    XYSeries line = new XYSeries(task);
                    for (LiveState.Point p : points) {
                        line.add((p.t() - start) / 1000.0, value.applyAsDouble(p));
                    }
                    data.addSeries(line);
                });
        JFreeChart chart =
                ChartSvg.style(
                        ChartFactory.createXYLineChart(
                                null,
                                "seconds since the first frame (capture time)",
                                axis,
                                data,
                                PlotOrientation.VERTICAL,
                                true,
                                false,
                                false));
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, ChartSvg.COLORS[i % ChartSvg.COLORS.length]);
            r.setSeriesStroke(i, new BasicStroke(1.8f));
        }
        plot.setRenderer(r);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        return ChartSvg.element(chart, WIDTH, 280, idPrefix);
    }

    private static JFreeChart bars(
            DefaultCategoryDataset data,
            String axis,
            double max,
            String label,
            String format,
            boolean legend) {
        JFreeChart chart =
                ChartSvg.style(
                        ChartFactory.createBarChart(
                                null,
                                null,
                                axis,
                                data,
                                PlotOrientation.HORIZONTAL,
                                legend,
                                false,
                                false));
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        NumberAxis values = (NumberAxis) plot.getRangeAxis();
        values.setRange(0, max * 1.15); // room for the value labels
        values.setNumberFormatOverride(ChartSvg.number("0.##"));
        BarRenderer r = (BarRenderer) plot.getRenderer();
        ChartSvg.labelBars(r, label, format);
        return chart;
    }
}
