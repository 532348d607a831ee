package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.cli.charts.SvgText;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimCommandTest {

    /** Tests run in cli/; the shipped scenarios are in scheduler/. */
    private static final String PAPER = "../scheduler/scenarios/paper.yaml";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new SimCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd.execute(args);
    }

    @Test
    void oneRunPrintsItsMetricsAndWritesItsFiles(@TempDir Path dir) throws IOException {
        int code =
                run(
                        "--scenario",
                        PAPER,
                        "--dispatch",
                        "coedge",
                        "--batch",
                        "clockwork",
                        "--quiet",
                        "--out",
                        dir.toString());

        assertThat(code).isZero();
        assertThat(out.toString())
                .startsWith("paper coedge/clockwork: frames ")
                .contains("DMR ", "p99 ");
        assertThat(listing(dir))
                .containsExactly(
                        "batches.csv",
                        "dmr-over-time.svg",
                        "dmr.svg",
                        "latency-cdf.svg",
                        "moves.csv",
                        "nodes.csv",
                        "results.csv",
                        "summary.md",
                        "timeline.csv");
        List<String> timeline = Files.readAllLines(dir.resolve("timeline.csv"));
        assertThat(timeline.get(0))
                .isEqualTo(
                        "point,dispatch,batch,t_s,frames,misses,dmr_pct,load_node1,load_node2,load_node3");
        assertThat(timeline).as("a row per second of the 60 s run").hasSize(61);
    }

    @Test
    void aReportCoversEveryPolicyPairWithChartsAndSummary(@TempDir Path dir) throws IOException {
        int code = run("--scenario", PAPER, "--report", dir.toString(), "--seed", "3");

        assertThat(code).isZero();
        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        assertThat(csv).hasSize(16);
        assertThat(
                        csv.stream()
                                .skip(1)
                                .map(l -> l.split(",")[2] + "/" + l.split(",")[3])
                                .distinct())
                .hasSize(15);
        for (String chart : List.of("dmr.svg", "latency-cdf.svg", "dmr-over-time.svg")) {
            assertThat(SvgText.texts(Files.readString(dir.resolve(chart))))
                    .as(chart)
                    .contains("coedge/coedge", "no-offloading/fifo", "naive-global/clockwork")
                    .anySatisfy(t -> assertThat(t).startsWith("paper: "));
        }
        assertThat(Files.readString(dir.resolve("summary.md")))
                .contains("| node | no-offloading | naive-global | coedge |");
        assertThat(err.toString()).contains("[15/15]");
    }

    @Test
    void aBrokenScenarioIsReportedWithFileAndFieldAndExitCode2(@TempDir Path dir)
            throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "durationS: ten\n");

        int code = run("--scenario", bad.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("bad.yaml: durationS: must be a number, was 'ten'");
    }

    @Test
    void anUnknownPolicyIsRejected() {
        int code = run("--scenario", PAPER, "--batch", "magic");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown batch policy 'magic'");
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
