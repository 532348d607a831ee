package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.benchmarks.TestbedSweep;
import io.coedge.models.ModelGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coedge bench policies --testbed --sweep}'s code path on the testbed (root only: network
 * namespaces, tc, cgroups), tiny: two bandwidth points, one pair, a few seconds of two cameras on
 * two nodes with CPU shares. Asserts the report's shape (a row per point and pair, the CSV, the
 * Markdown, the chart) and that every frame produced from its origin node's namespace got exactly
 * one result, read back from Kafka; not DMR values (those depend on this machine's speed). Every
 * namespace, cgroup and process of the testbed is removed at the end.
 */
class TestbedSweepITCase {

    /** Two nodes with CPU shares, two cameras of a tiny classifier, generous deadlines. */
    private static final String CATALOG =
            """
            nodes:
              - {id: edge-1, sidecar: "127.0.0.1:8311", cpuShare: 0.3}
              - {id: edge-2, sidecar: "127.0.0.1:8312", cpuShare: 0.3}
            network: {bandwidthMbps: 100, latencyMs: 0}
            models:
              - name: resnet
                maxBatch: 4
                input: {name: input, width: 32, height: 32}
                postprocess: {type: classification, topK: 1, labels: [a, b, c, d, e, f, g, h, i, j]}
            tasks:
              - {id: A, model: resnet, cameras: [cam-a], fps: 4, deadlineMs: 5000, origin: edge-1, frame: {width: 320, height: 240}}
              - {id: B, model: resnet, cameras: [cam-b], fps: 2, deadlineMs: 5000, origin: edge-2, frame: {width: 320, height: 240}}
            """;

    /** The catalog's model, generated tiny into {@code dir/models}. */
    private static Path tinyModels(Path dir) throws Exception {
        Path models = dir.resolve("models");
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("resnet", models);
        return models;
    }

    /** {@link #CATALOG} written to {@code dir/sweep.yaml}. */
    private static Path catalog(Path dir) throws Exception {
        return Files.writeString(dir.resolve("sweep.yaml"), CATALOG);
    }

    @Test
    void sweepsTwoBandwidthsOnTheTestbedWithOneResultPerFrame(@TempDir Path dir) throws Exception {
        TestbedProcesses.assumeRoot();
        Path jar = TestbedProcesses.jobJar();
        Path models = tinyModels(dir);
        Path catalog = catalog(dir);
        List<String> progress = new ArrayList<>();
        List<TestbedSweep.Point> seen = new ArrayList<>();
        List<TestbedSweep.Disturbed> disturbed = new ArrayList<>();
        List<TestbedSweep.Point> points =
                new TestbedSweep(
                                dir.resolve("work"),
                                models,
                                jar,
                                CoEdgeCli.class.getName(),
                                m -> {
                                    progress.add(m);
                                    System.out.println("sweep: " + m);
                                })
                        .run(
                                catalog,
                                TestbedSweep.Sweep.parse("bandwidth=50,5"),
                                List.<String[]>of(new String[] {"coedge", "coedge"}),
                                Duration.ofSeconds(6),
                                Duration.ZERO,
                                Duration.ofSeconds(2),
                                1,
                                seen::add,
                                disturbed::add);

        assertThat(points).hasSize(2).isEqualTo(seen);
        assertThat(disturbed).as("no process died").isEmpty();
        assertThat(points).extracting(TestbedSweep.Point::value).containsExactly(50.0, 5.0);
        for (TestbedSweep.Point p : points) {
            assertThat(p.run().dispatch()).isEqualTo("coedge");
            assertThat(p.run().batch()).isEqualTo("coedge");
            // Eight seconds of 4 + 2 fps from two namespaces: frames were sent, and every one has
            // exactly one result.
            assertThat(p.run().sent()).isGreaterThan(10);
            assertThat(p.run().results()).isEqualTo(p.run().sent());
            // The first two seconds settle: their frames are in the windows, not in the DMR.
            assertThat(p.counted()).isPositive().isLessThan(p.run().sent());
            assertThat(p.windows())
                    .first()
                    .extracting(TestbedSweep.Window::counted)
                    .isEqualTo(false);
            assertThat(p.windows().stream().mapToLong(TestbedSweep.Window::frames).sum())
                    .isEqualTo(p.run().sent());
            assertThat(p.lost()).isZero();
            assertThat(p.duplicates()).isZero();
            assertThat(p.run().simMissRate()).as("the engine's prediction").isBetween(0.0, 1.0);
            assertThat(p.run().nodeOfTask()).containsOnlyKeys("A", "B");
        }
        assertThat(progress)
                .anyMatch(m -> m.contains("every link shaped to 5 Mbit/s"))
                .anyMatch(m -> m.contains("limited to 0.30 cores"));

        Path out = dir.resolve("out");
        Files.createDirectories(out);
        BenchCommand.Policies.writeSweep(out, points);
        assertThat(Files.readAllLines(out.resolve("sweep.csv"))).hasSize(3);
        assertThat(Files.readAllLines(out.resolve("sweep-windows.csv")))
                .first()
                .isEqualTo("dimension,value,dispatch,batch,round,from_s,frames,missed,dmr,counted");
        assertThat(Files.readAllLines(out.resolve("sweep.md")))
                .hasSize(4)
                .anyMatch(l -> l.startsWith("| bandwidth 5 | coedge / coedge |"));
        assertThat(Files.readString(out.resolve("sweep.svg"), StandardCharsets.UTF_8))
                .contains("<svg")
                .contains("coedge / coedge (pipeline)")
                .contains("coedge / coedge (prediction)");

        // Everything the testbed made is gone.
        TestbedProcesses.assertTestbedGone(progress);
    }

    /**
     * A TaskManager killed (SIGKILL) as a run's cameras start: the bench's supervisor restarts it,
     * the run is reported as disturbed with what died, not as a point, and the pair runs again on
     * the whole cluster, every frame of that run with exactly one result.
     */
    @Test
    void aTaskManagerKilledDuringARunIsRecordedAndThePairRunsAgain(@TempDir Path dir)
            throws Exception {
        TestbedProcesses.assumeRoot();
        Path jar = TestbedProcesses.jobJar();
        Path models = tinyModels(dir);
        Path catalog = catalog(dir);
        Path work = dir.resolve("work");
        Path clusterDir = work.resolve("testbed-sweep").resolve("cluster");
        List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicLong killed =
                new java.util.concurrent.atomic.AtomicLong();
        List<TestbedSweep.Disturbed> disturbed = new ArrayList<>();
        List<TestbedSweep.Point> points =
                new TestbedSweep(
                                work,
                                models,
                                jar,
                                CoEdgeCli.class.getName(),
                                m -> {
                                    progress.add(m);
                                    System.out.println("sweep: " + m);
                                    if (m.startsWith("run 1: every node healthy")) {
                                        // The first run's cameras have started (they send for
                                        // 10 s in real time): edge-2's TaskManager dies under them.
                                        try {
                                            killed.set(killTaskManager(clusterDir, "edge-2"));
                                        } catch (Exception e) {
                                            throw new AssertionError(e);
                                        }
                                    }
                                })
                        .run(
                                catalog,
                                TestbedSweep.Sweep.parse("bandwidth=50"),
                                List.<String[]>of(new String[] {"coedge", "coedge"}),
                                Duration.ofSeconds(8),
                                Duration.ZERO,
                                Duration.ofSeconds(2),
                                1,
                                p -> {},
                                disturbed::add);

        assertThat(killed.get())
                .as("the first run's TaskManager on edge-2 was killed")
                .isPositive();
        assertThat(disturbed).hasSize(1);
        TestbedSweep.Disturbed d = disturbed.get(0);
        assertThat(d.pair()).isEqualTo("coedge / coedge");
        assertThat(d.attempt()).isEqualTo(1);
        assertThat(d.reason())
                .contains("taskmanager-edge-2 (pid " + killed.get() + ") died and was restarted as")
                .contains("taskmanager-edge-2-r2");
        assertThat(progress).anyMatch(m -> m.equals("the cluster is whole again"));
        // The point is the second run's, on the whole cluster.
        assertThat(points).hasSize(1);
        TestbedSweep.Point p = points.get(0);
        assertThat(p.run().sent()).isGreaterThan(10);
        assertThat(p.run().results()).isEqualTo(p.run().sent());
        assertThat(p.lost()).isZero();
        assertThat(p.duplicates()).isZero();
        assertThat(TestbedSweep.disturbedMarkdown(disturbed))
                .contains("| bandwidth 50 | coedge / coedge | 1 | taskmanager-edge-2 (pid ");

        TestbedProcesses.assertTestbedGone(progress);
    }

    /** Kills {@code node}'s TaskManager as a crash would (SIGKILL); returns its PID. */
    private static long killTaskManager(Path clusterDir, String node) throws Exception {
        io.coedge.deploy.ClusterState.Proc tm =
                io.coedge.deploy.ClusterState.read(clusterDir).orElseThrow().processes().stream()
                        .filter(p -> p.role().equals("taskmanager") && node.equals(p.node()))
                        .findFirst()
                        .orElseThrow();
        ProcessHandle h = tm.handle().orElseThrow();
        h.destroyForcibly();
        h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        System.out.println("sweep: killed " + tm.name() + " (pid " + tm.pid() + ")");
        return tm.pid();
    }
}
