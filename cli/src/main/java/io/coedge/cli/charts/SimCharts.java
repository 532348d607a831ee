package io.coedge.cli.charts;

import io.coedge.scheduler.sim.Chart;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws the simulator report's charts ({@link io.coedge.scheduler.sim.Report#charts}) as SVG files.
 */
public final class SimCharts {

    static {
        ChartSvg.headless();
    }

    static final int WIDTH = 900;
    static final int HEIGHT = 520;

    private SimCharts() {}

    /** Writes every chart to {@code dir}, under the chart's own file name. */
    public static void write(Path dir, List<Chart> charts) throws IOException {
        Files.createDirectories(dir);
        for (Chart c : charts) {
            ChartSvg.write(dir.resolve(c.file()), draw(c), WIDTH, HEIGHT);
        }
    }

    static JFreeChart draw(Chart c) {
        return ChartSvg.style(c.kind() == Chart.Kind.BARS ? bars(c) : lines(c));
    }

    /**
     * One line per series, the first (coedge/coedge) boldest; colours repeat after fifteen, and
     * dashes tell neighbouring colours apart.
     */
    private static JFreeChart lines(Chart c) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Chart.Series s : c.series()) {
            XYSeries xy = new XYSeries(s.label(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                xy.add(c.logX() ? Math.log10(s.x()[i]) : s.x()[i], Math.min(s.y()[i], c.yMax()));
            }
            data.addSeries(xy);
        }
        JFreeChart chart =
                ChartFactory.createXYLineChart(
                        c.title(),
                        c.xLabel(),
                        c.yLabel(),
                        data,
                        PlotOrientation.VERTICAL,
                        true,
                        false,
                        false);
        XYPlot plot = chart.getXYPlot();
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setAutoRangeIncludesZero(false);
        double lo = data.getDomainLowerBound(false);
        double hi = data.getDomainUpperBound(false);
        if (!Double.isNaN(lo)) {
            x.setRange(lo, hi > lo ? hi : lo + 1); // one window or one sweep point: still an axis
        }
        if (c.logX()) {
            // log10 of x on a plain axis, a tick per decade labelled 10^tick: JFreeChart's LogAxis
            // draws
            // its labels as attributed strings, which JFreeSVG writes as glyph outlines, and
            // LogarithmicAxis labels minor ticks and repeats the last decade.
            x.setTickUnit(new NumberTickUnit(1));
            x.setNumberFormatOverride(new PowerOfTen());
        } else {
            x.setNumberFormatOverride(ChartSvg.number("0.##"));
        }
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setRange(0, c.yMax());
        y.setTickUnit(new NumberTickUnit(c.yMax() / 5));
        y.setNumberFormatOverride(ChartSvg.number("0.##"));
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
        r.setDrawSeriesLineAsPath(true); // a path per series, not an SVG element per segment
        for (int i = 0; i < c.series().size(); i++) {
            r.setSeriesPaint(i, ChartSvg.COLORS[i % ChartSvg.COLORS.length]);
            r.setSeriesStroke(i, stroke(i));
        }
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.RIGHT);
        return chart;
    }

    private static BasicStroke stroke(int i) {
        if (i == 0) {
            return new BasicStroke(3f);
        }
        float[] dash = i % 3 == 1 ? new float[] {6, 3} : i % 3 == 2 ? new float[] {2, 3} : null;
        return new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f);
    }

    /** Formats an axis value v as 10^v: 1, 10, 100, 0.1. */
    static final class PowerOfTen extends NumberFormat {
        private final NumberFormat plain = ChartSvg.number("0.###");

        @Override
        public StringBuffer format(double v, StringBuffer to, FieldPosition pos) {
            return plain.format(Math.pow(10, v), to, pos);
        }

        @Override
        public StringBuffer format(long v, StringBuffer to, FieldPosition pos) {
            return format((double) v, to, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            throw new UnsupportedOperationException();
        }
    }

    /** One bar per series (its label under the bar, its value above), the first in red. */
    private static JFreeChart bars(Chart c) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Chart.Series s : c.series()) {
            data.addValue(s.y()[0], c.yLabel(), s.label());
        }
        JFreeChart chart =
                ChartFactory.createBarChart(
                        c.title(),
                        c.xLabel(),
                        c.yLabel(),
                        data,
                        PlotOrientation.VERTICAL,
                        false,
                        false,
                        false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        plot.getDomainAxis().setMaximumCategoryLabelLines(1);
        ((NumberAxis) plot.getRangeAxis()).setRange(0, c.yMax());
        ((NumberAxis) plot.getRangeAxis()).setTickUnit(new NumberTickUnit(c.yMax() / 5));
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(ChartSvg.number("0.##"));
        BarRenderer r =
                new BarRenderer() {
                    @Override
                    public Paint getItemPaint(int row, int column) {
                        return column == 0 ? ChartSvg.COLORS[0] : ChartSvg.COLORS[1];
                    }
                };
        r.setDefaultItemLabelGenerator(
                new StandardCategoryItemLabelGenerator("{2}", ChartSvg.number("0.##")));
        r.setDefaultItemLabelsVisible(true);
        r.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        r.setDefaultItemLabelPaint(Color.BLACK);
        r.setItemMargin(0);
        plot.setRenderer(r);
        return chart;
    }
}
