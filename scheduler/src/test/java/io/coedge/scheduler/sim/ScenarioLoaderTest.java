package io.coedge.scheduler.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.scheduler.testutils.Scenarios;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScenarioLoaderTest {

    private static final String VALID =
            """
            durationS: 10
            nodes:
              - {name: node1, profiles: {m: {batch: [1, 2], latencyMs: [10, 15]}}}
              - {name: node2, profiles: {m: {batch: [1, 2], latencyMs: [10, 15]}}}
            links:
              - {between: [node1, node2], bandwidthMbps: 100, latencyMs: 2}
            tasks:
              - {id: t1, model: m, origin: node1, fps: 10, deadlineMs: 100, inputKB: 50}
            """;

    @Test
    void everyShippedScenarioLoadsWithTheSizeItPromises() {
        List<String> sizes =
                List.of(
                                "paper",
                                "bandwidth-sweep",
                                "load-sweep",
                                "city",
                                "bench-contended",
                                "hetero-tight",
                                "cloud",
                                "bursts",
                                "one-model-city")
                        .stream()
                        .map(
                                name -> {
                                    Scenario s = Scenarios.shipped(name);
                                    int cameras =
                                            s.tasks().stream()
                                                    .mapToInt(t -> t.task().cameras())
                                                    .sum();
                                    String sweep =
                                            s.sweep() == null
                                                    ? "-"
                                                    : s.sweep().parameter() + s.sweep().values();
                                    return name
                                            + ": "
                                            + s.nodes().size()
                                            + " nodes, "
                                            + cameras
                                            + " cameras, "
                                            + sweep;
                                })
                        .toList();

        assertThat(sizes)
                .containsExactly(
                        "paper: 3 nodes, 8 cameras, -",
                        "bandwidth-sweep: 3 nodes, 8 cameras, bandwidthMbps[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]",
                        "load-sweep: 3 nodes, 8 cameras, loadScale[0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]",
                        "city: 200 nodes, 4000 cameras, -",
                        "bench-contended: 3 nodes, 7 cameras, -",
                        "hetero-tight: 4 nodes, 12 cameras, -",
                        "cloud: 4 nodes, 7 cameras, -",
                        "bursts: 3 nodes, 8 cameras, -",
                        "one-model-city: 100 nodes, 2400 cameras, -");
    }

    @Test
    void everyScenarioFileLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(Path.of("scenarios"))) {
            files = listing.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }

        assertThat(files).hasSizeGreaterThanOrEqualTo(9);
        for (Path file : files) {
            assertThat(ScenarioLoader.load(file).tasks()).as(file.toString()).isNotEmpty();
        }
    }

    @Test
    void aliasesWorkAndCannotExplode() {
        String shared =
                """
                durationS: 10
                nodes:
                  - {name: node1, profiles: &p {m: {batch: [1, 2], latencyMs: [10, 15]}}}
                  - {name: node2, profiles: *p}
                tasks:
                  - {id: t1, model: m, origin: node1, fps: 10, deadlineMs: 100, inputKB: 50}
                """;
        StringBuilder laughs =
                new StringBuilder(
                        "durationS: 10\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i <= 24; i++) {
            laughs.append("l")
                    .append(i)
                    .append(": &l")
                    .append(i)
                    .append(" [*l")
                    .append(i - 1)
                    .append(", *l")
                    .append(i - 1)
                    .append("]\n");
        }

        assertThat(ScenarioLoader.parse("ok.yaml", shared).nodes().get(1).profiles()).hasSize(1);
        assertThatThrownBy(() -> ScenarioLoader.parse("bad.yaml", laughs.toString()))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining(
                        "with its aliases expanded the document holds more than 1000000 values; refused");
    }

    @Test
    void theCityIsTheSameCityEveryTime() {
        assertThat(Scenarios.shipped("city").tasks()).isEqualTo(Scenarios.shipped("city").tasks());
    }

    @Test
    void aValidFileGivesTheValuesItStates() {
        Scenario s = ScenarioLoader.parse("ok.yaml", VALID);

        assertThat(
                        List.of(
                                s.name(),
                                s.durationMicros(),
                                s.links().size(),
                                s.tasks().get(0).task().inputBytes(),
                                s.tasks().get(0).task().deadlineMicros()))
                .containsExactly("ok", 10_000_000L, 2, 51_200L, 100_000L);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "missing fps              | 'fps: 10, '                        | ''                                   | bad.yaml: tasks[0].fps: is missing (required) (line 8, column 5)",
                "unknown origin           | 'origin: node1'                    | 'origin: node9'                      | bad.yaml: tasks[0].origin: unknown node 'node9' (line 8, column 32)",
                "text where number        | 'bandwidthMbps: 100'               | 'bandwidthMbps: fast'                | bad.yaml: links[0].bandwidthMbps: must be a number, was 'fast' (line 6, column 46)",
                "quoted number            | 'bandwidthMbps: 100'               | 'bandwidthMbps: \"100\"'             | bad.yaml: links[0].bandwidthMbps: must be a number, was '100' (line 6, column 46)",
                "falling latency          | 'latencyMs: [10, 15]}}}\n  - {name: node2' | 'latencyMs: [10, 5]}}}\n  - {name: node2' | 'bad.yaml: nodes[0].profiles.m: latency must not decrease with batch size (line 3, column 33)'",
                "misspelt field           | 'deadlineMs: 100'                  | 'deadlinems: 100'                    | 'bad.yaml: tasks[0].deadlinems: unknown field; expected one of [cameras, deadlineMs, fps, id, inputKB, jitterMs, model, origin] (line 8, column 60)'",
                "negative duration        | 'durationS: 10'                    | 'durationS: -1'                      | 'bad.yaml: durationS: must be positive, was -1.0 (line 1, column 12)'",
                "model nobody runs        | 'model: m,'                        | 'model: x,'                          | bad.yaml: tasks[0].model: no node has a profile for model 'x' (line 8, column 21)",
            })
    void aBrokenFileNamesTheFileAndTheField(String what, String from, String to, String message) {
        String yaml = VALID.replace(from.replace("\\n", "\n"), to.replace("\\n", "\n"));
        assertThat(yaml).as("fixture must change").isNotEqualTo(VALID);

        assertThatThrownBy(() -> ScenarioLoader.parse("bad.yaml", yaml))
                .isInstanceOf(ScenarioException.class)
                .hasMessage(message);
    }

    @Test
    void slowRunsAndOverheadsAreOffUnlessTheFileAsksForThem() {
        Scenario plain = ScenarioLoader.parse("ok.yaml", VALID);
        Scenario contended =
                ScenarioLoader.parse(
                        "ok.yaml",
                        VALID
                                + "execSlow: {share: 0.05, factor: 1.6}\n"
                                + "pipeline: {overhead: {batchMs: 2, frameMs: 3, postFrameMs: 0.5}, statusIntervalMs: 500, replanIntervalMs: 2000,"
                                + " dwellMs: 6000}\n");

        assertThat(
                        List.of(
                                plain.execSlow(),
                                plain.pipeline(),
                                contended.execSlow(),
                                contended.pipeline()))
                .containsExactly(
                        Scenario.SlowRuns.NONE,
                        Scenario.Pipeline.defaults(),
                        new Scenario.SlowRuns(0.05, 1.6),
                        new Scenario.Pipeline(
                                new Scenario.Overhead(2_000, 3_000, 500),
                                Map.of(),
                                500_000,
                                new Replanner.Settings(
                                        2_000_000,
                                        6_000_000,
                                        Replanner.Settings.defaults().startupWaitMicros(),
                                        true)));
    }

    @Test
    void aHostNamesNodesThatExistEachOnOneHost() {
        String host = "pipeline: {hosts: [{name: box, cores: 2, nodes: [%s]}]}\n";
        Scenario ok = ScenarioLoader.parse("ok.yaml", VALID + host.formatted("node1"));

        assertThat(ok.pipeline().hosts())
                .containsExactly(new Scenario.Host("box", 2, List.of("node1")));
        assertThatThrownBy(() -> ScenarioLoader.parse("bad.yaml", VALID + host.formatted("nope")))
                .hasMessage(
                        "bad.yaml: pipeline.hosts[0].nodes[0]: unknown node 'nope' (line 9, column 50)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "slow factor below 1      | 'execSlow: {share: 0.1, factor: 0.5}'  | 'bad.yaml: execSlow.factor: must be at least 1, was 0.5 (line 9, column 32)'",
                "slow share above 1       | 'execSlow: {share: 2, factor: 2}'      | 'bad.yaml: execSlow.share: must be at most 1, was 2.0 (line 9, column 19)'",
                "slow without factor      | 'execSlow: {share: 0.1}'               | 'bad.yaml: execSlow.factor: is missing (required) (line 9, column 11)'",
                "removed shed flag        | 'shedWhileBusy: true'                  | 'bad.yaml: shedWhileBusy: is no longer a setting: every node runs the Flink batcher''s engine, which always asks its policy when a frame arrives; remove the line (line 9, column 16)'",
                "negative overhead        | 'pipeline: {overhead: {frameMs: -1}}'  | 'bad.yaml: pipeline.overhead.frameMs: must not be negative, was -1.0 (line 9, column 32)'",
                "unknown pipeline field   | 'pipeline: {overheads: {}}'            | 'bad.yaml: pipeline.overheads: unknown field; expected one of [confirmMoves, dwellMs, hosts, ingestMs, overhead, replanIntervalMs, startupWaitMs, statusIntervalMs] (line 9, column 23)'",
            })
    void aBrokenExecutionModelNamesTheField(String what, String line, String message) {
        assertThatThrownBy(() -> ScenarioLoader.parse("bad.yaml", VALID + line + "\n"))
                .isInstanceOf(ScenarioException.class)
                .hasMessage(message);
    }

    @Test
    void yamlThatDoesNotParseGivesTheLine() {
        assertThatThrownBy(
                        () ->
                                ScenarioLoader.parse(
                                        "broken.yaml", "durationS: 10\nnodes: [\n  {name: a\n"))
                .isInstanceOf(ScenarioException.class)
                .hasMessage(
                        "broken.yaml: is not valid YAML: while parsing a flow mapping:"
                                + " expected ',' or '}', but got <stream end> (line 3, column 11)");
    }

    @Test
    void aChangeNamingAnUnknownTaskIsRejected() {
        String yaml = VALID + "changes:\n  - {atS: 1, task: nope, fpsScale: 2}\n";

        assertThatThrownBy(() -> ScenarioLoader.parse("bad.yaml", yaml))
                .hasMessage("bad.yaml: changes[0].task: unknown task 'nope' (line 10, column 20)");
    }
}
