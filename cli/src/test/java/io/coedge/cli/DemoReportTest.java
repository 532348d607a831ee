package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.cli.charts.SvgText;
import io.coedge.format.FrameResult;
import io.coedge.kafka.live.LiveState;
import io.coedge.kafka.results.ResultsTable;
import io.coedge.testing.TestImages;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoReportTest {

    @Test
    void thePageHasTheTableAndTwoChartsWithEveryTask(@TempDir Path dir) throws IOException {
        List<ResultsTable.Row> rows =
                List.of(
                        new ResultsTable.Row(
                                "YB1", 160, 150, 6, 4, 0, 0.0625, 120, 300, 410, 4.0, 1.8),
                        new ResultsTable.Row("WALK", 400, 400, 0, 0, 0, 0, 40, 80, 95, 10.0, 1.2));

        Path file = DemoReport.write(dir, "CoEdge demo", rows, Map.of(), "2 tasks", null);

        String html = Files.readString(file);
        assertThat(html).contains("<td>YB1</td>", "<td>WALK</td>");
        List<String> svgs = new ArrayList<>();
        Matcher m = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        while (m.find()) {
            svgs.add(m.group());
        }
        assertThat(svgs).hasSize(2);
        assertThat(SvgText.texts(svgs.get(0)))
                .contains("YB1", "WALK", "deadline-miss rate (%)", "6.25%", "0.00%");
        assertThat(SvgText.texts(svgs.get(1)))
                .contains(
                        "YB1", "WALK", "end-to-end latency (ms)", "p50", "p99", "120", "410", "95");
        assertThat(svgs.get(0))
                .as("clip-path ids of the two charts do not collide")
                .doesNotContain("id='latency");
    }

    @Test
    void thePageShowsTheRunOverTimeWhereEachTaskRanAndFramesWithTheirBoxes(@TempDir Path dir)
            throws IOException {
        LiveState live = new LiveState();
        byte[] jpeg = TestImages.solid("jpg", 640, 480, Color.DARK_GRAY);
        var car = new FrameResult.Detection("car", 2, 0.9, 100, 100, 300, 250);
        for (int i = 0; i < 30; i++) {
            String source = "coedge.frames/0@" + i;
            live.addFrame("cam-1", source, jpeg);
            FrameResult r =
                    new FrameResult(
                            "cam-1#" + i,
                            "cam-1",
                            (long) i,
                            source,
                            "YB1",
                            "m",
                            i < 15 ? "edge-1" : "edge-2",
                            "edge-1",
                            1,
                            FrameResult.Status.OK,
                            null,
                            i * 1000L,
                            null,
                            null,
                            null,
                            i * 1000L + 50,
                            50,
                            i * 1000L + 200,
                            200,
                            true,
                            List.of(car),
                            null);
            live.addResult(r);
        }
        ResultsTable table = new ResultsTable();

        String html =
                Files.readString(
                        DemoReport.write(dir, "CoEdge demo", table.rows(), Map.of(), "x", live));

        assertThat(html)
                .contains(
                        "Deadline-miss rate over time",
                        "Latency over time",
                        "YB1 (1 move)",
                        "<title>YB1 on edge-2</title>",
                        "Frames of YB1",
                        "data:image/jpeg;base64,");
        List<String> svgs = new ArrayList<>();
        Matcher m = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        while (m.find()) {
            svgs.add(m.group());
        }
        assertThat(SvgText.texts(svgs.get(2)))
                .contains("seconds since the first frame (capture time)", "YB1");
        // The drawn frame has the car's box: its border pixels are the class colour, not grey.
        Matcher img = Pattern.compile("data:image/jpeg;base64,([A-Za-z0-9+/=]+)").matcher(html);
        assertThat(img.find()).isTrue();
        BufferedImage drawn =
                ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(img.group(1))));
        int x = 50; // 100 source pixels at half scale
        int y = 60;
        Color border = new Color(drawn.getRGB(x, y));
        assertThat(border.getGreen())
                .as("car (class 2) is drawn green")
                .isGreaterThan(border.getRed() + 50);
    }
}
