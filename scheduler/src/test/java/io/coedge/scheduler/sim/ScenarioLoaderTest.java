package io.coedge.scheduler.sim;

import io.coedge.scheduler.dispatch.Replanner;

import io.coedge.scheduler.testutils.Scenarios;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScenarioLoaderTest {

    private static final String VALID = """
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
        List<String> sizes = List.of("paper", "bandwidth-sweep", "load-sweep", "city", "bench-contended", "hetero-tight", "cloud",
                "bursts", "one-model-city").stream().map(name -> {
            Scenario s = Scenarios.shipped(name);
            int cameras = s.tasks().stream().mapToInt(t -> t.task().cameras()).sum();
            String sweep = s.sweep() == null ? "-" : s.sweep().parameter() + s.sweep().values();
            return name + ": " + s.nodes().size() + " nodes, " + cameras + " cameras, " + sweep;
        }).toList();

        assertThat(sizes).containsExactly(
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
    void theCityIsTheSameCityEveryTime() {
        assertThat(Scenarios.shipped("city").tasks()).isEqualTo(Scenarios.shipped("city").tasks());
    }

    @Test
    void aValidFileGivesTheValuesItStates() {
        Scenario s = ScenarioLoader.parse("ok.yaml", VALID);

        assertThat(List.of(s.name(), s.durationMicros(), s.links().size(), s.tasks().get(0).task().inputBytes(),
                s.tasks().get(0).task().deadlineMicros())).containsExactly("ok", 10_000_000L, 2, 51_200L, 100_000L);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing fps              | 'fps: 10, '                        | ''                                   | bad.yaml: tasks[0].fps: is required",
        "unknown origin           | 'origin: node1'                    | 'origin: node9'                      | bad.yaml: tasks[0].origin: unknown node 'node9'",
        "text where number        | 'bandwidthMbps: 100'               | 'bandwidthMbps: fast'                | bad.yaml: links[0].bandwidthMbps: must be a number, was 'fast'",
        "falling latency          | 'latencyMs: [10, 15]}}}\n  - {name: node2' | 'latencyMs: [10, 5]}}}\n  - {name: node2' | 'bad.yaml: nodes[0].profiles.m: latency must not decrease with batch size'",
        "misspelt field           | 'deadlineMs: 100'                  | 'deadlinems: 100'                    | 'bad.yaml: tasks[0].deadlinems: unknown field (allowed: id, model, origin, cameras, fps, jitterMs, deadlineMs, inputKB)'",
        "negative duration        | 'durationS: 10'                    | 'durationS: -1'                      | 'bad.yaml: durationS: must be positive, was -1.0'",
        "model nobody runs        | 'model: m,'                        | 'model: x,'                          | bad.yaml: tasks[0].model: no node has a profile for model 'x'",
    })
    void aBrokenFileNamesTheFileAndTheField(String what, String from, String to, String message) {
        String yaml = VALID.replace(from.replace("\\n", "\n"), to.replace("\\n", "\n"));
        assertThat(yaml).as("fixture must change").isNotEqualTo(VALID);

        assertThatThrownBy(() -> ScenarioLoader.parse("bad.yaml", yaml)).isInstanceOf(ScenarioException.class).hasMessage(message);
    }

    @Test
    void slowRunsAndOverheadsAreOffUnlessTheFileAsksForThem() {
        Scenario plain = ScenarioLoader.parse("ok.yaml", VALID);
        Scenario contended = ScenarioLoader.parse("ok.yaml", VALID + "execSlow: {share: 0.05, factor: 1.6}\n"
                + "pipeline: {overhead: {batchMs: 2, frameMs: 3, postFrameMs: 0.5}, statusIntervalMs: 500, replanIntervalMs: 2000,"
                + " dwellMs: 6000}\n");

        assertThat(List.of(plain.execSlow(), plain.pipeline(), contended.execSlow(), contended.pipeline()))
                .containsExactly(Scenario.SlowRuns.NONE, Scenario.Pipeline.defaults(), new Scenario.SlowRuns(0.05, 1.6),
                        new Scenario.Pipeline(new Scenario.Overhead(2_000, 3_000, 500), Map.of(), 500_000,
                                new Replanner.Settings(2_000_000, 6_000_000, Replanner.Settings.defaults().startupWaitMicros())));
    }

    @Test
    void aHostNamesNodesThatExistEachOnOneHost() {
        String host = "pipeline: {hosts: [{name: box, cores: 2, nodes: [%s]}]}\n";
        Scenario ok = ScenarioLoader.parse("ok.yaml", VALID + host.formatted("node1"));

        assertThat(ok.pipeline().hosts()).containsExactly(new Scenario.Host("box", 2, List.of("node1")));
        assertThatThrownBy(() -> ScenarioLoader.parse("bad.yaml", VALID + host.formatted("nope")))
                .hasMessage("bad.yaml: pipeline.hosts[0].nodes[0]: unknown node 'nope'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "slow factor below 1      | 'execSlow: {share: 0.1, factor: 0.5}'  | 'bad.yaml: execSlow.factor: must be at least 1, was 0.5'",
        "slow share above 1       | 'execSlow: {share: 2, factor: 2}'      | 'bad.yaml: execSlow.share: must be at most 1, was 2.0'",
        "slow without factor      | 'execSlow: {share: 0.1}'               | 'bad.yaml: execSlow.factor: is required'",
        "removed shed flag        | 'shedWhileBusy: true'                  | 'bad.yaml: shedWhileBusy: is no longer a setting: every node runs the Flink batcher''s engine, which always asks its policy when a frame arrives; remove the line'",
        "negative overhead        | 'pipeline: {overhead: {frameMs: -1}}'  | 'bad.yaml: pipeline.overhead.frameMs: must not be negative, was -1.0'",
        "unknown pipeline field   | 'pipeline: {overheads: {}}'            | 'bad.yaml: pipeline.overheads: unknown field (allowed: overhead, statusIntervalMs, replanIntervalMs, dwellMs, startupWaitMs, ingestMs, hosts)'",
    })
    void aBrokenExecutionModelNamesTheField(String what, String line, String message) {
        assertThatThrownBy(() -> ScenarioLoader.parse("bad.yaml", VALID + line + "\n")).isInstanceOf(ScenarioException.class)
                .hasMessage(message);
    }

    @Test
    void yamlThatDoesNotParseGivesTheLine() {
        assertThatThrownBy(() -> ScenarioLoader.parse("broken.yaml", "durationS: 10\nnodes: [\n  {name: a\n"))
                .isInstanceOf(ScenarioException.class).hasMessageStartingWith("broken.yaml: not valid YAML at line ");
    }

    @Test
    void aChangeNamingAnUnknownTaskIsRejected() {
        String yaml = VALID + "changes:\n  - {atS: 1, task: nope, fpsScale: 2}\n";

        assertThatThrownBy(() -> ScenarioLoader.parse("bad.yaml", yaml)).hasMessage("bad.yaml: changes[0].task: unknown task 'nope'");
    }
}
