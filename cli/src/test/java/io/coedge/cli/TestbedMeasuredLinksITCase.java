package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.deploy.ClusterSpec;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.LocalCluster;
import io.coedge.deploy.testbed.Testbed;
import io.coedge.deploy.testbed.TestbedState;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.format.NodeStatusCodec;
import io.coedge.topics.TopicsConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the testbed (root only) each node measures its links and the dispatcher plans from what they
 * measured, not from the catalog:
 *
 * <ol>
 *   <li>edge-1's published measurement of its 5 Mbit/s link to edge-2 is within 12% of what tbf
 *       gives a TCP payload there (96% of the rate: 4.8 Mbit/s), and follows `cluster link` to 10
 *       and 20 Mbit/s the same way;
 *   <li>two tasks whose cameras sit on edge-1, both nodes serving their model, coedge dispatch: a
 *       node takes 150 ms per frame (the sidecar's delay runtime, so no CPU's speed matters), two
 *       tasks of 4 fps overload edge-1 and over the 20 Mbit/s link one of them runs on edge-2; the
 *       link is then cut to 1.5 Mbit/s, too little for that task's 74 KB frames at 4 fps, while the
 *       catalog still says 5 Mbit/s: the task returns to edge-1 on the measurement alone, with at
 *       most two moves per task per change, and every frame ends in exactly one result.
 * </ol>
 *
 * The link is idle while it is measured in (1): a transfer sharing it would get only part of it.
 * Assertions are on placements, counts and what the link's rate sets, never on this CPU's timings.
 */
class TestbedMeasuredLinksITCase {
    private static final double CATALOG_MBPS = 5.0;

    /** What a TCP payload gets of a tbf rate (headers count): TestbedShapingITCase's figure. */
    private static final double PAYLOAD_SHARE = 0.96;

    private static final double TOLERANCE = 0.12;
    private static final long DWELL_MS = 15_000;

    /** Below the 2.4 Mbit/s one task's frames need (2.64 with the planner's 10% headroom). */
    private static final double CUT_MBPS = 1.5;

    private static final int FRAMES = 960; // 2 cameras x 4 fps x 120 s

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final TestbedKafkaReader.Seen seen = new TestbedKafkaReader.Seen();

