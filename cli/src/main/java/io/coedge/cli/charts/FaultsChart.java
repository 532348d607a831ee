package io.coedge.cli.charts;

import io.coedge.benchmarks.FaultAccounting;
import io.coedge.benchmarks.FaultBench;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code coedge bench faults}' chart, one per delivery mode: results visible to a {@code
 * read_committed} consumer per second (first copies, and duplicates), frames captured per second,
 * and each fault marked where it was injected (a band for the freeze).
 */
public final class FaultsChart {

    static {
        ChartSvg.headless();
    }

    private FaultsChart() {}

    public static String svg(FaultBench.Run run) {
        return ChartSvg.document(draw(run), 960, 420);
    }

    static JFreeChart draw(FaultBench.Run run) {
        XYSeries captured = new XYSeries("frames captured");
        XYSeries first = new XYSeries("results visible (first per frame)");
        XYSeries duplicates = new XYSeries("duplicates visible");
        for (FaultAccounting.Second s : run.report().timeline()) {
            captured.add(s.second(), s.captured());
            first.add(s.second(), s.visibleFirst());
            duplicates.add(s.second(), s.visibleDuplicates());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(first);
        data.addSeries(captured);
        data.addSeries(duplicates);
        JFreeChart chart =
                ChartSvg.lines(
                        "Results visible per second, " + run.delivery() + ", faults marked",
                        "seconds from the first frame",
                        "per second",
                        data);
        XYPlot plot = chart.getXYPlot();
        XYStepRenderer steps = new XYStepRenderer();
        steps.setSeriesPaint(0, new Color(0xd62728));
        steps.setSeriesPaint(1, new Color(0x7f7f7f));
        steps.setSeriesPaint(2, new Color(0x1f77b4));
        steps.setSeriesStroke(0, new BasicStroke(1.6f));
        steps.setSeriesStroke(1, new BasicStroke(1f));
        steps.setSeriesStroke(2, new BasicStroke(1f));
        plot.setRenderer(steps);
        int row = 0;
        for (FaultAccounting.Recovery rec : run.report().recoveries()) {
            FaultAccounting.Fault f = rec.fault();
            double start = (f.startMs() - run.timelineStartMs()) / 1000.0;
            double end = (f.endMs() - run.timelineStartMs()) / 1000.0;
            if (end > start) {
                IntervalMarker band = new IntervalMarker(start, end);
                band.setPaint(new Color(0xff7f0e));
                band.setAlpha(0.15f);
                plot.addDomainMarker(band);
            }
            ValueMarker marker = new ValueMarker(start);
            marker.setPaint(Color.BLACK);
            marker.setStroke(
                    new BasicStroke(
                            1f,
                            BasicStroke.CAP_BUTT,
                            BasicStroke.JOIN_MITER,
                            4f,
                            new float[] {4f, 3f},
                            0f));
            marker.setLabel(f.name());
            marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            marker.setLabelBackgroundColor(new Color(255, 255, 255, 220));
            // one row per fault, so labels of faults close together do not overlap
            marker.setLabelOffset(new RectangleInsets(4 + 16 * row++, 4, 4, 4));
            plot.addDomainMarker(marker);
        }
        return chart;
    }
}
