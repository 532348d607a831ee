package io.coedge.cli;

import io.coedge.format.FrameResult;
import io.coedge.kafka.live.LiveState;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * The report's figures that are not charts: where each task ran over time, and frames with their
 * results drawn on them (embedded as data URIs so that the report stays one file).
 */
final class ReportFigures {
    private static final String[] PALETTE = {
        "#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#0a7ea4", "#bf3989", "#57606a"
    };
    private static final int STILL_WIDTH = 320;

    private ReportFigures() {}

    /** An SVG timeline: a row per task, a bar per stretch on one node, coloured by node. */
    static String assignment(
            Map<String, List<LiveState.Segment>> assignment, Map<String, Integer> moves) {
        List<String> nodes =
                new ArrayList<>(
                        new TreeSet<>(
                                assignment.values().stream()
                                        .flatMap(List::stream)
                                        .map(LiveState.Segment::node)
                                        .toList()));
        long start =
                assignment.values().stream()
                        .flatMap(List::stream)
                        .mapToLong(LiveState.Segment::from)
                        .min()
                        .orElse(0);
        long end =
                assignment.values().stream()
                        .flatMap(List::stream)
                        .mapToLong(LiveState.Segment::to)
                        .max()
                        .orElse(start + 1);
        int width = 960;
        int left = 240;
        int row = 26;
        int height = 40 + assignment.size() * row;
        double scale = (width - left - 20) / (double) Math.max(1, end - start);
        StringBuilder svg = new StringBuilder();
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                                + " font-family=\"sans-serif\" font-size=\"12\">",
                        width,
                        height));
        int y = 6;
        for (Map.Entry<String, List<LiveState.Segment>> e : assignment.entrySet()) {
            int n = moves.getOrDefault(e.getKey(), 0);
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"4\" y=\"%d\">%s (%d move%s)</text>",
                            y + 15,
                            DemoReport.esc(e.getKey()),
                            n,
                            n == 1 ? "" : "s"));
            for (LiveState.Segment s : e.getValue()) {
                svg.append(
                        String.format(
                                Locale.ROOT,
                                "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                                        + "<title>%s on %s</title></rect>",
                                left + (s.from() - start) * scale,
                                y + 2,
                                Math.max(1, (s.to() - s.from()) * scale),
                                row - 6,
                                PALETTE[nodes.indexOf(s.node()) % PALETTE.length],
                                DemoReport.esc(e.getKey()),
                                DemoReport.esc(s.node())));
            }
            y += row;
        }
        for (int i = 0; i < nodes.size(); i++) {
            int x = left + i * 130;
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                                    + "<text x=\"%d\" y=\"%d\">%s</text>",
                            x,
                            y + 6,
                            PALETTE[i % PALETTE.length],
                            x + 14,
                            y + 15,
                            DemoReport.esc(nodes.get(i))));
        }
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f s</text></svg>",
                        width - 20,
                        y + 15,
                        (end - start) / 1000.0));
        return svg.toString();
    }

    /** A row of frames with boxes and class names drawn, each with its camera, node and status. */
    static String strip(List<LiveState.Still> stills) {
        StringBuilder html = new StringBuilder("<div class=\"strip\">");
        for (LiveState.Still s : stills) {
            String uri = annotated(s);
            if (uri == null) {
                continue;
            }
            LiveState.CameraView v = s.view();
            StringBuilder caption =
                    new StringBuilder(
                            v.camera()
                                    + " · "
                                    + (v.node() == null ? "-" : v.node())
                                    + " · "
                                    + v.status());
            for (FrameResult.ClassScore c : v.classes()) {
                caption.append(
                        String.format(Locale.ROOT, " · %s %.0f%%", c.label(), c.score() * 100));
            }
            if (v.classes().isEmpty()) {
                caption.append(" · ").append(v.detections().size()).append(" objects");
            }
            html.append("<figure><img src=\"")
                    .append(uri)
                    .append("\" alt=\"")
                    .append(DemoReport.esc(v.frameId()))
                    .append("\"><figcaption>")
                    .append(DemoReport.esc(caption.toString()))
                    .append("</figcaption></figure>");
        }
        return html.append("</div>").toString();
    }

    /** The frame scaled to {@link #STILL_WIDTH} with its boxes drawn, as a JPEG data URI. */
    static String annotated(LiveState.Still still) {
        BufferedImage source;
        try {
            source = ImageIO.read(new ByteArrayInputStream(still.image()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (source == null) {
            return null;
        }
        double k = (double) STILL_WIDTH / source.getWidth();
        int h = Math.max(1, (int) Math.round(source.getHeight() * k));
        BufferedImage out = new BufferedImage(STILL_WIDTH, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(
                RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.drawImage(source, 0, 0, STILL_WIDTH, h, null);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
        g.setStroke(new BasicStroke(2f));
        for (FrameResult.Detection d : still.view().detections()) {
            Color c = Color.decode(PALETTE[Math.floorMod(d.classId(), PALETTE.length)]);
            int x1 = (int) Math.round(d.x1() * k);
            int y1 = (int) Math.round(d.y1() * k);
            int x2 = (int) Math.round(d.x2() * k);
            int y2 = (int) Math.round(d.y2() * k);
            g.setColor(c);
            g.drawRect(x1, y1, Math.max(1, x2 - x1), Math.max(1, y2 - y1));
            String label = String.format(Locale.ROOT, "%s %.0f%%", d.label(), d.score() * 100);
            int tw = g.getFontMetrics().stringWidth(label) + 4;
            int ty = Math.max(0, y1 - 14);
            g.fillRect(x1, ty, tw, 14);
            g.setColor(Color.WHITE);
            g.drawString(label, x1 + 2, ty + 11);
        }
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(out, "jpg", bytes);
        } catch (IOException e) {
            return null;
        }
        return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
}