    @Test
    void nodesPublishWhatTheirLinksGiveAndTheDispatcherMovesATaskHomeWhenItsLinkDrops(
            @TempDir Path dir) throws Exception {
        TestbedProcesses.assumeRoot();
        Path jar = TestbedProcesses.jobJar();
        Path models = dir.resolve("models");
        delayModel(models, "m", 150_000);
        Path catalogFile = dir.resolve("links.yaml");
        Files.writeString(
                catalogFile,
                """
                nodes:
                  - {id: edge-1, sidecar: "127.0.0.1:8301"}
                  - {id: edge-2, sidecar: "127.0.0.1:8302"}
                models:
                  - name: m
                    maxBatch: 4
                    input: {name: input, width: 32, height: 32}
                    postprocess: {type: classification, topK: 1, labels: [a, b, c]}
                tasks:
                  - {id: t1, model: m, cameras: [cam-1], fps: 4, deadlineMs: 1000, origin: edge-1, inputBytes: 75000, frame: {width: 400, height: 300}}
                  - {id: t2, model: m, cameras: [cam-2], fps: 4, deadlineMs: 1000, origin: edge-1, inputBytes: 75000, frame: {width: 400, height: 300}}
                links:
                  - {from: edge-1, to: edge-2, bandwidthMbps: %s, latencyMs: 0}
                  - {from: edge-2, to: edge-1, bandwidthMbps: %s, latencyMs: 0}
                """
                        .formatted(CATALOG_MBPS, CATALOG_MBPS));
        Catalog catalog = CatalogText.read(catalogFile).parse();
        Path images = TestbedProcesses.noiseImages(dir.resolve("images"));
        TopicsConfig topics = TopicsConfig.defaults();
        ClusterSpec spec = TestbedProcesses.spec(catalog, dir, models).build();
        String run;
        Map<String, Long> toMeasured = new HashMap<>();
        long cutMs;
        String offloaded;
        try (LocalCluster cluster = TestbedProcesses.startTestbed(spec, catalogFile, catalog)) {
            TestbedState testbed = cluster.testbed();
            run = TestbedProcesses.run(testbed);
            String kafka = cluster.state().kafkaBootstrap();
            try (TestbedProcesses started = new TestbedProcesses(testbed)) {
                FlinkSession rest = cluster.session();
                String jobId = started.startJob(rest, jar, catalogFile, kafka, "coedge");
                try {
                    follow(
                            started.java(
                                    "backbone",
                                    TestbedKafkaReader.class.getName(),
                                    "follow",
                                    kafka,
                                    topics.nodeProfiles(),
                                    topics.frames(),
                                    topics.results()));

                    // (1) What edge-1 publishes of its idle link to edge-2, at three rates.
                    for (double mbps : new double[] {5, 10, 20}) {
                        long set = System.currentTimeMillis();
                        if (mbps != CATALOG_MBPS) {
                            Testbed.setLink(testbed, "edge-1", "edge-2", mbps, null);
                        }
                        NodeStatus.LinkStatus got = settled(set, mbps, Duration.ofSeconds(120));
                        toMeasured.put(Double.toString(mbps), got.measuredAtMs() - set);
                        System.out.printf(
                                "TestbedMeasuredLinksITCase: link shaped %.0f Mbit/s, measured"
                                        + " %.2f Mbit/s (%d rounds), published %d ms after the"
                                        + " change%n",
                                mbps, got.mbps(), got.samples(), got.measuredAtMs() - set);
                        assertThat(got.mbps())
                                .as("measured at %s Mbit/s", mbps)
                                .isBetween(
                                        mbps * PAYLOAD_SHARE * (1 - TOLERANCE),
                                        mbps * PAYLOAD_SHARE * (1 + TOLERANCE));
                    }
                    assertThat(seen.latest("edge-2").probe()).startsWith("10.77.0.2:");

                    // (2) Overload edge-1 over a fast link: one task runs on edge-2.
                    Process produce =
                            started.coedge(
                                    "edge-1",
                                    kafka,
                                    "produce",
                                    "--config",
                                    catalogFile.toString(),
                                    "--count",
                                    Integer.toString(FRAMES),
                                    "--images",
                                    images.toString(),
                                    "--first-sequence",
                                    "0");
                    FrameResult remote =
                            await(
                                    Duration.ofMinutes(2),
                                    l -> l.startsWith("result "),
                                    () -> firstResult(r -> r.node().equals("edge-2")));
                    if (remote == null) {
                        diagnose(dir.resolve("cluster"));
                    }
                    assertThat(remote).as("a task offloaded to edge-2").isNotNull();
                    offloaded = remote.task();
                    // Past the moved task's dwell, then the cut: the catalog still says 5.
                    Thread.sleep(DWELL_MS + 2_000);
                    cutMs = System.currentTimeMillis();
                    Testbed.setLink(testbed, "edge-1", "edge-2", CUT_MBPS, null);
                    String task = offloaded;
                    FrameResult home =
                            await(
                                    Duration.ofMinutes(3),
                                    l -> l.startsWith("result "),
                                    () ->
                                            firstResult(
                                                    r ->
                                                            r.task().equals(task)
                                                                    && r.node().equals("edge-1")
                                                                    && r.dispatchTs() != null
                                                                    && r.dispatchTs() > cutMs));
                    if (home == null) {
                        diagnose(dir.resolve("cluster"));
                    }
                    assertThat(home).as("task %s back on edge-1 after the cut", task).isNotNull();
                    System.out.printf(
                            "TestbedMeasuredLinksITCase: task %s moved to edge-2 (first frame"
                                    + " dispatched %d), link cut to %.1f Mbit/s, first frame"
                                    + " dispatched home %d ms after the cut%n",
                            task, remote.dispatchTs(), CUT_MBPS, home.dispatchTs() - cutMs);
                    assertThat(produce.waitFor(5, TimeUnit.MINUTES)).isTrue();
                    assertThat(produce.exitValue()).isZero();
                    await(
                            Duration.ofMinutes(4),
                            l -> l.startsWith("result "),
                            () -> allResults() ? "" : null);
                } finally {
                    rest.cancel(jobId);
                }
            }
        }
        TestbedProcesses.assertNamespacesGone(run);

        // Exactly one result per frame.
        assertThat(seen.frames).hasSize(FRAMES);
        assertThat(seen.results)
                .extracting(FrameResult::frameId)
                .containsExactlyInAnyOrderElementsOf(seen.frames.keySet());
        // Moves per task per change (the start over the fast link, the cut): at most two.
        for (String task : List.of("t1", "t2")) {
            List<FrameResult> mine =
                    seen.results.stream()
                            .filter(r -> r.task().equals(task) && r.dispatchTs() != null)
                            .sorted(Comparator.comparing(FrameResult::sequence))
                            .toList();
            int before = 0;
            int after = 0;
            for (int i = 1; i < mine.size(); i++) {
                if (!mine.get(i).node().equals(mine.get(i - 1).node())) {
                    if (mine.get(i).dispatchTs() > cutMs) {
                        after++;
                    } else {
                        before++;
                    }
                }
            }
            System.out.printf(
                    "TestbedMeasuredLinksITCase: task %s moved %d times before the cut, %d after;"
                            + " statuses %s%n",
                    task, before, after, byStatus(mine));
            assertThat(before).as("moves of %s before the cut", task).isLessThanOrEqualTo(2);
            assertThat(after).as("moves of %s after the cut", task).isLessThanOrEqualTo(2);
            if (task.equals(offloaded)) {
                assertThat(mine.get(mine.size() - 1).node())
                        .as("%s ends at its origin", task)
                        .isEqualTo("edge-1");
            }
        }
        System.out.println("TestbedMeasuredLinksITCase: published after change (ms) " + toMeasured);
    }

