package io.coedge.scheduler.sim;

import java.util.List;

/**
 * What one report chart shows: the simulator returns this data and the command line draws it
 * ({@code io.coedge.cli.charts.SimCharts}), so that no chart library reaches the job jar, which
 * depends on this module.
 *
 * @param file the file name the chart is written to, e.g. {@code dmr-vs-load.svg}
 * @param kind lines (x, y per series) or bars (one bar per series: its label and {@code y[0]})
 * @param title chart title
 * @param xLabel x-axis label with its unit (unused for bars)
 * @param yLabel y-axis label with its unit
 * @param series one per (dispatch/batch) pair, coedge/coedge first
 * @param logX logarithmic x axis
 * @param yMax upper end of the y axis
 */
public record Chart(
        String file,
        Kind kind,
        String title,
        String xLabel,
        String yLabel,
        List<Series> series,
        boolean logX,
        double yMax) {

    public enum Kind {
        LINES,
        BARS
    }

    /** One line: points (x[i], y[i]); for bars a single point. */
    public record Series(String label, double[] x, double[] y) {}

    public Chart {
        series = List.copyOf(series);
    }
}
