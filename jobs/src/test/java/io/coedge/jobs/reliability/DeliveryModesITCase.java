package io.coedge.jobs.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.format.FrameResult;
import io.coedge.jobs.CoEdgeJob;
import io.coedge.jobs.TestJob;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.stats.Latencies;
import io.coedge.testing.TestKafka;
import io.coedge.topics.TopicsConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The two delivery modes of the results sink across a TaskManager killed mid-run: with {@code
 * low-latency} every frame still ends in at least one result or dead letter, and every copy of a
 * frame's result is keyed by, and carries, the same frame id (so a last-value-per-key reader sees
 * each frame once); with {@code exactly-once} each frame ends in exactly one. Both print capture ->
 * visible to a {@code read_committed} consumer, p50/p99, for frames captured before the kill and in
 * the 10 s after it (figures in docs/RELIABILITY.md; not asserted: they depend on the machine). The
 * checkpoint interval is 1 s, or {@code -Dcoedge.delivery.checkpointMs}.
 */
class DeliveryModesITCase {
    static final String CATALOG = ExactlyOnceAcrossFailuresITCase.CATALOG;
    static final int FRAMES = 480;
    static final long CHECKPOINT_MS = Long.getLong("coedge.delivery.checkpointMs", 1000);
    static final boolean UNALIGNED = Boolean.getBoolean("coedge.delivery.unaligned");

