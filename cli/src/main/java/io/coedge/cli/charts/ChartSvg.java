package io.coedge.cli.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.text.TextUtils;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.xy.XYDataset;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGUtils;

/**
 * Draws a JFreeChart as SVG (JFreeSVG), in the look every coedge chart shares: white plot, light
 * grey grid, flat bars, sans-serif text (kept as SVG text, so the labels are searchable).
 */
public final class ChartSvg {

    static {
        headless();
        // JFreeChart draws rotated text (the y-axis label) through a TextLayout by default, which
        // JFreeSVG can only write as glyph outlines; drawString keeps it an SVG <text>. The switch
        // is
        // JFreeChart-wide; only these charts use JFreeChart.
        TextUtils.setUseDrawRotatedStringWorkaround(false);
    }

    /** Line and bar colours, in series order (the first series, coedge/coedge, is red). */
    static final Paint[] COLORS = {
        new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e),
                new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
                new Color(0x17becf),
        new Color(0x393b79), new Color(0x637939), new Color(0x8c6d31), new Color(0x843c39),
                new Color(0x7b4173)
    };

    private static final Color GRID = new Color(0xdddddd);

    private ChartSvg() {}

    /**
     * Fonts are measured through AWT, which needs no display for that; headless also keeps it from
     * opening one (or a Dock icon on macOS). Call before building a chart; a -D on the command line
     * wins.
     */
    public static void headless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** A standalone SVG document (with the XML declaration). */
    public static String document(JFreeChart chart, int width, int height) {
        return graphics(chart, width, height, "coedge").getSVGDocument();
    }

    /**
     * An {@code <svg>} element for inlining in an HTML page; {@code idPrefix} keeps its clip-path
     * ids apart from those of other charts on the same page.
     */
    public static String element(JFreeChart chart, int width, int height, String idPrefix) {
        return graphics(chart, width, height, idPrefix).getSVGElement();
    }

    public static void write(Path file, JFreeChart chart, int width, int height)
            throws IOException {
        Files.writeString(file, document(chart, width, height));
    }

    private static SVGGraphics2D graphics(
            JFreeChart chart, int width, int height, String idPrefix) {
        SVGGraphics2D g2 = new SVGGraphics2D(width, height);
        g2.setDefsKeyPrefix(idPrefix);
        g2.setGeomDoubleConverter(SVGUtils.createDoubleConverter(2));
        g2.setTransformDoubleConverter(SVGUtils.createDoubleConverter(3));
        chart.draw(g2, new Rectangle(0, 0, width, height));
        return g2;
    }

    /** A number format that does not depend on the default locale. */
    static DecimalFormat number(String pattern) {
        return new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT));
    }

    /** The shared look; returns the chart. */
    /**
     * Grouped bars close together, each labelled with its value ({@code label} a {@link
     * StandardCategoryItemLabelGenerator} pattern, e.g. {@code "{2}%"}; {@code pattern} the
     * number's).
     */
    static void labelBars(
            org.jfree.chart.renderer.category.BarRenderer r, String label, String pattern) {
        r.setItemMargin(0.05);
        r.setDefaultItemLabelGenerator(
                new org.jfree.chart.labels.StandardCategoryItemLabelGenerator(
                        label, number(pattern)));
        r.setDefaultItemLabelsVisible(true);
        r.setDefaultItemLabelFont(
                new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
        r.setDefaultItemLabelPaint(java.awt.Color.BLACK);
    }

    /**
     * Vertical grouped bars with a legend in the shared look, series coloured in order, each bar
     * labelled with its value ({@code pattern} the number's).
     */
    static JFreeChart verticalBars(
            String title,
            String categoryAxis,
            String valueAxis,
            CategoryDataset data,
            String pattern,
            Color... series) {
        JFreeChart chart =
                style(
                        ChartFactory.createBarChart(
                                title,
                                categoryAxis,
                                valueAxis,
                                data,
                                PlotOrientation.VERTICAL,
                                true,
                                false,
                                false));
        BarRenderer r = (BarRenderer) chart.getCategoryPlot().getRenderer();
        for (int i = 0; i < series.length; i++) {
            r.setSeriesPaint(i, series[i]);
        }
        labelBars(r, "{2}", pattern);
        return chart;
    }

    /** A line chart (x to the right, a legend) in the shared look. */
    static JFreeChart lines(String title, String xAxis, String yAxis, XYDataset data) {
        return style(
                ChartFactory.createXYLineChart(
                        title, xAxis, yAxis, data, PlotOrientation.VERTICAL, true, false, false));
    }

    /** The y axis of a percentage from 0 to {@code top}, its numbers without a locale. */
    static NumberAxis percentAxis(XYPlot plot, double top) {
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setRange(0, top);
        y.setNumberFormatOverride(number("0.##"));
        return y;
    }

    /** A dashed line {@code width} wide: {@code on} drawn, {@code off} left out. */
    static BasicStroke dashed(float width, float on, float off) {
        return new BasicStroke(
                width,
                BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER,
                10f,
                new float[] {on, off},
                0f);
    }

    /**
     * Labels {@code marker} with {@code text} in small type on no background, at {@code anchor} of
     * the marker ({@code textAnchor} the text's own point there), moved by {@code offset}.
     */
    static ValueMarker label(
            ValueMarker marker,
            String text,
            RectangleAnchor anchor,
            TextAnchor textAnchor,
            RectangleInsets offset) {
        marker.setLabel(text);
        marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        marker.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        marker.setLabelAnchor(anchor);
        marker.setLabelTextAnchor(textAnchor);
        marker.setLabelOffset(offset);
        return marker;
    }

    static JFreeChart style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        if (chart.getTitle() != null) {
            chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        }
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            chart.getLegend().setFrame(new org.jfree.chart.block.BlockBorder(Color.WHITE));
        }
        Plot plot = chart.getPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(Color.BLACK);
        if (plot instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(GRID);
            xy.setRangeGridlinePaint(GRID);
            xy.setDomainGridlineStroke(new BasicStroke(1f));
            xy.setRangeGridlineStroke(new BasicStroke(1f));
        } else if (plot instanceof CategoryPlot cat) {
            cat.setRangeGridlinePaint(GRID);
            cat.setRangeGridlineStroke(new BasicStroke(1f));
            if (cat.getRenderer() instanceof BarRenderer bars) {
                bars.setBarPainter(new StandardBarPainter());
                bars.setShadowVisible(false);
                bars.setDrawBarOutline(false);
            }
        }
        return chart;
    }
}
