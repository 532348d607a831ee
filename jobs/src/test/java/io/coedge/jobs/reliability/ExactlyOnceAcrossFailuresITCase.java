package io.coedge.jobs.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.format.FrameResult;
import io.coedge.format.RawRecord;
import io.coedge.jobs.TestJob;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.testing.TestCatalogs;
import io.coedge.testing.TestKafka;
import io.coedge.topics.TopicsConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Results and dead letters stay exactly once across failures: a TaskManager killed mid-run, and an
 * operator failing once after a checkpoint. Frames queued on the nodes (keyed state) and held by
 * the dispatcher restore with the source offsets of the same checkpoint, so among committed results
 * and dead letters ({@code read_committed}) every frame id sent appears exactly once.
 */
class ExactlyOnceAcrossFailuresITCase {
    static final String CATALOG =
            TestCatalogs.threeNodesResnet(
                    1,
                    2,
                    3,
                    """
      - {id: walkers, model: resnet, cameras: [cam-1, cam-2], fps: 8, deadlineMs: 20000, origin: edge-1, frame: {width: 64, height: 48}}
      - {id: cyclists, model: resnet, cameras: [cam-3, cam-4], fps: 8, deadlineMs: 20000, origin: edge-2, frame: {width: 64, height: 48}}
      """);
    static final int FRAMES = 240;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(3)
                            .setNumberSlotsPerTaskManager(1)
                            .setConfiguration(restarts())
                            .build());

    @RegisterExtension
    static final KafkaAndSidecars PARTS =
            new KafkaAndSidecars(List.of("edge-1", "edge-2", "edge-3"));

    static Configuration restarts() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return conf;
    }

    /**
     * A run's outcome: ids sent, ids among committed results and dead letters, and whether the job
     * restarted.
     */
    record Run(
            List<String> sent,
            List<String> committed,
            List<FrameResult> results,
            long restartedAt) {}

    @Test
    void killingATaskManagerMidRunLosesAndDoublesNoFrame(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        Run run =
                run(
                        cluster,
                        "eo-tm",
                        UnaryOperator.identity(),
                        () -> {
                            cluster.terminateTaskManager(0).get();
                            cluster.startTaskManager(); // the node comes back; the job needs all
                            // three slots
                        });
        report("TaskManager killed", run);
        assertThat(run.restartedAt()).as("the job restarted").isPositive();
        assertThat(run.committed()).containsExactlyInAnyOrderElementsOf(run.sent());
    }

    @Test
    void anOperatorFailingOnceAfterACheckpointLosesAndDoublesNoFrame(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        Run run =
                run(
                        cluster,
                        "eo-op",
                        frames ->
                                frames.map(new FailOnceAfterCheckpoint(20))
                                        .name("fail once")
                                        .uid("fail-once"),
                        () -> {});
        report("operator failed once", run);
        assertThat(run.restartedAt()).as("the job restarted").isPositive();
        assertThat(run.committed()).containsExactlyInAnyOrderElementsOf(run.sent());
    }

    private static void report(String what, Run run) {
        long distinct = run.committed().stream().distinct().count();
        List<String> lost = new ArrayList<>(run.sent());
        lost.removeAll(run.committed());
        System.out.println(
                "ExactlyOnceAcrossFailuresITCase ("
                        + what
                        + "): sent "
                        + run.sent().size()
                        + ", committed "
                        + run.committed().size()
                        + ", duplicates "
                        + (run.committed().size() - distinct)
                        + ", lost "
                        + lost.size()
                        + "; statuses "
                        + Committed.count(run.results(), r -> r.status().name()));
    }

    /**
     * Starts the job, sends {@link #FRAMES} frames over about 10 s, and calls {@code failure} once
     * a third of them have committed results.
     */
    private static Run run(
            MiniCluster cluster,
            String name,
            UnaryOperator<DataStream<RawRecord>> inject,
            ThrowingRunnable failure)
            throws Exception {
        TestKafka kafka = PARTS.kafka();
        CatalogText catalogText = new CatalogText(name + ".yaml", CATALOG);
        Catalog catalog = catalogText.parse();
        TopicsConfig topics =
                new TopicsConfig(
                        name + ".frames", name + ".results", name + ".dlq", name + ".profiles", 3);
        JobClient job =
                new TestJob(kafka, catalogText, topics, PARTS.sidecars().addresses(), name)
                        .configuration(restarts())
                        .checkpointMs(500)
                        .frames(inject)
                        .start();
        try (Committed out = new Committed(kafka.clientProperties(), topics)) {
            CameraSimulator cameras =
                    new CameraSimulator(
                            CameraSpec.fromCatalog(catalog, null, null),
                            new CameraSimulator.Options(
                                    topics.frames(), null, FRAMES, null, 5, 3, null, 0));
            CompletableFuture<Long> sending =
                    CompletableFuture.supplyAsync(() -> kafka.send(cameras));
            out.awaitAtLeast(FRAMES / 3, Duration.ofSeconds(60));
            failure.run();
            assertThat(sending.get()).isEqualTo(FRAMES);
            out.awaitTotal(FRAMES, Duration.ofSeconds(120));
            long restartedAt =
                    cluster.getExecutionGraph(job.getJobID())
                            .get()
                            .getStatusTimestamp(JobStatus.RESTARTING);
            return new Run(
                    kafka.frameIds(topics.frames(), FRAMES),
                    out.frameIds(),
                    List.copyOf(out.results),
                    restartedAt);
        } finally {
            job.cancel().get();
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