    /**
     * The MiniCluster is shared by the tests and keeps terminated TaskManagers in its list: the
     * first kill takes index 0, each later one the TaskManager the kill before started (3, 4...).
     */
    private static int kills;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(3)
                            .setNumberSlotsPerTaskManager(1)
                            .setConfiguration(ExactlyOnceAcrossFailuresITCase.restarts())
                            .build());

    @RegisterExtension
    static final KafkaAndSidecars PARTS =
            new KafkaAndSidecars(List.of("edge-1", "edge-2", "edge-3"));

    @Test
    void lowLatencyEndsEveryFrameAtLeastOnceUnderOneFrameId(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        Run run = run(cluster, "dl-low", CoEdgeJob.Delivery.LOW_LATENCY);
        assertThat(run.restartedAt).as("the job restarted").isPositive();
        assertThat(new HashSet<>(run.out.frameIds()))
                .as("every frame sent has a result or a dead letter, and nothing else does")
                .isEqualTo(new HashSet<>(run.sent));
        for (int i = 0; i < run.out.results.size(); i++) {
            assertThat(run.out.resultKeys.get(i))
                    .as("record key of a result")
                    .isEqualTo(run.out.results.get(i).frameId());
        }
    }

    @Test
    void exactlyOnceEndsEveryFrameOnce(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Run run = run(cluster, "dl-exact", CoEdgeJob.Delivery.EXACTLY_ONCE);
        assertThat(run.restartedAt).as("the job restarted").isPositive();
        assertThat(run.out.frameIds()).containsExactlyInAnyOrderElementsOf(run.sent);
        for (int i = 0; i < run.out.results.size(); i++) {
            assertThat(run.out.resultKeys.get(i)).isEqualTo(run.out.results.get(i).camera());
        }
    }

    private record Run(List<String> sent, Committed out, long killedAtMs, long restartedAt) {}

    private static Run run(MiniCluster cluster, String name, CoEdgeJob.Delivery delivery)
            throws Exception {
        TestKafka kafka = PARTS.kafka();
        CatalogText catalogText = new CatalogText(name + ".yaml", CATALOG);
        Catalog catalog = catalogText.parse();
        TopicsConfig topics =
                new TopicsConfig(
                        name + ".frames", name + ".results", name + ".dlq", name + ".profiles", 3);
        JobClient job =
                new TestJob(kafka, catalogText, topics, PARTS.sidecars().addresses(), name)
                        .configuration(ExactlyOnceAcrossFailuresITCase.restarts())
                        .checkpointMs(CHECKPOINT_MS)
                        .unalignedCheckpoints(UNALIGNED)
                        .delivery(delivery)
                        .start();
        Committed out = new Committed(kafka.clientProperties(), topics);
        try {
            CameraSimulator cameras =
                    new CameraSimulator(
                            CameraSpec.fromCatalog(catalog, null, null),
                            new CameraSimulator.Options(
                                    topics.frames(), null, FRAMES, null, 5, 3, null, 0));
            CompletableFuture<Long> sending =
                    CompletableFuture.supplyAsync(() -> kafka.send(cameras));
            out.awaitAtLeast(FRAMES / 4, Duration.ofSeconds(60));
            long killedAt = System.currentTimeMillis();
            cluster.terminateTaskManager(kills == 0 ? 0 : 2 + kills).get();
            kills++;
            cluster.startTaskManager();
            assertThat(sending.get()).isEqualTo(FRAMES);
            out.awaitUntil(
                    "a result or dead letter for every frame",
                    Duration.ofSeconds(120),
                    c -> new HashSet<>(c.frameIds()).size() >= FRAMES);
            out.awaitTotal(0, Duration.ZERO); // three seconds more: late duplicates
            long restartedAt =
                    cluster.getExecutionGraph(job.getJobID())
                            .get()
                            .getStatusTimestamp(JobStatus.RESTARTING);
            Run run = new Run(kafka.frameIds(topics.frames(), FRAMES), out, killedAt, restartedAt);
            report(delivery, run);
            return run;
        } finally {
            job.cancel().get();
            out.close();
        }
    }

    /**
     * One line of figures: counts, and capture -> first visible copy, before and after the kill.
     */
    private static void report(CoEdgeJob.Delivery delivery, Run run) {
        Map<String, Long> firstVisible = new HashMap<>();
        Map<String, Long> captured = new HashMap<>();
        for (int i = 0; i < run.out.results.size(); i++) {
            FrameResult r = run.out.results.get(i);
            firstVisible.merge(r.frameId(), run.out.visibleAtMs.get(i), Math::min);
            captured.put(r.frameId(), r.captureTs());
        }
        Latencies before = new Latencies();
        Latencies after = new Latencies();
        long firstAfterKill = Long.MAX_VALUE;
        for (var e : firstVisible.entrySet()) {
            long capture = captured.get(e.getKey());
            long latency = Math.max(0, e.getValue() - capture);
            if (capture < run.killedAtMs - 1000) {
                before.record(latency);
            } else if (capture >= run.killedAtMs && capture < run.killedAtMs + 10_000) {
                after.record(latency);
                firstAfterKill = Math.min(firstAfterKill, e.getValue());
            }
        }
        int results = run.out.results.size();
        System.out.println(
                String.format(
                        Locale.ROOT,
                        "DeliveryModesITCase (%s, %s checkpoints every %d ms, TaskManager killed):"
                                + " sent %d, results %d, dead letters %d, distinct frames %d,"
                                + " duplicate copies %d; capture -> visible (read_committed)"
                                + " p50/p99/max ms: before the kill %d/%d/%d (n=%d), captured in"
                                + " the 10 s after it %d/%d/%d (n=%d); first result of a frame"
                                + " captured after the kill visible %d ms after the kill",
                        delivery.flag(),
                        UNALIGNED ? "unaligned" : "aligned",
                        CHECKPOINT_MS,
                        run.sent.size(),
                        results,
                        run.out.deadLetters.size(),
                        new HashSet<>(run.out.frameIds()).size(),
                        run.out.total() - new HashSet<>(run.out.frameIds()).size(),
                        before.percentile(0.5),
                        before.percentile(0.99),
                        before.max(),
                        before.count(),
                        after.percentile(0.5),
                        after.percentile(0.99),
                        after.max(),
                        after.count(),
                        firstAfterKill == Long.MAX_VALUE ? -1 : firstAfterKill - run.killedAtMs));
    }
}
