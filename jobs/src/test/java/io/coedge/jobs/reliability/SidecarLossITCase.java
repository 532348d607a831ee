package io.coedge.jobs.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.jobs.TestJob;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.testing.TestCatalogs;
import io.coedge.testing.TestKafka;
import io.coedge.testing.TestSidecars;
import io.coedge.topics.TopicsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's sidecar dies mid-run (its server stops: the port answers nothing) and comes back: the
 * node reports itself unhealthy, dispatch moves its task to a healthy node, frames already handed
 * to it end as ERROR results, the node rejoins once its sidecar is ready again, the task moves
 * back, and every frame sent has exactly one result. Each step is awaited, not timed: the test
 * holds on a machine of any speed, and prints how long detection and rejoining took. The launcher's
 * restart of a dead sidecar process is {@link SidecarRestartITCase}.
 */
class SidecarLossITCase {
    static final String CATALOG =
            TestCatalogs.threeNodesResnet(
                    1,
                    2,
                    3,
                    """
      - {id: walkers, model: resnet, cameras: [cam-1, cam-2], fps: 4, deadlineMs: 10000, origin: edge-1, frame: {width: 64, height: 48}}
      - {id: cyclists, model: resnet, cameras: [cam-3], fps: 4, deadlineMs: 10000, origin: edge-2, frame: {width: 64, height: 48}}
      - {id: trucks, model: resnet, cameras: [cam-4], fps: 4, deadlineMs: 10000, origin: edge-3, frame: {width: 64, height: 48}}
      """);

    /** Every camera's rate in {@link #CATALOG}. */
    static final int FPS = 4;

    /** How long the sidecar stays down, at least. */
    static final Duration DOWN = Duration.ofSeconds(8);

