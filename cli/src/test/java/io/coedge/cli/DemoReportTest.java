package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.cli.charts.SvgText;
import io.coedge.kafka.results.ResultsTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

        Path file = DemoReport.write(dir, "CoEdge demo", rows, Map.of(), "2 tasks");

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
}
