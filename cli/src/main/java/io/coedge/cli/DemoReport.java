package io.coedge.cli;

import io.coedge.kafka.results.ResultsTable;
import io.coedge.format.NodeStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The demo's final report: one self-contained HTML page with the table and two bar charts. */
final class DemoReport {
  private DemoReport() {}

  static Path write(Path dir, String title, List<ResultsTable.Row> rows, Map<String, NodeStatus> nodes, String summary)
      throws IOException {
    Files.createDirectories(dir);
    StringBuilder html = new StringBuilder();
    html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>")
        .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#eee}"
            + "td:first-child{text-align:left}</style></head><body>")
        .append("<h1>").append(esc(title)).append("</h1><p>").append(esc(summary)).append("</p>")
        .append("<h2>Per task</h2><table><tr><th>task</th><th>frames</th><th>OK</th><th>LATE</th><th>DROPPED</th>"
            + "<th>ERROR</th><th>DMR %</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>fps</th><th>mean batch</th></tr>");
    for (ResultsTable.Row r : rows) {
      html.append(String.format(Locale.ROOT,
          "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%.2f</td><td>%d</td><td>%d</td>"
              + "<td>%d</td><td>%.1f</td><td>%.2f</td></tr>",
          esc(r.task()), r.frames(), r.ok(), r.late(), r.dropped(), r.error(), r.missRate() * 100, r.p50Ms(), r.p95Ms(),
          r.p99Ms(), r.throughputFps(), r.meanBatch()));
    }
    html.append("</table>");
    html.append("<h2>Deadline-miss rate per task</h2>").append(bars(rows, true));
    html.append("<h2>Latency per task (p50 dark, p99 light), ms</h2>").append(bars(rows, false));
    html.append("<h2>Nodes</h2><table><tr><th>node</th><th>healthy</th><th>device</th><th>load</th><th>queued</th></tr>");
    nodes.forEach((id, s) -> html.append(String.format(Locale.ROOT,
        "<tr><td>%s</td><td>%s</td><td>%s</td><td>%.2f</td><td>%d</td></tr>", esc(id), s.healthy(), esc(s.device()),
        s.load(), s.queuedFrames())));
    html.append("</table></body></html>\n");
    Path file = dir.resolve("report.html");
    Files.writeString(file, html);
    return file;
  }

  private static String bars(List<ResultsTable.Row> rows, boolean missRate) {
    int rowHeight = 26;
    int width = 640;
    int label = 160;
    double max = 1e-9;
    for (ResultsTable.Row r : rows) {
      max = Math.max(max, missRate ? r.missRate() : r.p99Ms());
    }
    if (missRate) {
      max = Math.max(max, 0.1);
    }
    StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-size=\"12\">", width + 80,
        rows.size() * rowHeight + 10));
    for (int i = 0; i < rows.size(); i++) {
      ResultsTable.Row r = rows.get(i);
      int y = 5 + i * rowHeight;
      svg.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"%d\">%s</text>", y + 15, esc(r.task())));
      if (missRate) {
        double w = (width - label) * r.missRate() / max;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#c0392b\"/>"
            + "<text x=\"%.1f\" y=\"%d\">%.2f%%</text>", label, y, w, label + w + 4, y + 14, r.missRate() * 100));
      } else {
        double w99 = (width - label) * r.p99Ms() / max;
        double w50 = (width - label) * r.p50Ms() / max;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#aed6f1\"/>"
            + "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#2874a6\"/>"
            + "<text x=\"%.1f\" y=\"%d\">%d / %d</text>", label, y, w99, label, y, w50, label + w99 + 4, y + 14,
            r.p50Ms(), r.p99Ms()));
      }
    }
    return svg.append("</svg>").toString();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