    @Test
    void aKilledSidecarIsRestartedItsTasksMoveAwayAndBackAndEveryFrameGetsOneResult(
            @TempDir Path dir) throws Exception {
        CatalogText catalogText = new CatalogText("loss.yaml", CATALOG);
        Catalog catalog = catalogText.parse();
        TopicsConfig topics =
                new TopicsConfig("loss.frames", "loss.results", "loss.dlq", "loss.profiles", 3);

        try (TestKafka kafka = TestKafka.start();
                TestSidecars sidecars =
                        TestSidecars.generated(dir, 7, List.of("edge-1", "edge-2", "edge-3"))) {
            Map<String, String> addresses = sidecars.addresses();
            JobClient job = new TestJob(kafka, catalogText, topics, addresses, "loss").start();
            AtomicBoolean stopCameras = new AtomicBoolean();
            try (NodeWatch watch = new NodeWatch(kafka.clientProperties(), topics.nodeProfiles());
                    Committed out = new Committed(kafka.clientProperties(), topics)) {
                List<CameraSpec> cameras = CameraSpec.fromCatalog(catalog, null, null);
                assertThat(cameras)
                        .as(
                                "every camera at the same rate, so a run of FPS frames per camera is one second")
                        .allMatch(c -> c.fps() == FPS);
                CompletableFuture<Long> sending =
                        CompletableFuture.supplyAsync(
                                () -> {
                                    try (KafkaProducer<byte[], byte[]> producer =
                                            new KafkaProducer<>(
                                                    kafka.clientProperties(),
                                                    new ByteArraySerializer(),
                                                    new ByteArraySerializer())) {
                                        // Runs of one second (FPS frames per camera, sequences
                                        // going on from run to run) until the test has
                                        // seen the whole story, however long that takes on this
                                        // machine.
                                        long acked = 0;
                                        for (long first = 0; !stopCameras.get(); first += FPS) {
                                            acked +=
                                                    new CameraSimulator(
                                                                    cameras,
                                                                    new CameraSimulator.Options(
                                                                            topics.frames(),
                                                                            null,
                                                                            (long) FPS
                                                                                    * cameras
                                                                                            .size(),
                                                                            null,
                                                                            5,
                                                                            3,
                                                                            null,
                                                                            first))
                                                            .run(producer, r -> {})
                                                            .acked();
                                        }
                                        return acked;
                                    }
                                });

                out.awaitAtLeast(40, Duration.ofSeconds(60));
                // The node that runs walkers now (the policy may have placed it anywhere) loses its
                // sidecar.
                String node =
                        out.results.stream()
                                .filter(r -> r.task().equals("walkers"))
                                .max(java.util.Comparator.comparingLong(FrameResult::dispatchTs))
                                .orElseThrow()
                                .node();
                long killedAt = System.currentTimeMillis();
                sidecars.stop(node);
                long unhealthyAt = awaitStatus(watch, out, node, false, killedAt);
                // Down for the scenario's 8 s and until walkers has run elsewhere since the node
                // said it was unhealthy
                // (what the assertions below need), reading results meanwhile; then the sidecar
                // starts again on its port.
                long downUntil = System.nanoTime() + DOWN.toNanos();
                out.awaitUntil(
                        "walkers runs on another node while " + node + " has no sidecar",
                        Duration.ofSeconds(60),
                        c ->
                                System.nanoTime() >= downUntil
                                        && c.results.stream()
                                                .anyMatch(
                                                        r ->
                                                                r.task().equals("walkers")
                                                                        && r.dispatchTs()
                                                                                > unhealthyAt
                                                                        && r.status()
                                                                                != FrameResult
                                                                                        .Status
                                                                                        .ERROR
                                                                        && !r.node().equals(node)));
                sidecars.start(node);
                long readyAt = System.currentTimeMillis();
                long rejoinedAt = awaitStatus(watch, out, node, true, readyAt);
                // Back: a task comes home once it has dwelt elsewhere for 15 s; the cameras run
                // until then.
                out.awaitUntil(
                        node + " runs frames again after it rejoined",
                        Duration.ofSeconds(90),
                        c ->
                                c.results.stream()
                                        .anyMatch(
                                                r ->
                                                        r.dispatchTs() > rejoinedAt
                                                                && r.status()
                                                                        == FrameResult.Status.OK
                                                                && r.node().equals(node)));
                stopCameras.set(true);
                long sent = sending.get();
                out.awaitTotal((int) sent, Duration.ofSeconds(60));

                List<FrameResult> walkers =
                        out.results.stream().filter(r -> r.task().equals("walkers")).toList();
                System.out.println(
                        "SidecarLossITCase: "
                                + node
                                + " lost its sidecar; sent "
                                + sent
                                + ", results "
                                + out.results.size()
                                + ", dead letters "
                                + out.deadLetters.size()
                                + ", duplicates "
                                + (out.frameIds().size()
                                        - out.frameIds().stream().distinct().count())
                                + "; unhealthy status "
                                + (unhealthyAt - killedAt)
                                + " ms after the sidecar died, node rejoined "
                                + (rejoinedAt - readyAt)
                                + " ms after its sidecar was ready; statuses "
                                + Committed.count(
                                        out.results,
                                        r ->
                                                r.status()
                                                        + (r.reason() == null
                                                                ? ""
                                                                : " "
                                                                        + r.reason()
                                                                                .split(":", 2)[0]))
                                + "; results by node per 3 s of dispatch time from the death "
                                + timeline(out.results, killedAt));

                assertThat(out.frameIds()).doesNotHaveDuplicates().hasSize((int) sent);
                assertThat(out.deadLetters).isEmpty();
                // Frames that reached the node while its sidecar was gone end as ERROR NO_SIDECAR,
                // never lost.
                assertThat(out.results)
                        .filteredOn(r -> r.status() == FrameResult.Status.ERROR)
                        .allMatch(
                                r -> r.node().equals(node) && r.reason().startsWith("NO_SIDECAR"));
                // Away: once the node said it was unhealthy, nothing runs there until it rejoins;
                // walkers run elsewhere.
                assertThat(out.results)
                        .filteredOn(
                                r -> r.dispatchTs() > unhealthyAt && r.dispatchTs() < rejoinedAt)
                        .filteredOn(r -> r.node().equals(node))
                        .allMatch(r -> r.status() == FrameResult.Status.ERROR);
                assertThat(walkers)
                        .filteredOn(
                                r -> r.dispatchTs() > unhealthyAt && r.dispatchTs() < rejoinedAt)
                        .filteredOn(r -> r.status() != FrameResult.Status.ERROR)
                        .extracting(FrameResult::node)
                        .isNotEmpty()
                        .doesNotContain(node);
                // Back: after it rejoined, the node runs frames again (its own cameras' task comes
                // home).
                assertThat(out.results)
                        .filteredOn(
                                r ->
                                        r.dispatchTs() > rejoinedAt
                                                && r.status() == FrameResult.Status.OK)
                        .extracting(FrameResult::node)
                        .contains(node);
            } finally {
                stopCameras.set(true);
                job.cancel().get();
            }
        }
    }

    /**
     * When {@code node} first reported {@code healthy} with a status measured after {@code
     * sinceMs}; keeps reading results meanwhile.
     */
    private static long awaitStatus(
            NodeWatch watch, Committed out, String node, boolean healthy, long sinceMs) {
        return await(node + " reports healthy=" + healthy + " after " + sinceMs)
                .atMost(Duration.ofSeconds(60))
                .pollInSameThread()
                .pollInterval(Duration.ZERO)
                .dontCatchUncaughtExceptions()
                .until(
                        () -> {
                            NodeStatus s = watch.poll(Duration.ofMillis(50)).get(node);
                            out.poll(Duration.ofMillis(50));
                            return s;
                        },
                        s -> s != null && s.timestamp() > sinceMs && s.healthy() == healthy)
                .timestamp();
    }

    /** Nodes that ran the task, per 3-second window of dispatch time relative to the kill. */
    private static Map<Long, Map<String, Long>> timeline(List<FrameResult> results, long killedAt) {
        Map<Long, Map<String, Long>> out = new TreeMap<>();
        for (FrameResult r : results) {
            long window = Math.floorDiv(r.dispatchTs() - killedAt, 3000) * 3;
            out.computeIfAbsent(window, w -> new TreeMap<>())
                    .merge(
                            r.task()
                                    + "@"
                                    + r.node()
                                    + (r.status() == FrameResult.Status.ERROR ? " ERROR" : ""),
                            1L,
                            Long::sum);
        }
        return out;
    }
}
