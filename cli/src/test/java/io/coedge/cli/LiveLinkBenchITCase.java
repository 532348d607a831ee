package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.coedge.benchmarks.LiveLinkBench;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coedge bench live-link --testbed} on the testbed (root only), short: the shipped catalog
 * (config/live-testbed.yaml: two 8 fps cameras of 74 KB frames on edge-1, the sidecars' delay
 * runtime at 100 ms per frame, so edge-1 must ship one task), both of edge-1's links dropped to 3
 * Mbit/s at 30 s (no link can then carry a task's 4.8 Mbit/s) and restored at 60 s, cameras for 75
 * s. Not 5 Mbit/s: a task's 4.8 Mbit/s of frames is then over the plan's link budget (90%) but not
 * over the measured capacity, so whether it must come home even to its overloaded origin hung on
 * the measurement's last few percent. In a CI run of 2026-11-30 it stayed, and no result was
 * committed from the drop to the restore (the saturated link seems to have held the checkpoint
 * barriers back behind its frames). Asserts that every frame ends in exactly one result or dead
 * letter, that the report files hold a row for the drop and the restore, that a task comes home to
 * edge-1 after the drop and that no task moves more than twice per change (the dwell rules); not
 * DMR values or recovery times (those are the benchmark's figures). Every namespace of the testbed
 * is removed at the end.
 */
class LiveLinkBenchITCase {

    @Test
    void aDroppedLinkBringsTheOffloadedTaskHomeWithOneResultPerFrame(@TempDir Path dir)
            throws Exception {
        assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "the testbed needs root (network namespaces, tc, cgroups)");
        Path jar =
                Path.of(System.getProperty("coedge.job.jar", "../jobs/target/coedge-job.jar"))
                        .toAbsolutePath();
        assertThat(jar).as("the job jar (mvn package builds it)").isRegularFile();
        Path catalog = Path.of("../" + LiveLinkCommand.CONFIG).toAbsolutePath().normalize();
        Path models = Path.of("../" + LiveLinkCommand.MODELS).toAbsolutePath().normalize();
        List<String> progress = new ArrayList<>();
        LiveLinkBench.Plan plan =
                new LiveLinkBench.Plan(
                        catalog,
                        "coedge",
                        "coedge",
                        List.of(
                                LiveLinkBench.Drop.parse("edge-1:edge-2=3"),
                                LiveLinkBench.Drop.parse("edge-1:edge-3=3")),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(75),
                        Duration.ofSeconds(2),
                        LiveLinkBench.noiseImages(dir.resolve("images"), 400, 300));
        LiveLinkBench.Report report =
                new LiveLinkBench(
                                dir.resolve("work"),
                                models,
                                jar,
                                CoEdgeCli.class.getName(),
                                m -> {
                                    progress.add(m);
                                    System.out.println("live-link: " + m);
                                })
                        .run(plan);
        Path out = dir.resolve("out");
        String md = LiveLinkCommand.write(out, report);
        System.out.println(md);
        try {
            check(report, md, out, progress);
        } catch (AssertionError e) {
            printDecisions(
                    dir.resolve("work").resolve("live-link").resolve("cluster").resolve("logs"));
            throw e;
        }
    }

    /**
     * On a failure, what the folder's deletion would otherwise take with it: each TaskManager's
     * dispatch decisions and the JobManager's checkpoint completions (a CI run keeps only the
     * output).
     */
    private static void printDecisions(Path logs) {
        try (var files = Files.list(logs)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".log")
                        || !(name.startsWith("taskmanager-") || name.startsWith("jobmanager"))) {
                    continue;
                }
                System.out.println("== " + name);
                for (String line : Files.readAllLines(f)) {
                    if (line.contains("dispatch: task")
                            || line.contains("Completed checkpoint")
                            || line.contains("measures its links")
                            || line.contains("cannot probe")) {
                        System.out.println(line);
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.out.println("(could not read the testbed's logs in " + logs + ": " + e + ")");
        }
    }

    private static void check(
            LiveLinkBench.Report report, String md, Path out, List<String> progress)
            throws Exception {

        // Every frame: exactly one result or dead letter.
        LiveLinkBench.Totals totals = report.totals();
        assertThat(totals.frames()).isPositive();
        assertThat(totals.lost()).as("frames without a result or dead letter").isZero();
        assertThat(totals.duplicates()).as("frames with more than one").isZero();
        assertThat(totals.distinctResults() + totals.deadLetters()).isEqualTo(totals.frames());

        // The changes, in the report and its files.
        assertThat(report.changes())
                .extracting(r -> r.change().kind())
                .containsExactly("start", "drop", "restore");
        LiveLinkBench.ChangeRow drop = report.changes().get(1);
        LiveLinkBench.ChangeRow restore = report.changes().get(2);
        assertThat(drop.change().what())
                .isEqualTo("edge-1<->edge-2 3 Mbit/s, edge-1<->edge-3 3 Mbit/s");
        assertThat(restore.change().what())
                .isEqualTo("edge-1<->edge-2 100 Mbit/s, edge-1<->edge-3 20 Mbit/s");
        assertThat(md)
                .contains("| drop: edge-1<->edge-2 3 Mbit/s, edge-1<->edge-3 3 Mbit/s |")
                .contains("| restore: edge-1<->edge-2 100 Mbit/s, edge-1<->edge-3 20 Mbit/s |")
                .contains("exactly one result or dead letter per frame: **yes**");
        assertThat(Files.readString(out.resolve("live.md"))).isEqualTo(md);
        assertThat(Files.readAllLines(out.resolve("live.csv")))
                .hasSize(report.windows().size() + 1)
                .first()
                .asString()
                .startsWith("window_start_s,");
        assertThat(Files.readString(out.resolve("live.svg"), StandardCharsets.UTF_8))
                .contains("<svg")
                .contains("drop: edge-1&lt;-&gt;edge-2 3 Mbit/s");

        // A task came home after the drop, and no task moved more than twice per change.
        assertThat(report.moves())
                .as("a move home to edge-1 between the drop and the restore")
                .anyMatch(
                        m ->
                                m.to().equals("edge-1")
                                        && m.atMs() >= drop.change().atMs()
                                        && m.atMs() < restore.change().atMs());
        assertThat(drop.maxMoves()).as("moves per task after the drop").isLessThanOrEqualTo(2);
        assertThat(restore.maxMoves())
                .as("moves per task after the restore")
                .isLessThanOrEqualTo(2);

        // Everything the testbed made is gone.
        TestbedProcesses.assertTestbedGone(progress);
    }
}