    /**
     * edge-1's measurement of its link to edge-2 once three rounds (the median's window) ran
     * entirely after {@code changedMs} and the median is within the tolerance of {@code mbps}'s
     * payload rate, or the last one seen when that does not happen in time.
     */
    private NodeStatus.LinkStatus settled(long changedMs, double mbps, Duration timeout)
            throws Exception {
        int[] startSamples = {-1};
        long[] followedMs = {-1};
        NodeStatus.LinkStatus[] last = {null};
        await(
                timeout,
                l -> l.startsWith("status "),
                () -> {
                    NodeStatus s = seen.latest("edge-1");
                    NodeStatus.LinkStatus l =
                            s == null || s.links() == null ? null : s.links().get("edge-2");
                    if (l == null) {
                        return null;
                    }
                    if (startSamples[0] < 0) {
                        startSamples[0] = l.samples();
                    }
                    last[0] = l;
                    double want = mbps * PAYLOAD_SHARE;
                    boolean within = Math.abs(l.mbps() / want - 1) <= TOLERANCE;
                    if (within && followedMs[0] < 0 && l.measuredAtMs() > changedMs) {
                        followedMs[0] = l.measuredAtMs() - changedMs;
                        System.out.printf(
                                "TestbedMeasuredLinksITCase: the published median reached %.2f"
                                        + " Mbit/s %d ms after the link was set to %.0f%n",
                                l.mbps(), followedMs[0], mbps);
                    }
                    return l.samples() >= startSamples[0] + 4
                                    && l.measuredAtMs() > changedMs
                                    && Math.abs(l.mbps() / want - 1) <= TOLERANCE
                            ? l
                            : null;
                });
        assertThat(last[0]).as("edge-1 publishes a measurement of its link to edge-2").isNotNull();
        return last[0];
    }

