package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.deploy.ClusterSpec;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.JobArguments;
import io.coedge.deploy.LocalCluster;
import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.models.ModelGenerator;
import io.coedge.testing.TestCatalogs;
import io.coedge.testing.TestKafka;
import io.coedge.topics.TopicsConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real multi-process Flink cluster ({@link LocalCluster}): a JobManager process, one
 * TaskManager process per edge node (COEDGE_NODE), one sidecar process per node, the job jar
 * submitted with Flink's REST client. Dispatch is {@code no-offloading} so every node runs its own
 * cameras, with different loads per node (1, 2 and 3 cameras): the per-node counts in the results
 * must equal the per-sidecar inference counters, which they would not if a batcher talked to
 * another node's sidecar. Then one TaskManager process is killed mid-run and a replacement for the
 * same node started (as Kubernetes would): the job restarts from its checkpoint and every frame
 * still has exactly one committed result.
 */
class ProcessClusterITCase {
    private static final List<String> NODES = List.of("edge-1", "edge-2", "edge-3");
    private static final int WAVE_1 = 120;
    private static final int WAVE_2 = 240;

    @Test
    void eachNodeUsesItsOwnSidecarAndAKilledTaskManagerLosesAndDuplicatesNothing(@TempDir Path dir)
            throws Exception {
        Path jar =
                Path.of(System.getProperty("coedge.job.jar", "../jobs/target/coedge-job.jar"))
                        .toAbsolutePath();
        assertThat(jar)
                .as("the job jar (mvn package builds it before integration tests)")
                .isRegularFile();
        Path models = dir.resolve("models");
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("resnet", models);
        List<Integer> sidecarPorts = LoopbackPorts.withMetrics(NODES.size());
        Path catalogFile = dir.resolve("cluster.yaml");
        Files.writeString(catalogFile, catalog(sidecarPorts));
        Catalog catalog = CatalogText.read(catalogFile).parse();
        TopicsConfig topics =
                new TopicsConfig("pc.frames", "pc.results", "pc.dlq", "pc.profiles", 3);
        int[] flinkPorts = {LoopbackPorts.free(), LoopbackPorts.free()};

        try (TestKafka kafka = TestKafka.start()) {
            TopicAdmin.createAll(kafka.clientProperties(), topics);
            ClusterSpec spec =
                    ClusterSpec.builder(catalog.nodes(), dir.resolve("cluster"))
                            .restPort(flinkPorts[0])
                            .rpcPort(flinkPorts[1])
                            .models(models)
                            .sidecarDevice("cpu")
                            .build();
            try (LocalCluster cluster =
                    LocalCluster.start(
                            spec, catalogFile, m -> System.out.println("cluster: " + m))) {
                FlinkSession rest = cluster.session();
                String jobId;
                try (NodeWatch watch =
                        new NodeWatch(kafka.clientProperties(), topics.nodeProfiles())) {
                    watch.poll(Duration.ofMillis(100));
                    jobId =
                            rest.submit(
                                    jar,
                                    JobArguments.ENTRY_CLASS,
                                    List.of(
                                            "--config",
                                            catalogFile.toString(),
                                            "--bootstrap",
                                            kafka.bootstrap(),
                                            "--dispatch",
                                            "no-offloading",
                                            "--frames-topic",
                                            topics.frames(),
                                            "--results-topic",
                                            topics.results(),
                                            "--dlq-topic",
                                            topics.deadLetters(),
                                            "--profiles-topic",
                                            topics.nodeProfiles(),
                                            "--checkpoint-ms",
                                            "1000",
                                            "--name",
                                            "pc"),
                                    m -> System.out.println("submit: " + m));
                    rest.awaitRunning(jobId, Duration.ofMinutes(2));
                    watch.awaitHealthy(NODES, Duration.ofSeconds(90));
                }
                try (KafkaProducer<byte[], byte[]> producer =
                                new KafkaProducer<>(
                                        kafka.clientProperties(),
                                        new ByteArraySerializer(),
                                        new ByteArraySerializer());
                        ResultsReader results =
                                new ResultsReader(kafka.clientProperties(), topics.results())) {
                    // 1. Each node's batcher talks to its own node's sidecar.
                    Map<String, Long> before = sidecarInferences(catalog, sidecarPorts);
                    assertThat(cameras(catalog, topics, WAVE_1, 0).run(producer, r -> {}).acked())
                            .isEqualTo(WAVE_1);
                    List<FrameResult> first = results.readUntil(WAVE_1, Duration.ofSeconds(90));
                    Map<String, Long> ranPerNode =
                            count(
                                    first.stream().filter(r -> r.batchSize() > 0).toList(),
                                    FrameResult::node);
                    Map<String, Long> servedPerSidecar =
                            minus(sidecarInferences(catalog, sidecarPorts), before);
                    System.out.println(
                            "ProcessClusterITCase: frames run per node "
                                    + ranPerNode
                                    + ", inferences per sidecar "
                                    + servedPerSidecar
                                    + ", statuses "
                                    + count(first, r -> r.status().name()));
                    assertThat(first).allMatch(r -> r.node().equals(r.origin()));
                    assertThat(ranPerNode).hasSize(3);
                    assertThat(servedPerSidecar).isEqualTo(ranPerNode);

                    // 2. Kill a TaskManager process mid-run (once results of the second wave are
                    // committed: the job runs it
                    //    and has checkpointed since it began); a replacement joins for the same
                    // node.
                    CompletableFuture<CameraSimulator.Report> wave2 =
                            CompletableFuture.supplyAsync(
                                    () ->
                                            cameras(catalog, topics, WAVE_2, 1000)
                                                    .run(producer, r -> {}));
                    List<FrameResult> all = new ArrayList<>(first);
                    all.addAll(results.readAtLeastOne(Duration.ofSeconds(90)));
                    long killedAt = System.currentTimeMillis();
                    cluster.killTaskManager("edge-2");
                    cluster.startTaskManager("edge-2");
                    FlinkSession.JobStatus back =
                            awaitRestarted(rest, jobId, Duration.ofMinutes(2));
                    double runningAfter = (System.currentTimeMillis() - killedAt) / 1000.0;
                    assertThat(wave2.get().acked()).isEqualTo(WAVE_2);

                    all.addAll(
                            results.readUntil(
                                    WAVE_1 + WAVE_2 - all.size(), Duration.ofSeconds(120)));
                    double edge2Back =
                            all.stream()
                                            .filter(
                                                    r ->
                                                            r.node().equals("edge-2")
                                                                    && r.batchSize() > 0
                                                                    && r.inferenceEndTs() != null
                                                                    && r.inferenceEndTs()
                                                                            > killedAt)
                                            .mapToLong(FrameResult::emitTs)
                                            .min()
                                            .orElse(Long.MAX_VALUE)
                                    - killedAt;
                    System.out.printf(
                            "ProcessClusterITCase: recovery: job running again %.1f s after the kill; edge-2 emitted "
                                    + "again after %.1f s; restarts %s; statuses %s%n",
                            runningAfter,
                            edge2Back / 1000.0,
                            rest.restarts(jobId),
                            count(all, r -> r.status().name()));

                    assertThat(back.isFullyRunning()).isTrue();
                    assertThat(rest.restoredFromCheckpoint(jobId))
                            .as("the job restored a checkpoint")
                            .isTrue();
                    List<String> expectedIds = kafka.frameIds(topics.frames(), WAVE_1 + WAVE_2);
                    assertThat(expectedIds).hasSize(WAVE_1 + WAVE_2);
                    assertThat(all)
                            .extracting(FrameResult::frameId)
                            .containsExactlyInAnyOrderElementsOf(expectedIds);
                } finally {
                    rest.cancel(jobId);
                }
            }
        }
    }

