package io.coedge.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.LinkSpec;
import io.coedge.catalog.TaskSpec;
import io.coedge.format.FrameResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestbedSweepTest {
    private static final String CATALOG =
            """
            nodes:
              - {id: a, sidecar: "127.0.0.1:8201", cpuShare: 0.4}
              - {id: b, sidecar: "127.0.0.1:8202", cpuShare: 0.5}
            links:
              - {from: a, to: b, bandwidthMbps: 50, latencyMs: 3}
            network: {bandwidthMbps: 100, latencyMs: 2}
            models:
              - {name: m, maxBatch: 4, input: {name: input, width: 32, height: 32}, postprocess: {type: classification, labels: [x, y]}}
            tasks:
              - {id: T, model: m, cameras: [c1], fps: 4, deadlineMs: 500, origin: a, frame: {width: 640, height: 360}}
              - {id: U, model: m, cameras: [c2], fps: 2.5, deadlineMs: 500, origin: b, frame: {width: 64, height: 64}}
            """;

    @Test
    void parsesBandwidthAndLoadSweeps() {
        assertThat(TestbedSweep.Sweep.parse("bandwidth=1000,100,20,10,5"))
                .isEqualTo(
                        new TestbedSweep.Sweep(
                                "bandwidth", List.of(1000.0, 100.0, 20.0, 10.0, 5.0)));
        assertThat(TestbedSweep.Sweep.parse("load=0.5, 1,1.5").values())
                .containsExactly(0.5, 1.0, 1.5);
    }

    @Test
    void rejectsAnUnknownDimensionANonNumberAndNonPositiveValues() {
        assertThatThrownBy(() -> TestbedSweep.Sweep.parse("latency=5"))
                .hasMessageContaining("bandwidth or load, not 'latency'");
        assertThatThrownBy(() -> TestbedSweep.Sweep.parse("bandwidth=10,fast"))
                .hasMessageContaining("'fast' is not a number");
        assertThatThrownBy(() -> TestbedSweep.Sweep.parse("load=0"))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> TestbedSweep.Sweep.parse("bandwidth"))
                .hasMessageContaining("bandwidth=MBPS");
    }

    @Test
    void aBandwidthPointPutsEveryLinkAtTheSweptBandwidth() throws Exception {
        Catalog c =
                new CatalogText("p.yaml", TestbedSweep.pointCatalog(CATALOG, "bandwidth", 5))
                        .parse();
        assertThat(c.links()).isNotEmpty();
        assertThat(c.links()).extracting(LinkSpec::bandwidthMbps).containsOnly(5.0);
        assertThat(c.tasks()).extracting(TaskSpec::fps).containsExactly(4.0, 2.5);
    }

    @Test
    void aLoadPointScalesEveryTasksFps() throws Exception {
        Catalog c =
                new CatalogText("p.yaml", TestbedSweep.pointCatalog(CATALOG, "load", 1.5)).parse();
        assertThat(c.tasks()).extracting(TaskSpec::fps).containsExactly(6.0, 3.75);
    }

    @Test
    void tallyCountsLostAndDuplicatedFramesAndMissesAFrameWithoutResult() throws Exception {
        Catalog c = new CatalogText("c.yaml", CATALOG).parse();
        List<FrameResult> results =
                List.of(
                        result("f1", FrameResult.Status.OK),
                        result("f2", FrameResult.Status.LATE),
                        result("f2", FrameResult.Status.LATE),
                        result("f3", FrameResult.Status.OK));
        TestbedSweep.Point p =
                TestbedSweep.tally(
                        TestbedSweep.Sweep.parse("bandwidth=5"),
                        5,
                        "coedge",
                        "coedge",
                        c,
                        4,
                        results,
                        Map.of(),
                        Duration.ofSeconds(1),
                        Duration.ZERO);
        assertThat(p.lost()).isEqualTo(1);
        assertThat(p.duplicates()).isEqualTo(1);
        assertThat(p.run().sent()).isEqualTo(4);
        assertThat(p.run().results()).isEqualTo(3);
        // f2 late and f4 without a result: 2 of 4 missed.
        assertThat(p.run().missRate()).isEqualTo(0.5);
        assertThat(p.run().missReasons()).containsEntry("NO_RESULT", 1L);
        assertThat(p.run().simMissRate()).isNaN(); // no statuses: no prediction
    }

    @Test
    void framesCapturedWhileTheRunSettlesAreLeftOutOfItsDmrButKeptInEveryFramesDmrAndWindows()
            throws Exception {
        Catalog c = new CatalogText("c.yaml", CATALOG).parse();
        // Two frames in the first 10 s (one late), three after it (one late), one without result.
        List<FrameResult> results =
                List.of(
                        result("f1", FrameResult.Status.OK, 0),
                        result("f2", FrameResult.Status.LATE, 3_000),
                        result("f3", FrameResult.Status.OK, 10_000),
                        result("f4", FrameResult.Status.LATE, 12_000),
                        result("f5", FrameResult.Status.OK, 16_000));
        TestbedSweep.Point p =
                TestbedSweep.tally(
                        TestbedSweep.Sweep.parse("bandwidth=5"),
                        5,
                        "coedge",
                        "coedge",
                        c,
                        6,
                        results,
                        Map.of(),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(10));
        // Counted: f3, f4, f5 and the frame without a result; f4 and that frame missed.
        assertThat(p.counted()).isEqualTo(4);
        assertThat(p.run().missRate()).isEqualTo(0.5);
        assertThat(p.run().missReasons()).containsOnlyKeys("LATE", "NO_RESULT");
        assertThat(p.run().missReasons()).containsEntry("LATE", 1L);
        // Every frame: f2, f4 and the lost one of 6.
        assertThat(p.allFrames()).isEqualTo(0.5);
        assertThat(p.run().sent()).isEqualTo(6);
        assertThat(p.windows())
                .containsExactly(
                        new TestbedSweep.Window(0, 2, 1, false),
                        new TestbedSweep.Window(10_000, 2, 1, true),
                        new TestbedSweep.Window(15_000, 1, 0, true));
        String[] csv = TestbedSweep.windowsCsv(List.of(p)).split("\n");
        assertThat(csv).hasSize(4);
        assertThat(csv[1]).isEqualTo("bandwidth,5,coedge,coedge,1,0,2,1,0.5000,false");
        assertThat(TestbedSweep.csv(List.of(p)).split("\n")[1]).endsWith(",4,0.5000");
    }

    @Test
    void csvAndMarkdownHaveOneLinePerPairAndPoint() throws Exception {
        Catalog c = new CatalogText("c.yaml", CATALOG).parse();
        List<TestbedSweep.Point> points =
                List.of(run(c, 100, "coedge", 1, 1), run(c, 5, "no-offloading", 2, 1));
        String[] csv = TestbedSweep.csv(points).split("\n");
        assertThat(csv).hasSize(3);
        assertThat(csv[0]).startsWith("dimension,value,dispatch,batch,frames,results,lost");
        assertThat(csv[1]).startsWith("bandwidth,100,coedge,coedge,1,1,0,0,0.0000,");
        assertThat(csv[2]).startsWith("bandwidth,5,no-offloading,coedge,2,1,1,0,0.5000,");
        String[] md = TestbedSweep.markdown(points).split("\n");
        assertThat(md).hasSize(4);
        assertThat(md[2]).startsWith("| bandwidth 100 | coedge / coedge | 1 | 1 | 0 | 0 | 0.00% |");
        assertThat(md[3])
                .startsWith("| bandwidth 5 | no-offloading / coedge | 2 | 1 | 1 | 0 | 50.00% |");
    }

    @Test
    void eachRoundRotatesThePairsSoThatEveryPairRunsOnceInEveryPosition() {
        List<String[]> pairs =
                List.of(
                        new String[] {"coedge", "coedge"},
                        new String[] {"no-offloading", "coedge"},
                        new String[] {"naive-global", "coedge"});
        List<List<String>> rounds = new java.util.ArrayList<>();
        for (int k = 0; k < 3; k++) {
            rounds.add(TestbedSweep.order(pairs, k).stream().map(p -> p[0]).toList());
        }
        assertThat(rounds.get(0)).containsExactly("coedge", "no-offloading", "naive-global");
        for (int position = 0; position < 3; position++) {
            int at = position;
            assertThat(rounds.stream().map(r -> r.get(at)))
                    .containsExactlyInAnyOrder("coedge", "no-offloading", "naive-global");
        }
        // The fourth round starts over.
        assertThat(TestbedSweep.order(pairs, 3).get(0)[0]).isEqualTo("coedge");
    }

    @Test
    void repeatedRunsAreMarkedByRoundAndAveragedPerPairAndPoint() throws Exception {
        Catalog c = new CatalogText("c.yaml", CATALOG).parse();
        // coedge: 0 of 2 missed, then 1 of 2; no-offloading: 2 of 2, then 1 of 2.
        List<TestbedSweep.Point> points =
                List.of(
                        run(c, 100, "coedge", 2, 2).inRound(1),
                        run(c, 100, "no-offloading", 2, 0).inRound(1),
                        run(c, 100, "no-offloading", 2, 1).inRound(2),
                        run(c, 100, "coedge", 2, 1).inRound(2));
        List<TestbedSweep.Mean> means = TestbedSweep.means(points);
        assertThat(means)
                .extracting(TestbedSweep.Mean::pair)
                .containsExactly("coedge / coedge", "no-offloading / coedge");
        assertThat(means.get(0).runs()).isEqualTo(2);
        assertThat(means.get(0).pipeline()).isEqualTo(0.25);
        assertThat(means.get(0).min()).isEqualTo(0.0);
        assertThat(means.get(0).max()).isEqualTo(0.5);
        assertThat(means.get(0).prediction()).isNaN();
        assertThat(means.get(1).pipeline()).isEqualTo(0.75);

        // round 2, 2 frames counted, DMR of every frame 50%
        assertThat(TestbedSweep.csv(points).split("\n")[4]).endsWith(",2,2,0.5000");
        String md = TestbedSweep.markdown(points);
        assertThat(md)
                .contains("| bandwidth 100 #2 | no-offloading / coedge | 2 | 1 | 1 | 0 | 50.00% |");
        assertThat(md)
                .contains(
                        "| bandwidth 100 | coedge / coedge | 2 | 25.00% | 0.00% - 50.00% | - | - | yes |")
                .contains(
                        "| bandwidth 100 | no-offloading / coedge | 2 | 75.00% | 50.00% - 100.00% | - | - | no |");
    }

    @Test
    void oneRunPerPairAndPointHasNoTableOfMeans() throws Exception {
        Catalog c = new CatalogText("c.yaml", CATALOG).parse();
        TestbedSweep.Point one = run(c, 100, "coedge", 1, 1);
        assertThat(TestbedSweep.markdown(List.of(one))).doesNotContain("mean");
    }

    @Test
    void aSweepsCsvFilesReadBackToTheSameRunsAndWindows() throws Exception {
        Catalog c = new CatalogText("c.yaml", CATALOG).parse();
        List<TestbedSweep.Point> points =
                List.of(
                        run(c, 100, "coedge", 4, 3).inRound(1),
                        run(c, 5, "no-offloading", 3, 1).inRound(2));
        List<TestbedSweep.Point> back =
                TestbedSweep.read(
                        "sweep.csv", TestbedSweep.csv(points), TestbedSweep.windowsCsv(points));
        assertThat(TestbedSweep.csv(back)).isEqualTo(TestbedSweep.csv(points));
        assertThat(TestbedSweep.windowsCsv(back)).isEqualTo(TestbedSweep.windowsCsv(points));
        assertThat(back.get(1).windows()).isEqualTo(points.get(1).windows()).isNotEmpty();
        // What only the Markdown table held is not made up.
        assertThat(TestbedSweep.markdown(back))
                .contains("| bandwidth 5 #2 | no-offloading / coedge | 3 | 1 | 2 | 0 | 66.67% |")
                .contains("| - | - | - |");
    }

    @Test
    void mergedSweepsNumberEachPairsRunsAcrossTheSweepsAndAverageThemAll() throws Exception {
        Catalog c = new CatalogText("c.yaml", CATALOG).parse();
        // first sweep: 100 and 5, one run each; second sweep: 5 only, two runs of coedge.
        List<TestbedSweep.Point> first =
                List.of(run(c, 100, "coedge", 2, 2), run(c, 5, "coedge", 2, 0));
        List<TestbedSweep.Point> second =
                List.of(run(c, 5, "coedge", 2, 2).inRound(1), run(c, 5, "coedge", 2, 1).inRound(2));
        List<TestbedSweep.Point> merged = TestbedSweep.merge(List.of(first, second));
        assertThat(merged)
                .extracting(TestbedSweep.Point::value)
                .containsExactly(100.0, 5.0, 5.0, 5.0);
        assertThat(merged).extracting(TestbedSweep.Point::round).containsExactly(1, 1, 2, 3);
        List<TestbedSweep.Mean> means = TestbedSweep.means(merged);
        assertThat(means).extracting(TestbedSweep.Mean::runs).containsExactly(1, 3);
        assertThat(means.get(1).pipeline()).isEqualTo(0.5); // 100%, 0% and 50% missed
        assertThat(TestbedSweep.markdown(merged)).contains("| bandwidth 5 #3 | coedge / coedge |");
    }

    @Test
    void sweepsOfDifferentDimensionsAndMalformedFilesAreRefusedWithTheirReason() throws Exception {
        Catalog c = new CatalogText("c.yaml", CATALOG).parse();
        TestbedSweep.Point bandwidth = run(c, 100, "coedge", 1, 1);
        TestbedSweep.Point load = new TestbedSweep.Point("load", 1.5, bandwidth.run(), 0, 0);
        assertThatThrownBy(() -> TestbedSweep.merge(List.of(List.of(bandwidth), List.of(load))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different dimensions");
        String csv = TestbedSweep.csv(List.of(bandwidth));
        assertThatThrownBy(() -> TestbedSweep.read("a/sweep.csv", csv + "bandwidth,5\n", null))
                .hasMessage("a/sweep.csv: line 3 has 2 fields, the header 16");
        assertThatThrownBy(
                        () -> TestbedSweep.read("a/sweep.csv", csv.replace("0.0000", "lots"), null))
                .hasMessageContaining("column 'dmr_pipeline' holds 'lots', not a number");
        assertThatThrownBy(() -> TestbedSweep.read("a/sweep.csv", csv.replace("round", "r"), null))
                .hasMessage("a/sweep.csv: no column 'round'");
    }

    /** A tallied run at a bandwidth point: {@code sent} frames, the first {@code ok} of them OK. */
    private static TestbedSweep.Point run(
            Catalog c, double mbps, String dispatch, int sent, int ok) {
        List<FrameResult> results = new java.util.ArrayList<>();
        for (int i = 1; i <= ok; i++) {
            results.add(result("f" + i, FrameResult.Status.OK));
        }
        return TestbedSweep.tally(
                TestbedSweep.Sweep.parse("bandwidth=" + TestbedSweep.format(mbps)),
                mbps,
                dispatch,
                "coedge",
                c,
                sent,
                results,
                Map.of(),
                Duration.ofSeconds(1),
                Duration.ZERO);
    }

    private static FrameResult result(String id, FrameResult.Status status) {
        return result(id, status, 0);
    }

    /** A result of a frame captured {@code atMs} after the first. */
    private static FrameResult result(String id, FrameResult.Status status, long atMs) {
        long t = 1_000_000 + atMs;
        return new FrameResult(
                id,
                "c1",
                1L,
                null,
                "T",
                "m",
                "a",
                "a",
                1,
                status,
                null,
                t,
                t + 5,
                t + 6,
                t + 20,
                t + 21,
                21,
                t + 500,
                500,
                status == FrameResult.Status.OK,
                List.of(),
                List.of());
    }

    @Test
    void eachRunNamesTheFrameSizesTheDispatcherPlannedWithBesideTheCatalogs() {
        Catalog c = new CatalogText("c.yaml", CATALOG).parse();
        io.coedge.format.NodeStatus a =
                new io.coedge.format.NodeStatus(
                                "a", 0, 0, 1_000, true, "", "cpu", java.util.Map.of(), 0, 0)
                        .withFrameBytes(
                                java.util.Map.of(
                                        "T",
                                        new io.coedge.format.NodeStatus.FrameBytes(
                                                9_950, 64, 990)));

        assertThat(TestbedSweep.frameSizes(c, java.util.Map.of("a", a)))
                .isEqualTo("frame sizes measured (catalog): T 10.0 KB (43.2 KB) U - (0.8 KB)");
    }

    @Test
    void evenQuotasShortenTheAcceleratorsPeriodAndLeaveTheTestbedsWeights(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path accelerator = cgroup(dir.resolve("v1-a"), "40000", "100000", "262144");
        java.nio.file.Path host = cgroup(dir.resolve("v1-a-host"), "-1", "100000", "65536");
        java.nio.file.Path acceleratorV2 = dir.resolve("v2-b");
        java.nio.file.Path hostV2 = dir.resolve("v2-b-host");
        java.nio.file.Files.createDirectories(acceleratorV2);
        java.nio.file.Files.createDirectories(hostV2);
        java.nio.file.Files.writeString(acceleratorV2.resolve("cpu.max"), "50000 100000\n");
        java.nio.file.Files.writeString(acceleratorV2.resolve("cpu.weight"), "10000\n");
        java.nio.file.Files.writeString(hostV2.resolve("cpu.max"), "max 100000\n");
        java.nio.file.Files.writeString(hostV2.resolve("cpu.weight"), "6400\n");
        io.coedge.deploy.testbed.TestbedState state =
                new io.coedge.deploy.testbed.TestbedState(
                        "abc123",
                        List.of(),
                        List.of(
                                accelerator.toString(),
                                host.toString(),
                                acceleratorV2.toString(),
                                hostV2.toString()),
                        Map.of(),
                        Map.of(),
                        false);

        TestbedSweep.evenQuotas(state, line -> {});

        assertThat(read(accelerator, "cpu.cfs_period_us")).isEqualTo("10000");
        assertThat(read(accelerator, "cpu.cfs_quota_us")).isEqualTo("4000");
        assertThat(read(accelerator, "cpu.shares")).isEqualTo("262144");
        assertThat(read(host, "cpu.cfs_quota_us")).isEqualTo("-1");
        assertThat(read(host, "cpu.shares")).isEqualTo("65536");
        assertThat(read(acceleratorV2, "cpu.max")).isEqualTo("5000 10000");
        assertThat(read(acceleratorV2, "cpu.weight")).isEqualTo("10000");
        assertThat(read(hostV2, "cpu.max")).isEqualTo("max 100000");
        assertThat(read(hostV2, "cpu.weight")).isEqualTo("6400");
    }

    private static java.nio.file.Path cgroup(
            java.nio.file.Path dir, String quota, String period, String shares)
            throws java.io.IOException {
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve("cpu.cfs_quota_us"), quota + "\n");
        java.nio.file.Files.writeString(dir.resolve("cpu.cfs_period_us"), period + "\n");
        java.nio.file.Files.writeString(dir.resolve("cpu.shares"), shares + "\n");
        return dir;
    }

    private static String read(java.nio.file.Path dir, String file) throws java.io.IOException {
        return java.nio.file.Files.readString(dir.resolve(file)).trim();
    }

    @Test
    void eachRunsLastStatusesAreKeptOneJsonLinePerNodeAndReadBack(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        io.coedge.format.NodeStatus a =
                new io.coedge.format.NodeStatus(
                        "a", 0, 0, 1_000, true, "", "cpu", java.util.Map.of(), 2, 0.5);
        io.coedge.format.NodeStatus b =
                new io.coedge.format.NodeStatus(
                        "b",
                        1,
                        0,
                        1_001,
                        false,
                        "sidecar unreachable",
                        "cpu",
                        java.util.Map.of(),
                        0,
                        0);
        java.nio.file.Path file = dir.resolve("logs").resolve("statuses-3.jsonl");

        TestbedSweep.writeStatuses(file, java.util.Map.of("b", b, "a", a), line -> {});

        List<String> lines = java.nio.file.Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        assertThat(io.coedge.format.NodeStatusCodec.fromJson(lines.get(0).getBytes()).node())
                .isEqualTo("a");
        assertThat(io.coedge.format.NodeStatusCodec.fromJson(lines.get(1).getBytes()).reason())
                .isEqualTo("sidecar unreachable");
    }

    @Test
    void eachRunsResultsAreKeptOneCsvLinePerResultWithTimesFromTheFirstCapture(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        FrameResult ok = result("f1", FrameResult.Status.OK, 0);
        FrameResult shed =
                new FrameResult(
                        "f2",
                        "c1",
                        2L,
                        null,
                        "T",
                        "m",
                        "b",
                        "a",
                        0,
                        FrameResult.Status.DROPPED,
                        "DEADLINE_UNREACHABLE, in queue",
                        1_000_250,
                        1_000_260L,
                        null,
                        null,
                        1_000_270,
                        20,
                        1_000_750,
                        500,
                        false,
                        List.of(),
                        List.of());
        java.nio.file.Path file = dir.resolve("logs").resolve("frames-3.csv");

        TestbedSweep.writeFrames(file, List.of(ok, shed), line -> {});

        List<String> lines = java.nio.file.Files.readAllLines(file);
        assertThat(lines)
                .containsExactly(
                        "frame,task,origin,node,batch,status,reason,deadline_met,capture_ms,"
                                + "dispatch_ms,start_ms,end_ms,emit_ms,latency_ms,deadline_ms",
                        "f1,T,a,a,1,OK,,true,0,5,6,20,21,21,500",
                        "f2,T,a,b,0,DROPPED,\"DEADLINE_UNREACHABLE, in queue\",false,250,260,,,270,"
                                + "20,500");
    }

    @Test
    void thePredictionsNodesRunABatchAtMostAsItsFramesOneByOne() throws Exception {
        Catalog c = new CatalogText("p.yaml", CATALOG).parse();
        // Node a's batch of four was last measured in a contended moment (six single runs' time);
        // its batch of two is cheaper per frame than single runs and stays as measured.
        io.coedge.format.NodeStatus a =
                new io.coedge.format.NodeStatus(
                        "a",
                        0,
                        0,
                        1_000,
                        true,
                        "",
                        "cpu",
                        Map.of(
                                "m",
                                new io.coedge.format.NodeStatus.ModelStatus(
                                        new int[] {1, 2, 4},
                                        new long[] {12_000, 60_000, 70_000},
                                        new long[] {10_000, 18_000, 60_000},
                                        0,
                                        null)),
                        0,
                        0.2);

        io.coedge.scheduler.sim.Scenario scenario =
                PipelineBench.benchScenario(
                        c,
                        Map.of("a", a),
                        Duration.ofSeconds(10),
                        List.of(),
                        new PipelineBench.Calibration(Map.of(), 1.1),
                        List.of());

        io.coedge.scheduler.model.LatencyProfile run =
                scenario.nodes().get(0).profiles().get(new io.coedge.scheduler.model.Model("m"));
        assertThat(run.latencyMicros(1)).isEqualTo(10_000);
        assertThat(run.latencyMicros(2)).isEqualTo(18_000);
        assertThat(run.latencyMicros(4)).isEqualTo(40_000);
    }

    /** A supervised process of a cluster's state file: the PID and start time of {@code h}. */
    private static io.coedge.deploy.ClusterState.Proc proc(
            String name, String role, String node, ProcessHandle h) {
        return proc(
                name, role, node, h.pid(), h.info().startInstant().orElseThrow().toEpochMilli());
    }

    /**
     * A process recorded with {@code pid} and {@code startedEpochMs}: one that has ended when the
     * PID's process did not start then (the state file's test for a PID taken by another process).
     */
    private static io.coedge.deploy.ClusterState.Proc proc(
            String name, String role, String node, long pid, long startedEpochMs) {
        return new io.coedge.deploy.ClusterState.Proc(
                name, role, node, pid, startedEpochMs, "/dev/null", null, null);
    }

    @Test
    void aRunIsDisturbedWhenASupervisedProcessDiedOrWasRestartedDuringIt() throws Exception {
        ProcessHandle me = ProcessHandle.current();
        var tm = proc("taskmanager-a", "taskmanager", "a", me);
        var sidecar = proc("sidecar-a", "sidecar", "a", me);
        Map<String, io.coedge.deploy.ClusterState.Proc> before =
                Map.of("taskmanager a", tm, "sidecar a", sidecar);

        assertThat(TestbedSweep.disturbance(before, before)).as("every one still runs").isNull();

        var dead = proc("taskmanager-a", "taskmanager", "a", me.pid(), 0);
        assertThat(
                        TestbedSweep.disturbance(
                                Map.of("taskmanager a", dead), Map.of("taskmanager a", dead)))
                .isEqualTo("taskmanager-a (pid " + dead.pid() + ") died");

        var restarted = proc("taskmanager-a-r2", "taskmanager", "a", me.pid() + 1, 0);
        assertThat(
                        TestbedSweep.disturbance(
                                before, Map.of("taskmanager a", restarted, "sidecar a", sidecar)))
                .isEqualTo(
                        "taskmanager-a (pid "
                                + me.pid()
                                + ") died and was restarted as taskmanager-a-r2 (pid "
                                + restarted.pid()
                                + ")");
        assertThat(TestbedSweep.disturbance(before, Map.of("taskmanager a", tm)))
                .isEqualTo("sidecar-a (pid " + me.pid() + ") is no longer in the cluster");
    }

    @Test
    void anUndisturbedRunIsThePointAndAnUndisturbedFailureFailsTheSweep(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ProcessHandle me = ProcessHandle.current();
        new io.coedge.deploy.ClusterState(
                        "http://127.0.0.1:1",
                        null,
                        null,
                        List.of(proc("taskmanager-a", "taskmanager", "a", me)))
                .write(dir);
        List<String> progress = new java.util.ArrayList<>();
        TestbedSweep bench =
                new TestbedSweep(dir, dir, dir.resolve("job.jar"), "Main", progress::add);
        List<TestbedSweep.Disturbed> disturbed = new java.util.ArrayList<>();
        TestbedSweep.Point point =
                new TestbedSweep.Point(
                        "bandwidth",
                        50,
                        new PipelineBench.PolicyRun(
                                "coedge", "coedge", 10, 10, 0.0, 1, 2, 1.0, 0.0, 0, Map.of(),
                                Map.of(), Map.of()),
                        0,
                        0);
        TestbedSweep.Sweep sweep = TestbedSweep.Sweep.parse("bandwidth=50");
        String[] pair = {"coedge", "coedge"};

        assertThat(bench.untilUndisturbed(dir, null, sweep, 50, pair, disturbed::add, () -> point))
                .isSameAs(point);
        assertThatThrownBy(
                        () ->
                                bench.untilUndisturbed(
                                        dir,
                                        null,
                                        sweep,
                                        50,
                                        pair,
                                        disturbed::add,
                                        () -> {
                                            throw new java.io.IOException("the probe ended early");
                                        }))
                .hasMessage("the probe ended early");
        assertThat(disturbed).isEmpty();
        assertThat(progress).isEmpty();
    }

    @Test
    void disturbedRunsAreListedAfterTheTableAndNothingWhenNoneWas() {
        assertThat(TestbedSweep.disturbedMarkdown(List.of())).isEmpty();
        String md =
                TestbedSweep.disturbedMarkdown(
                        List.of(
                                new TestbedSweep.Disturbed(
                                        "bandwidth",
                                        1000,
                                        "coedge / coedge",
                                        1,
                                        "taskmanager-node3 (pid 7) died and was restarted as"
                                                + " taskmanager-node3-r2 (pid 9)",
                                        "DMR 40.00% of 1186 frames, 1571 results (0 lost, 0"
                                                + " duplicated)")));
        assertThat(md.lines())
                .contains(
                        "| point | dispatch / batching | run | what died | what the run gave |",
                        "| bandwidth 1000 | coedge / coedge | 1 | taskmanager-node3 (pid 7) died and"
                                + " was restarted as taskmanager-node3-r2 (pid 9) | DMR 40.00% of"
                                + " 1186 frames, 1571 results (0 lost, 0 duplicated) |");
    }
}