    /** What the nodes last said and what the cluster logged of its plans and troubles. */
    private void diagnose(Path cluster) throws Exception {
        for (String node : List.of("edge-1", "edge-2")) {
            NodeStatus s = seen.latest(node);
            System.out.println(
                    "TestbedMeasuredLinksITCase: last status of "
                            + node
                            + ": "
                            + (s == null
                                    ? "none"
                                    : new String(
                                            NodeStatusCodec.toJson(s), StandardCharsets.UTF_8)));
        }
        for (NodeStatus s : seen.statuses) {
            if (s.node().equals("edge-1") && s.links() != null && s.links().get("edge-2") != null) {
                var l = s.links().get("edge-2");
                System.out.printf(
                        "TestbedMeasuredLinksITCase: status %d edge-1 -> edge-2 %.2f Mbit/s, %d"
                                + " rounds, measured at %d%n",
                        s.timestamp(), l.mbps(), l.samples(), l.measuredAtMs());
            }
        }
        Map<String, Long> where = new java.util.TreeMap<>();
        seen.results.forEach(
                r -> where.merge(r.task() + "@" + r.node() + ":" + r.status(), 1L, Long::sum));
        System.out.println("TestbedMeasuredLinksITCase: results " + where);
        try (var files = Files.walk(cluster)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
                    if (line.contains("dispatch")
                            || line.contains("WARN")
                            || line.contains("ERROR")) {
                        System.out.println(f.getFileName() + ": " + line);
                    }
                }
            }
        }
    }

    private void follow(Process p) {
        Thread t =
                new Thread(
                        () -> {
                            try (BufferedReader in =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    p.getInputStream(), StandardCharsets.UTF_8))) {
                                String line;
                                while ((line = in.readLine()) != null) {
                                    lines.add(line);
                                }
                            } catch (Exception e) {
                                // the follower was stopped
                            }
                        },
                        "testbed-follow");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Takes the follower's lines until {@code check}, asked after each {@code interesting} one (and
     * whenever no line waits), answers non-null or the timeout passes; returns its last answer.
     */
    private <T> T await(
            Duration timeout, Predicate<String> interesting, java.util.function.Supplier<T> check)
            throws Exception {
        try {
            return Awaitility.await()
                    .atMost(timeout)
                    .pollInSameThread()
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> {
                                T answer = check.get();
                                String line;
                                // A line is taken out of the queue only to be read: none is lost
                                // between two waits.
                                while (answer == null && (line = lines.poll()) != null) {
                                    seen.take(line);
                                    if (interesting.test(line) || lines.isEmpty()) {
                                        answer = check.get();
                                    }
                                }
                                return answer;
                            },
                            Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            return check.get();
        }
    }

    private FrameResult firstResult(Predicate<FrameResult> which) {
        return seen.results.stream().filter(which).findFirst().orElse(null);
    }

    private boolean allResults() {
        if (seen.frames.size() < FRAMES) {
            return false;
        }
        Set<String> done = new HashSet<>();
        seen.results.forEach(r -> done.add(r.frameId()));
        return done.containsAll(seen.frames.keySet());
    }

    private static Map<FrameResult.Status, Long> byStatus(List<FrameResult> rs) {
        Map<FrameResult.Status, Long> out = new java.util.TreeMap<>();
        rs.forEach(r -> out.merge(r.status(), 1L, Long::sum));
        return out;
    }

    /**
     * A model of the sidecar's delay runtime (docs/SIDECAR.md): every frame takes {@code
     * perFrameUs}, whatever the batch and the CPU, so a node's speed is the test's choice.
     */
    private static void delayModel(Path repository, String name, long perFrameUs) throws Exception {
        Path dir = repository.resolve(name);
        Files.createDirectories(dir.resolve("1"));
        Files.writeString(
                dir.resolve("config.pbtxt"),
                """
                name: "%s"
                backend: "coedge_delay"
                max_batch_size: 4
                input [ { name: "input" data_type: TYPE_FP32 dims: [ 3, 32, 32 ] } ]
                output [ { name: "output" data_type: TYPE_FP32 dims: [ 3, 32, 32 ] } ]
                parameters { key: "execute_delay_us" value { string_value: "0" } }
                parameters { key: "execute_delay_per_item_us" value { string_value: "%d" } }
                """
                        .formatted(name, perFrameUs));
    }
}
