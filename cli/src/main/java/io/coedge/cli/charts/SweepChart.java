package io.coedge.cli.charts;

import io.coedge.benchmarks.TestbedSweep;
import java.awt.BasicStroke;
import java.awt.Paint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code coedge bench policies --testbed --sweep}'s chart: DMR against the swept value, one colour
 * per dispatch / batching pair, the pipeline's line solid and the engine's prediction dashed in the
 * same colour; a pair run more than once at a point ({@code --repeat}) is drawn at its mean.
 * Bandwidth runs on a log axis (1000 to 5 Mbit/s spans decades).
 */
public final class SweepChart {

    static {
        ChartSvg.headless();
    }

    private SweepChart() {}

    public static String svg(List<TestbedSweep.Point> points) {
        return ChartSvg.document(draw(points), SimCharts.WIDTH, SimCharts.HEIGHT);
    }

    static JFreeChart draw(List<TestbedSweep.Point> points) {
        boolean bandwidth =
                !points.isEmpty() && points.get(0).dimension().equals(TestbedSweep.Sweep.BANDWIDTH);
        Map<String, List<TestbedSweep.Mean>> byPair = new LinkedHashMap<>();
        for (TestbedSweep.Mean m : TestbedSweep.means(points)) {
            byPair.computeIfAbsent(m.pair(), k -> new ArrayList<>()).add(m);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        double max = 10;
        for (Map.Entry<String, List<TestbedSweep.Mean>> e : byPair.entrySet()) {
            XYSeries pipeline = new XYSeries(e.getKey() + " (pipeline)", true, true);
            XYSeries prediction = new XYSeries(e.getKey() + " (prediction)", true, true);
            for (TestbedSweep.Mean p : e.getValue()) {
                double x = bandwidth ? Math.log10(p.value()) : p.value();
                pipeline.add(x, p.pipeline() * 100);
                max = Math.max(max, p.pipeline() * 100);
                if (!Double.isNaN(p.prediction())) {
                    prediction.add(x, p.prediction() * 100);
                    max = Math.max(max, p.prediction() * 100);
                }
            }
            data.addSeries(pipeline);
            data.addSeries(prediction);
        }
        JFreeChart chart =
                ChartSvg.lines(
                        "Deadline-miss rate on the testbed: pipeline (solid) vs prediction (dashed)",
                        bandwidth
                                ? "link bandwidth (Mbit/s, log scale)"
                                : "load (x each camera's fps)",
                        "deadline-miss rate (%)",
                        data);
        XYPlot plot = chart.getXYPlot();
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setAutoRangeIncludesZero(false);
        if (bandwidth) {
            x.setTickUnit(new NumberTickUnit(1));
            x.setNumberFormatOverride(new SimCharts.PowerOfTen());
        } else {
            x.setNumberFormatOverride(ChartSvg.number("0.##"));
        }
        ChartSvg.percentAxis(plot, Math.min(100, Math.ceil(max * 1.1 / 5) * 5));
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
        r.setDrawSeriesLineAsPath(true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            Paint colour = ChartSvg.COLORS[(i / 2) % ChartSvg.COLORS.length];
            r.setSeriesPaint(i, colour);
            r.setSeriesShapesVisible(i, true);
            r.setSeriesStroke(i, i % 2 == 0 ? new BasicStroke(2.5f) : ChartSvg.dashed(1.5f, 6, 4));
        }
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.RIGHT);
        return chart;
    }

    /**
     * When in a run the frames missed: each pair's DMR by {@link TestbedSweep.Window} of capture
     * time (seconds from the run's first frame), its frames pooled over every point and round; the
     * windows that settle (left out of the runs' DMR) are drawn dashed.
     */
    public static String windowsSvg(List<TestbedSweep.Point> points) {
        return ChartSvg.document(drawWindows(points), SimCharts.WIDTH, SimCharts.HEIGHT);
    }

    static JFreeChart drawWindows(List<TestbedSweep.Point> points) {
        Map<String, Map<Long, long[]>> byPair = new LinkedHashMap<>();
        for (TestbedSweep.Point p : points) {
            Map<Long, long[]> w = byPair.computeIfAbsent(p.pair(), k -> new java.util.TreeMap<>());
            for (TestbedSweep.Window win : p.windows()) {
                long[] sum = w.computeIfAbsent(win.startMs(), k -> new long[3]);
                sum[0] += win.frames();
                sum[1] += win.missed();
                sum[2] |= win.counted() ? 0 : 1;
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        double max = 10;
        for (Map.Entry<String, Map<Long, long[]>> e : byPair.entrySet()) {
            XYSeries settling = new XYSeries(e.getKey() + " (settling)", true, true);
            XYSeries counted = new XYSeries(e.getKey() + " (counted)", true, true);
            boolean bridged = false;
            for (Map.Entry<Long, long[]> w : e.getValue().entrySet()) {
                long[] sum = w.getValue();
                double dmr = sum[0] == 0 ? 0 : 100.0 * sum[1] / sum[0];
                double x = w.getKey() / 1000.0;
                max = Math.max(max, dmr);
                if (sum[2] != 0) {
                    settling.add(x, dmr);
                } else {
                    if (!bridged && !settling.isEmpty()) {
                        settling.add(x, dmr); // the dashed line meets the solid one
                    }
                    bridged = true;
                    counted.add(x, dmr);
                }
            }
            data.addSeries(counted);
            data.addSeries(settling);
        }
        JFreeChart chart =
                ChartSvg.lines(
                        "Deadline-miss rate through a testbed run (settling dashed: not counted)",
                        "seconds of capture from the run's first frame",
                        "deadline-miss rate (%)",
                        data);
        XYPlot plot = chart.getXYPlot();
        ChartSvg.percentAxis(plot, Math.min(100, Math.ceil(max * 1.1 / 5) * 5));
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
        r.setDrawSeriesLineAsPath(true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            Paint colour = ChartSvg.COLORS[(i / 2) % ChartSvg.COLORS.length];
            r.setSeriesPaint(i, colour);
            r.setSeriesShapesVisible(i, true);
            r.setSeriesStroke(i, i % 2 == 0 ? new BasicStroke(2.5f) : ChartSvg.dashed(1.5f, 6, 4));
        }
        chart.getLegend().setPosition(RectangleEdge.RIGHT);
        return chart;
    }
}
