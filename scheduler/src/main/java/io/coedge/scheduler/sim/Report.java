package io.coedge.scheduler.sim;

import io.coedge.scheduler.batch.BatchPolicies;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.model.Assignment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs a scenario for every (dispatch, batch) pair — at every sweep point when the scenario has a
 * sweep — and writes results.csv, nodes.csv, batches.csv, summary.md, timeline.csv and moves.csv;
 * {@link #charts} returns the data of the report's charts, which the command line draws.
 */
public final class Report {

    /** One run: the sweep value (NaN without a sweep) and its result. */
    public record Row(double point, SimResult result) {}

    /** Receives a line per finished run (for a progress display). */
    @FunctionalInterface
    public interface RunListener {
        void finished(int done, int total, Row row);
    }

    private Report() {}

    public static SimResult runPair(
            Scenario scenario, String dispatch, String batch, ProgressListener progress) {
        return new Simulator(
                        scenario,
                        DispatchPolicies.byName(dispatch),
                        scenario.batching().policy(batch))
                .run(progress == null ? ProgressListener.NONE : progress);
    }

    /**
     * Every pair at every point, dispatch-major, in {@link DispatchPolicies#NAMES} x {@link
     * BatchPolicies#NAMES} order.
     */
    public static List<Row> runAll(Scenario scenario, RunListener listener) {
        List<Double> points =
                scenario.sweep() == null ? List.of(Double.NaN) : scenario.sweep().values();
        int total = points.size() * DispatchPolicies.NAMES.size() * BatchPolicies.NAMES.size();
        List<Row> rows = new ArrayList<>();
        for (double point : points) {
            Scenario s = Double.isNaN(point) ? scenario : scenario.atSweepPoint(point);
            for (String d : DispatchPolicies.NAMES) {
                for (String b : BatchPolicies.NAMES) {
                    Row row = new Row(point, runPair(s, d, b, ProgressListener.NONE));
                    rows.add(row);
                    listener.finished(rows.size(), total, row);
                }
            }
        }
        return rows;
    }

    public static void write(Path dir, Scenario scenario, List<Row> rows) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("results.csv"), resultsCsv(rows));
            Files.writeString(dir.resolve("nodes.csv"), nodesCsv(rows));
            Files.writeString(dir.resolve("batches.csv"), batchesCsv(rows));
            Files.writeString(dir.resolve("summary.md"), summary(scenario, rows));
            Files.writeString(dir.resolve("timeline.csv"), timelineCsv(rows));
            Files.writeString(dir.resolve("moves.csv"), movesCsv(rows));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The report's charts: DMR against the sweep (dmr-vs-bandwidth.svg or dmr-vs-load.svg) or,
     * without a sweep, DMR bars per pair (dmr.svg); the latency CDF (latency-cdf.svg) and DMR over
     * time (dmr-over-time.svg), both at the sweep's middle point. One series per pair,
     * coedge/coedge first.
     */
    public static List<Chart> charts(Scenario scenario, List<Row> rows) {
        List<Chart> charts = new ArrayList<>();
        if (scenario.sweep() != null) {
            charts.add(
                    dmrVsPoint(
                            scenario,
                            rows,
                            scenario.sweep().parameter().equals(Scenario.Sweep.BANDWIDTH)));
        } else {
            charts.add(dmrBars(scenario, rows));
        }
        charts.add(latencyCdf(scenario, rows));
        charts.add(dmrOverTime(scenario, rows));
        return charts;
    }

    public static String resultsCsv(List<Row> rows) {
        StringBuilder sb =
                new StringBuilder(
                        "scenario,point,dispatch,batch,frames,ok,late,dropped,dmr,p50_ms,p95_ms,p99_ms,throughput_fps,goodput_fps,replans,moves\n");
        for (Row r : rows) {
            SimResult s = r.result();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%s,%s,%s,%s,%d,%d,%d,%d,%.6f,%.1f,%.1f,%.1f,%.2f,%.2f,%d,%d%n",
                            s.scenario(),
                            point(r.point()),
                            s.dispatch(),
                            s.batch(),
                            s.frames(),
                            s.ok(),
                            s.late(),
                            s.dropped(),
                            s.dmr(),
                            s.p50Millis(),
                            s.p95Millis(),
                            s.p99Millis(),
                            s.throughputFps(),
                            s.goodputFps(),
                            s.replans(),
                            s.moves()));
        }
        return sb.toString();
    }

    private static String nodesCsv(List<Row> rows) {
        StringBuilder sb =
                new StringBuilder("point,dispatch,batch,node,utilisation,tasks_at_end\n");
        for (Row r : rows) {
            SimResult s = r.result();
            Map<String, Set<String>> byNode = s.finalAssignment().tasksByNode();
            for (int n = 0; n < s.nodeNames().size(); n++) {
                String node = s.nodeNames().get(n);
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "%s,%s,%s,%s,%.4f,%d%n",
                                point(r.point()),
                                s.dispatch(),
                                s.batch(),
                                node,
                                s.nodeUtilisation().get(n),
                                byNode.getOrDefault(node, Set.of()).size()));
            }
        }
        return sb.toString();
    }

    /**
     * Per pair and window: frames, misses, DMR, and each node's accelerator load (one column per
     * node).
     */
    static String timelineCsv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("point,dispatch,batch,t_s,frames,misses,dmr_pct");
        List<String> nodes = rows.isEmpty() ? List.of() : rows.get(0).result().series().nodes();
        nodes.forEach(n -> sb.append(",load_").append(n));
        sb.append('\n');
        for (Row r : rows) {
            SimResult.Series t = r.result().series();
            for (int w = 0; w < t.frames().length; w++) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "%s,%s,%s,%.1f,%d,%d,%.3f",
                                point(r.point()),
                                r.result().dispatch(),
                                r.result().batch(),
                                w * t.windowMicros() / 1e6,
                                t.frames()[w],
                                t.misses()[w],
                                t.dmr(w) * 100));
                for (int n = 0; n < t.nodeLoad().length; n++) {
                    sb.append(String.format(Locale.ROOT, ",%.3f", t.nodeLoad()[n][w]));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /** Every task move after the first plan: when, which pair, which task, from where to where. */
    static String movesCsv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("point,dispatch,batch,t_s,task,from,to\n");
        for (Row r : rows) {
            for (SimResult.Move m : r.result().series().moves()) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "%s,%s,%s,%.3f,%s,%s,%s%n",
                                point(r.point()),
                                r.result().dispatch(),
                                r.result().batch(),
                                m.atMicros() / 1e6,
                                m.task(),
                                m.from(),
                                m.to()));
            }
        }
        return sb.toString();
    }

    /** DMR per window for every pair (at the sweep's middle point). */
    private static Chart dmrOverTime(Scenario scenario, List<Row> rows) {
        double at = rows.get(0).point();
        if (scenario.sweep() != null) {
            List<Double> pts = scenario.sweep().values();
            at = pts.get(pts.size() / 2);
        }
        final double point = at;
        List<Chart.Series> series = new ArrayList<>();
        for (String pair : pairsCoedgeFirst(rows)) {
            rows.stream()
                    .filter(
                            r ->
                                    (Double.isNaN(point)
                                                    ? Double.isNaN(r.point())
                                                    : r.point() == point)
                                            && r.result().pair().equals(pair))
                    .findFirst()
                    .ifPresent(
                            r -> {
                                SimResult.Series t = r.result().series();
                                double[] x = new double[t.frames().length];
                                double[] y = new double[t.frames().length];
                                for (int w = 0; w < x.length; w++) {
                                    x[w] = w * t.windowMicros() / 1e6;
                                    y[w] = t.dmr(w) * 100;
                                }
                                series.add(new Chart.Series(pair, x, y));
                            });
        }
        return new Chart(
                "dmr-over-time.svg",
                Chart.Kind.LINES,
                scenario.name()
                        + ": deadline-miss rate over time"
                        + (Double.isNaN(point) ? "" : " at " + point(point)),
                "capture time (s)",
                "deadline-miss rate (%)",
                series,
                false,
                100);
    }

    private static String batchesCsv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("point,dispatch,batch,batch_size,batches\n");
        for (Row r : rows) {
            SimResult s = r.result();
            for (int b = 1; b < s.batchHistogram().size(); b++) {
                if (s.batchHistogram().get(b) > 0) {
                    sb.append(
                            String.format(
                                    Locale.ROOT,
                                    "%s,%s,%s,%d,%d%n",
                                    point(r.point()),
                                    s.dispatch(),
                                    s.batch(),
                                    b,
                                    s.batchHistogram().get(b)));
                }
            }
        }
        return sb.toString();
    }

    public static String summary(Scenario scenario, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Simulation report: ").append(scenario.name()).append("\n\n");
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Duration %.0f s simulated, seed %d, %d nodes, %d tasks, %.0f frames/s nominal, execution noise %.0f%%.%n%n",
                        scenario.durationMicros() / 1e6,
                        scenario.seed(),
                        scenario.nodes().size(),
                        scenario.tasks().size(),
                        scenario.nominalFrameRate(),
                        scenario.execNoise() * 100));
        if (scenario.execSlow().share() > 0) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "Slow runs: %.1f%% of batches x %.2f.%n%n",
                            scenario.execSlow().share() * 100,
                            scenario.execSlow().factor()));
        }
        Scenario.Pipeline pipe = scenario.pipeline();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Pipeline: overhead per call %.1f ms + %.1f ms per frame before, %.1f ms per frame after"
                                + "%s; statuses every %.1f s; re-plans at most every %.1f s, a moved task dwells %.1f s.%n%n",
                        pipe.overhead().batchMicros() / 1e3,
                        pipe.overhead().frameMicros() / 1e3,
                        pipe.overhead().postFrameMicros() / 1e3,
                        pipe.nodeOverheads().isEmpty()
                                ? ""
                                : " (" + pipe.nodeOverheads().size() + " nodes their own)",
                        pipe.statusIntervalMicros() / 1e6,
                        pipe.replan().replanIntervalMicros() / 1e6,
                        pipe.replan().dwellMicros() / 1e6));
        if (scenario.sweep() != null) {
            sb.append("## Deadline-miss rate (%) by ")
                    .append(scenario.sweep().parameter())
                    .append("\n\n| pair |");
            List<Double> pts = scenario.sweep().values();
            pts.forEach(p -> sb.append(' ').append(point(p)).append(" |"));
            sb.append("\n|---|").append("---:|".repeat(pts.size())).append('\n');
            for (String pair : pairs(rows)) {
                sb.append("| ").append(pair).append(" |");
                for (double p : pts) {
                    rows.stream()
                            .filter(r -> r.point() == p && r.result().pair().equals(pair))
                            .findFirst()
                            .ifPresent(
                                    r ->
                                            sb.append(
                                                    String.format(
                                                            Locale.ROOT,
                                                            " %.2f |",
                                                            r.result().dmr() * 100)));
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        sb.append(
                "## Every run\n\n| point | pair | frames | OK | LATE | DROPPED | DMR % | p50 ms | p95 ms | p99 ms | throughput fps | goodput fps |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            SimResult s = r.result();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %d | %d | %d | %d | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
                            point(r.point()),
                            s.pair(),
                            s.frames(),
                            s.ok(),
                            s.late(),
                            s.dropped(),
                            s.dmr() * 100,
                            s.p50Millis(),
                            s.p95Millis(),
                            s.p99Millis(),
                            s.throughputFps(),
                            s.goodputFps()));
        }
        sb.append("\n## Initial assignment per dispatch policy");
        double first = rows.get(0).point();
        if (!Double.isNaN(first)) {
            sb.append(" (at ")
                    .append(scenario.sweep().parameter())
                    .append(" = ")
                    .append(point(first))
                    .append(')');
        }
        sb.append("\n\n");
        Map<String, Assignment> byDispatch = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.point() == first || (Double.isNaN(first) && Double.isNaN(r.point()))) {
                byDispatch.putIfAbsent(r.result().dispatch(), r.result().initialAssignment());
            }
        }
        if (scenario.tasks().size() <= 40) {
            sb.append("| node |");
            byDispatch.keySet().forEach(d -> sb.append(' ').append(d).append(" |"));
            sb.append("\n|---|").append("---|".repeat(byDispatch.size())).append('\n');
            for (var node : scenario.nodes()) {
                sb.append("| ").append(node.name()).append(" |");
                for (Assignment a : byDispatch.values()) {
                    sb.append(' ')
                            .append(
                                    String.join(
                                            ", ",
                                            a.tasksByNode().getOrDefault(node.name(), Set.of())))
                            .append(" |");
                }
                sb.append('\n');
            }
        } else {
            sb.append("| dispatch | tasks placed off their origin |\n|---|---:|\n");
            for (var e : byDispatch.entrySet()) {
                long away =
                        scenario.tasks().stream()
                                .filter(
                                        t ->
                                                !t.task()
                                                        .origin()
                                                        .equals(e.getValue().nodeOf(t.task().id())))
                                .count();
                sb.append("| ")
                        .append(e.getKey())
                        .append(" | ")
                        .append(away)
                        .append(" of ")
                        .append(scenario.tasks().size())
                        .append(" |\n");
            }
        }
        sb.append(
                "\nPer-node utilisation: nodes.csv. Batch-size histograms: batches.csv. Charts: *.svg.\n");
        return sb.toString();
    }

    private static List<String> pairs(List<Row> rows) {
        return rows.stream().map(r -> r.result().pair()).distinct().toList();
    }

    /** coedge/coedge first so it is drawn boldest. */
    private static List<String> pairsCoedgeFirst(List<Row> rows) {
        List<String> out = new ArrayList<>(pairs(rows));
        if (out.remove("coedge/coedge")) {
            out.add(0, "coedge/coedge");
        }
        return out;
    }

    private static Chart dmrVsPoint(Scenario scenario, List<Row> rows, boolean bandwidth) {
        List<Chart.Series> series = new ArrayList<>();
        List<Double> pts = scenario.sweep().values();
        for (String pair : pairsCoedgeFirst(rows)) {
            double[] x = new double[pts.size()];
            double[] y = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                double p = pts.get(i);
                x[i] = p;
                y[i] =
                        rows.stream()
                                .filter(r -> r.point() == p && r.result().pair().equals(pair))
                                .findFirst()
                                .map(r -> r.result().dmr() * 100)
                                .orElse(0.0);
            }
            series.add(new Chart.Series(pair, x, y));
        }
        return new Chart(
                bandwidth ? "dmr-vs-bandwidth.svg" : "dmr-vs-load.svg",
                Chart.Kind.LINES,
                scenario.name() + ": deadline-miss rate vs " + (bandwidth ? "bandwidth" : "load"),
                bandwidth ? "link bandwidth (Mbit/s, log scale)" : "load (x nominal frame rate)",
                "deadline-miss rate (%)",
                series,
                bandwidth,
                100);
    }

    private static Chart dmrBars(Scenario scenario, List<Row> rows) {
        List<Chart.Series> series = new ArrayList<>();
        for (String pair : pairsCoedgeFirst(rows)) {
            double dmr =
                    rows.stream()
                            .filter(r -> r.result().pair().equals(pair))
                            .findFirst()
                            .map(r -> r.result().dmr() * 100)
                            .orElse(0.0);
            series.add(new Chart.Series(pair, new double[] {series.size()}, new double[] {dmr}));
        }
        return new Chart(
                "dmr.svg",
                Chart.Kind.BARS,
                scenario.name() + ": deadline-miss rate per (dispatch/batch) pair",
                "(dispatch/batch) pair",
                "deadline-miss rate (%)",
                series,
                false,
                100);
    }

    /** CDF of completed-frame latency per pair, at the sweep's middle point. */
    private static Chart latencyCdf(Scenario scenario, List<Row> rows) {
        double at = rows.get(0).point();
        if (scenario.sweep() != null) {
            List<Double> pts = scenario.sweep().values();
            at = pts.get(pts.size() / 2);
        }
        final double point = at;
        double xMax = 0;
        List<Row> chosen =
                rows.stream()
                        .filter(
                                r ->
                                        Double.isNaN(point)
                                                ? Double.isNaN(r.point())
                                                : r.point() == point)
                        .toList();
        for (Row r : chosen) {
            xMax = Math.max(xMax, r.result().p99Millis());
        }
        xMax = Math.max(1, xMax * 1.2);
        List<Chart.Series> series = new ArrayList<>();
        for (String pair : pairsCoedgeFirst(chosen)) {
            Row r =
                    chosen.stream()
                            .filter(x -> x.result().pair().equals(pair))
                            .findFirst()
                            .orElseThrow();
            int n = 80;
            double[] x = new double[n + 1];
            double[] y = new double[n + 1];
            for (int i = 0; i <= n; i++) {
                x[i] = xMax * i / n;
                y[i] = r.result().latency().fractionAtOrBelow(Math.round(x[i] * 1000)) * 100;
            }
            series.add(new Chart.Series(pair, x, y));
        }
        String title =
                scenario.name()
                        + ": latency CDF of completed frames"
                        + (Double.isNaN(point) ? "" : " at " + point(point));
        return new Chart(
                "latency-cdf.svg",
                Chart.Kind.LINES,
                title,
                "end-to-end latency (ms)",
                "completed frames at or below (%)",
                series,
                false,
                100);
    }

    private static String point(double p) {
        if (Double.isNaN(p)) {
            return "-";
        }
        return p == Math.rint(p) ? String.valueOf((long) p) : String.format(Locale.ROOT, "%s", p);
    }
}
