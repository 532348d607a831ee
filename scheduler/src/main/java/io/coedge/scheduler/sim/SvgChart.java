package io.coedge.scheduler.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Minimal SVG line and bar charts, enough for the report; no chart library. */
public final class SvgChart {

    /** One line: points (x[i], y[i]). */
    public record Series(String label, double[] x, double[] y) {
    }

    private static final String[] COLORS = {
        "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"};
    private static final int W = 900;
    private static final int H = 520;
    private static final int LEFT = 70;
    private static final int RIGHT = 250;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private SvgChart() {
    }

    public static String lines(String title, String xLabel, String yLabel, List<Series> series, boolean logX, double yMax) {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double v : s.x()) {
                xMin = Math.min(xMin, v);
                xMax = Math.max(xMax, v);
            }
        }
        if (xMin == xMax) {
            xMax = xMin + 1;
        }
        StringBuilder sb = header(title);
        axes(sb, xLabel, yLabel, xMin, xMax, yMax, logX);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String color = COLORS[i % COLORS.length];
            String dash = i == 0 ? "" : (i / COLORS.length > 0 || i % 3 == 0 ? "" : " stroke-dasharray=\"" + (i % 3 == 1 ? "6,3" : "2,3") + "\"");
            StringBuilder pts = new StringBuilder();
            for (int k = 0; k < s.x().length; k++) {
                pts.append(fmt(px(s.x()[k], xMin, xMax, logX))).append(',').append(fmt(py(s.y()[k], yMax))).append(' ');
            }
            sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"").append(i == 0 ? 3 : 1.5)
                    .append('"').append(dash).append(" points=\"").append(pts.toString().trim()).append("\"/>\n");
            int ly = TOP + 14 + i * 18;
            sb.append("<line x1=\"").append(W - RIGHT + 15).append("\" y1=\"").append(ly - 4).append("\" x2=\"").append(W - RIGHT + 45)
                    .append("\" y2=\"").append(ly - 4).append("\" stroke=\"").append(color).append("\" stroke-width=\"").append(i == 0 ? 3 : 1.5)
                    .append('"').append(dash).append("/>\n");
            sb.append(text(W - RIGHT + 50, ly, escape(s.label()), "start", 12));
        }
        return sb.append("</svg>\n").toString();
    }

    public static String bars(String title, String yLabel, List<String> labels, double[] values, double yMax) {
        StringBuilder sb = header(title);
        int plotW = W - LEFT - 40;
        int plotH = H - TOP - BOTTOM - 80;
        sb.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(TOP + plotH).append("\" x2=\"").append(LEFT + plotW)
                .append("\" y2=\"").append(TOP + plotH).append("\" stroke=\"black\"/>\n");
        for (int t = 0; t <= 5; t++) {
            double v = yMax * t / 5;
            double y = TOP + plotH - plotH * v / yMax;
            sb.append(text(LEFT - 8, y + 4, fmtValue(v), "end", 11));
            sb.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(fmt(y)).append("\" x2=\"").append(LEFT + plotW)
                    .append("\" y2=\"").append(fmt(y)).append("\" stroke=\"#ddd\"/>\n");
        }
        double slot = (double) plotW / Math.max(1, values.length);
        for (int i = 0; i < values.length; i++) {
            double h = plotH * Math.min(values[i], yMax) / yMax;
            double x = LEFT + i * slot + slot * 0.15;
            sb.append("<rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(TOP + plotH - h)).append("\" width=\"").append(fmt(slot * 0.7))
                    .append("\" height=\"").append(fmt(h)).append("\" fill=\"").append(i == 0 ? COLORS[0] : COLORS[1]).append("\"/>\n");
            double cx = x + slot * 0.35;
            sb.append("<text x=\"").append(fmt(cx)).append("\" y=\"").append(TOP + plotH + 12)
                    .append("\" font-size=\"11\" font-family=\"sans-serif\" text-anchor=\"end\" transform=\"rotate(-45 ")
                    .append(fmt(cx)).append(' ').append(TOP + plotH + 12).append(")\">").append(escape(labels.get(i))).append("</text>\n");
            sb.append(text(cx, TOP + plotH - h - 4, fmtValue(values[i]), "middle", 10));
        }
        sb.append(text(18, TOP + plotH / 2.0, escape(yLabel), "middle", 13, "rotate(-90 18 " + fmt(TOP + plotH / 2.0) + ")"));
        return sb.append("</svg>\n").toString();
    }

    private static StringBuilder header(String title) {
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H)
                .append("\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\">\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(text(W / 2.0, 24, escape(title), "middle", 16));
        return sb;
    }

    private static void axes(StringBuilder sb, String xLabel, String yLabel, double xMin, double xMax, double yMax, boolean logX) {
        int x0 = LEFT;
        int x1 = W - RIGHT;
        int y0 = H - BOTTOM;
        sb.append("<rect x=\"").append(x0).append("\" y=\"").append(TOP).append("\" width=\"").append(x1 - x0).append("\" height=\"")
                .append(y0 - TOP).append("\" fill=\"none\" stroke=\"black\"/>\n");
        for (int t = 0; t <= 5; t++) {
            double v = yMax * t / 5;
            double y = py(v, yMax);
            sb.append("<line x1=\"").append(x0).append("\" y1=\"").append(fmt(y)).append("\" x2=\"").append(x1).append("\" y2=\"")
                    .append(fmt(y)).append("\" stroke=\"#ddd\"/>\n");
            sb.append(text(x0 - 6, y + 4, fmtValue(v), "end", 11));
        }
        List<Double> ticks = new ArrayList<>();
        if (logX) {
            for (double d = Math.pow(10, Math.floor(Math.log10(xMin))); d <= xMax * 1.0001; d *= 10) {
                for (double m : new double[] {1, 2, 5}) {
                    if (d * m >= xMin * 0.9999 && d * m <= xMax * 1.0001) {
                        ticks.add(d * m);
                    }
                }
            }
        } else {
            for (int t = 0; t <= 6; t++) {
                ticks.add(xMin + (xMax - xMin) * t / 6);
            }
        }
        for (double v : ticks) {
            double x = px(v, xMin, xMax, logX);
            sb.append("<line x1=\"").append(fmt(x)).append("\" y1=\"").append(y0).append("\" x2=\"").append(fmt(x)).append("\" y2=\"")
                    .append(y0 + 5).append("\" stroke=\"black\"/>\n");
            sb.append(text(x, y0 + 18, fmtValue(v), "middle", 11));
        }
        sb.append(text((x0 + x1) / 2.0, H - 15, escape(xLabel), "middle", 13));
        sb.append(text(18, (TOP + y0) / 2.0, escape(yLabel), "middle", 13, "rotate(-90 18 " + fmt((TOP + y0) / 2.0) + ")"));
    }

    private static double px(double v, double min, double max, boolean log) {
        double f = log ? (Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min)) : (v - min) / (max - min);
        return LEFT + f * (W - RIGHT - LEFT);
    }

    private static double py(double v, double yMax) {
        return H - BOTTOM - (H - BOTTOM - TOP) * Math.min(v, yMax) / yMax;
    }

    private static String text(double x, double y, String s, String anchor, int size) {
        return text(x, y, s, anchor, size, null);
    }

    private static String text(double x, double y, String s, String anchor, int size, String transform) {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" font-size=\"" + size + "\" font-family=\"sans-serif\" text-anchor=\""
                + anchor + "\"" + (transform == null ? "" : " transform=\"" + transform + "\"") + ">" + s + "</text>\n";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String fmtValue(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) < 1 ? "%.2f" : "%.1f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
