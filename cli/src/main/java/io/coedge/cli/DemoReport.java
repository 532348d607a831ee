package io.coedge.cli;

import io.coedge.cli.charts.DemoCharts;
import io.coedge.format.NodeStatus;
import io.coedge.kafka.live.LiveState;
import io.coedge.kafka.results.ResultsTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's final report: one self-contained HTML page with the table, bar charts, the
 * deadline-miss rate and latency over time, where each task ran, and a strip of frames per task
 * with their results drawn on them.
 */
final class DemoReport {
    private DemoReport() {}

    static Path write(
            Path dir,
            String title,
            List<ResultsTable.Row> rows,
            Map<String, NodeStatus> nodes,
            String summary,
            LiveState live)
            throws IOException {
        Files.createDirectories(dir);
        StringBuilder html = new StringBuilder();
        html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
                .append(esc(title))
                .append("</title>")
                .append(
                        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                                + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#eee}"
                                + "td:first-child{text-align:left}.strip{display:flex;flex-wrap:wrap;gap:8px}"
                                + "figure{margin:0;font-size:12px}</style></head><body>")
                .append("<h1>")
                .append(esc(title))
                .append("</h1><p>")
                .append(esc(summary))
                .append("</p>")
                .append(
                        "<h2>Per task</h2><table><tr><th>task</th><th>frames</th><th>OK</th><th>LATE</th><th>DROPPED</th>"
                                + "<th>ERROR</th><th>DMR %</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>fps</th><th>mean batch</th></tr>");
        for (ResultsTable.Row r : rows) {
            html.append(
                    String.format(
                            Locale.ROOT,
                            "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%.2f</td><td>%d</td><td>%d</td>"
                                    + "<td>%d</td><td>%.1f</td><td>%.2f</td></tr>",
                            esc(r.task()),
                            r.frames(),
                            r.ok(),
                            r.late(),
                            r.dropped(),
                            r.error(),
                            r.missRate() * 100,
                            r.p50Ms(),
                            r.p95Ms(),
                            r.p99Ms(),
                            r.throughputFps(),
                            r.meanBatch()));
        }
        html.append("</table>");
        html.append("<h2>Deadline-miss rate per task</h2>").append(DemoCharts.missRate(rows));
        html.append("<h2>Latency per task (p50, p99), ms</h2>").append(DemoCharts.latency(rows));
        if (live != null) {
            LiveState.Snapshot snap = live.snapshot(System.currentTimeMillis());
            if (!snap.series().isEmpty()) {
                html.append("<h2>Deadline-miss rate over time</h2>")
                        .append(
                                DemoCharts.overTime(
                                        snap.series(),
                                        p -> p.missRate() * 100,
                                        "deadline-miss rate (%)",
                                        "dmr-time"))
                        .append("<h2>Latency over time (p50 per second), ms</h2>")
                        .append(
                                DemoCharts.overTime(
                                        snap.series(),
                                        p -> p.p50Ms(),
                                        "p50 latency (ms)",
                                        "lat-time"))
                        .append("<h2>Where each task ran</h2>")
                        .append(ReportFigures.assignment(snap.assignment(), snap.moves()));
            }
            live.strips()
                    .forEach(
                            (task, stills) ->
                                    html.append("<h2>Frames of ")
                                            .append(esc(task))
                                            .append("</h2>")
                                            .append(ReportFigures.strip(stills)));
        }
        html.append(
                "<h2>Nodes</h2><table><tr><th>node</th><th>healthy</th><th>device</th><th>load</th><th>queued</th></tr>");
        nodes.forEach(
                (id, s) ->
                        html.append(
                                String.format(
                                        Locale.ROOT,
                                        "<tr><td>%s</td><td>%s</td><td>%s</td><td>%.2f</td><td>%d</td></tr>",
                                        esc(id),
                                        s.healthy(),
                                        esc(s.device()),
                                        s.load(),
                                        s.queuedFrames())));
        html.append("</table></body></html>\n");
        Path file = dir.resolve("report.html");
        Files.writeString(file, html);
        return file;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
