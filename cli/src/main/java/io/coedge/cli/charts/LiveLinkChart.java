package io.coedge.cli.charts;

import io.coedge.benchmarks.LiveLinkBench;
import java.awt.BasicStroke;
import java.awt.Color;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code coedge bench live-link}'s chart: DMR per window over the run's time (each window drawn at
 * its middle), the 10% line, a dashed red vertical marker at each change (drop, restore) and a thin
 * grey one at each task move, labelled with the task and its new node.
 */
public final class LiveLinkChart {

    static {
        ChartSvg.headless();
    }

    private LiveLinkChart() {}

    public static String svg(LiveLinkBench.Report report) {
        return ChartSvg.document(draw(report), SimCharts.WIDTH, SimCharts.HEIGHT);
    }

    static JFreeChart draw(LiveLinkBench.Report report) {
        XYSeries dmr = new XYSeries("DMR per " + report.windowMs() / 1000.0 + " s window");
        double max = 20;
        for (LiveLinkBench.Window w : report.windows()) {
            if (!Double.isNaN(w.dmr())) {
                dmr.add((w.startMs() + w.endMs()) / 2000.0, w.dmr() * 100);
                max = Math.max(max, w.dmr() * 100);
            }
        }
        XYSeriesCollection data = new XYSeriesCollection(dmr);
        JFreeChart chart =
                ChartSvg.lines(
                        "Deadline-miss rate through a live link change (" + report.pair() + ")",
                        "time since the cameras' first frame (s)",
                        "deadline-miss rate (%)",
                        data);
        XYPlot plot = chart.getXYPlot();
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setRange(0, report.durationMs() / 1000.0);
        x.setNumberFormatOverride(ChartSvg.number("0.#"));
        ChartSvg.percentAxis(plot, Math.min(100, Math.ceil(max * 1.15 / 10) * 10));
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
        r.setSeriesPaint(0, ChartSvg.COLORS[1]);
        r.setSeriesStroke(0, new BasicStroke(2f));
        r.setSeriesShapesVisible(0, true);
        ValueMarker threshold = new ValueMarker(LiveLinkBench.THRESHOLD * 100);
        threshold.setPaint(Color.GRAY);
        threshold.setStroke(ChartSvg.dashed(1f, 2, 3));
        ChartSvg.label(
                threshold,
                "10%",
                RectangleAnchor.TOP_RIGHT,
                TextAnchor.BOTTOM_RIGHT,
                threshold.getLabelOffset());
        plot.addRangeMarker(threshold, Layer.BACKGROUND);
        int i = 0;
        for (LiveLinkBench.Move m : report.moves()) {
            ValueMarker mark = new ValueMarker(m.atMs() / 1000.0);
            mark.setPaint(new Color(0x7f7f7f));
            mark.setStroke(new BasicStroke(1f));
            // moves close in time: their labels on different heights
            ChartSvg.label(
                    mark,
                    m.task() + " -> " + m.to(),
                    RectangleAnchor.BOTTOM_RIGHT,
                    TextAnchor.BOTTOM_LEFT,
                    new RectangleInsets(4, 4, 4 + 14 * (i++ % 4), 4));
            plot.addDomainMarker(mark, Layer.BACKGROUND);
        }
        int j = 0;
        for (LiveLinkBench.ChangeRow c : report.changes()) {
            if (c.change().kind().equals("start")) {
                continue;
            }
            ValueMarker mark = new ValueMarker(c.change().atMs() / 1000.0);
            mark.setPaint(ChartSvg.COLORS[0]);
            mark.setStroke(ChartSvg.dashed(2f, 6, 4));
            ChartSvg.label(
                    mark,
                    c.change().kind() + ": " + c.change().what(),
                    RectangleAnchor.TOP_RIGHT,
                    TextAnchor.TOP_LEFT,
                    new RectangleInsets(4 + 14 * (j++ % 2), 4, 4, 4));
            plot.addDomainMarker(mark, Layer.FOREGROUND);
        }
        return chart;
    }
}