    /** Six resnet cameras at 5 fps: one on edge-1, two on edge-2, three on edge-3. */
    private static String catalog(List<Integer> sidecarPorts) {
        return TestCatalogs.threeNodesResnet(
                sidecarPorts.get(0),
                sidecarPorts.get(1),
                sidecarPorts.get(2),
                """
        - {id: one, model: resnet, cameras: [cam-1], fps: 5, deadlineMs: 30000, origin: edge-1, frame: {width: 64, height: 48}}
        - {id: two, model: resnet, cameras: [cam-2, cam-3], fps: 5, deadlineMs: 30000, origin: edge-2, frame: {width: 64, height: 48}}
        - {id: three, model: resnet, cameras: [cam-4, cam-5, cam-6], fps: 5, deadlineMs: 30000, origin: edge-3, frame: {width: 64, height: 48}}
        """);
    }

    private static CameraSimulator cameras(
            Catalog catalog, TopicsConfig topics, int frames, long firstSequence) {
        return new CameraSimulator(
                CameraSpec.fromCatalog(catalog, null, null),
                new CameraSimulator.Options(
                        topics.frames(), null, frames, null, 5, 3, null, firstSequence));
    }

    /** Waits until the job has restarted (numRestarts above zero) and every task runs again. */
    private static FlinkSession.JobStatus awaitRestarted(
            FlinkSession rest, String jobId, Duration timeout) throws Exception {
        try {
            return await("the job restarts and runs again")
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(250))
                    .dontCatchUncaughtExceptions()
                    .until(
                            () -> {
                                long restarts = rest.restarts(jobId);
                                FlinkSession.JobStatus status = rest.status(jobId);
                                return restarts > 0 && status.isFullyRunning() ? status : null;
                            },
                            Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "job did not restart and run again within "
                            + timeout.toSeconds()
                            + " s: "
                            + rest.status(jobId)
                            + ", last exception "
                            + rest.rootException(jobId),
                    e);
        }
    }

    /**
     * Frames inferred per node, from each sidecar's coedge_inference_count (summed over models).
     */
    private static Map<String, Long> sidecarInferences(Catalog catalog, List<Integer> ports)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Long> out = new TreeMap<>();
        for (int i = 0; i < catalog.nodes().size(); i++) {
            int metricsPort = ports.get(i) + ClusterSpec.METRICS_PORT_OFFSET;
            String text =
                    http.send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            "http://127.0.0.1:"
                                                                    + metricsPort
                                                                    + "/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
            long sum =
                    text.lines()
                            .filter(l -> l.startsWith("coedge_inference_count{"))
                            .mapToLong(
                                    l ->
                                            (long)
                                                    Double.parseDouble(
                                                            l.substring(l.lastIndexOf(' ') + 1)))
                            .sum();
            out.put(catalog.nodes().get(i).id(), sum);
        }
        return out;
    }

    private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> out = new TreeMap<>();
        after.forEach(
                (k, v) -> {
                    long d = v - before.getOrDefault(k, 0L);
                    if (d != 0) {
                        out.put(k, d);
                    }
                });
        return out;
    }

    private static Map<String, Long> count(
            List<FrameResult> results, Function<FrameResult, String> by) {
        return results.stream()
                .collect(Collectors.groupingBy(by, TreeMap::new, Collectors.counting()));
    }

    /** Committed results (read_committed), read incrementally by one consumer. */
    private static final class ResultsReader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;

        ResultsReader(Properties client, String topic) {
            Properties p = new Properties();
            p.putAll(client);
            p.setProperty("group.id", "pc-results-" + System.nanoTime());
            p.setProperty("auto.offset.reset", "earliest");
            p.setProperty("isolation.level", "read_committed");
            consumer =
                    new KafkaConsumer<>(
                            p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(topic));
        }

        /** Reads until at least one result arrived; fails after {@code timeout}. */
        List<FrameResult> readAtLeastOne(Duration timeout) {
            List<FrameResult> out = new ArrayList<>();
            await("a committed result")
                    .atMost(timeout)
                    .pollInSameThread()
                    .pollInterval(Duration.ZERO)
                    .dontCatchUncaughtExceptions()
                    .until(
                            () -> {
                                poll(out);
                                return !out.isEmpty();
                            });
            return out;
        }

        /**
         * Reads until {@code expected} results arrived, then a little longer (anything more is a
         * duplicate).
         */
        List<FrameResult> readUntil(int expected, Duration timeout) throws IOException {
            List<FrameResult> out = new ArrayList<>();
            long until = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < until) {
                poll(out);
            }
            long extra = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < extra) {
                poll(out);
            }
            return out;
        }

        private void poll(List<FrameResult> out) throws IOException {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                out.add(ResultCodec.fromJson(r.value()));
            }
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
