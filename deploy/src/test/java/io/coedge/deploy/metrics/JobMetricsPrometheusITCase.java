package io.coedge.deploy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.TaskSpec;
import io.coedge.deploy.local.LocalPipeline;
import io.coedge.format.FrameResult;
import io.coedge.jobs.CoEdgeJob;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.models.ModelGenerator;
import io.coedge.testing.TestCatalogs;
import io.coedge.testing.TestKafka;
import io.coedge.testing.TestPrometheus;
import io.coedge.testing.TestSidecars;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's metrics reach a real Prometheus: Debian's {@code prometheus} scrapes the local
 * pipeline's reporter (what {@code coedge run} and {@code coedge demo} start) and the three
 * sidecars every second during a real run (Kafka, MiniCluster, ONNX Runtime sidecars). PromQL's
 * per-task deadline-miss rate over the run equals the one computed from the results topic, within
 * one scrape interval's frames; frames per task and node, the assignment and the sidecars'
 * inference counts are there too.
 */
class JobMetricsPrometheusITCase {
    /** The Grafana dashboard shipped under deploy/ (tests run in the module's directory). */
    private static final Path DASHBOARD = Path.of("grafana", "coedge-dashboard.json");

    static final Duration SCRAPE = Duration.ofSeconds(1);
    static final String P = "flink_taskmanager_job_task_operator_coedge_";
    static final List<String> OUTCOMES =
            List.of("framesOk", "framesLate", "framesDropped", "framesError");

    /** Frames with a result, per task (and per label set the grouping keeps). */
    static String results(String by) {
        return "sum by (" + by + ") (" + outcomes(OUTCOMES) + ")";
    }

    static String outcomes(List<String> names) {
        return String.join(" + ", names.stream().map(n -> P + "node_task_" + n).toList());
    }

    /** The deadline-miss rate per task: LATE + DROPPED + ERROR over every result. */
    static final String DMR =
            "sum by (task) ("
                    + outcomes(List.of("framesLate", "framesDropped", "framesError"))
                    + ") / "
                    + results("task");

    @Test
    void promQlDeadlineMissRatePerTaskEqualsTheResultsTopic(@TempDir Path dir) throws Exception {
        int frames = 450;
        Path models = dir.resolve("models");
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("resnet", models);
        // walkers has room; rushed's deadline is too short for every frame, so it misses some.
        CatalogText catalogText =
                new CatalogText(
                        "metrics.yaml",
                        TestCatalogs.threeNodesResnet(
                                1,
                                2,
                                3,
                                """
                                - {id: walkers, model: resnet, cameras: [cam-1, cam-2], fps: 30, deadlineMs: 5000, origin: edge-1, frame: {width: 64, height: 48}}
                                - {id: rushed, model: resnet, cameras: [cam-3], fps: 30, deadlineMs: 12, origin: edge-2, frame: {width: 64, height: 48}}
                                """));
        Catalog catalog = catalogText.parse();
        TopicsConfig topics =
                new TopicsConfig("pm.frames", "pm.results", "pm.dlq", "pm.profiles", 3);
        List<String> nodes = List.of("edge-1", "edge-2", "edge-3");
        int metricsPort = TestPrometheus.freePort();
        try (TestKafka kafka = TestKafka.start();
                TestSidecars sidecars = new TestSidecars(models, nodes, true)) {
            TopicAdmin.createAll(kafka.clientProperties(), topics);
            List<TestPrometheus.Target> targets = new ArrayList<>();
            targets.add(new TestPrometheus.Target("flink", "127.0.0.1:" + metricsPort, Map.of()));
            sidecars.metricsAddresses()
                    .forEach(
                            (node, address) ->
                                    targets.add(
                                            new TestPrometheus.Target(
                                                    "sidecar", address, Map.of("node", node))));
            try (TestPrometheus prometheus = TestPrometheus.start(targets, SCRAPE);
                    NodeWatch watch =
                            new NodeWatch(kafka.clientProperties(), topics.nodeProfiles());
                    LocalPipeline pipeline =
                            LocalPipeline.start(
                                    catalogText,
                                    KafkaClients.resolve(kafka.bootstrap(), null),
                                    topics,
                                    "coedge",
                                    "coedge",
                                    CoEdgeJob.Delivery.EXACTLY_ONCE,
                                    sidecars.addresses(),
                                    models,
                                    dir.resolve("work"),
                                    TestPrometheus.freePort(),
                                    metricsPort,
                                    progress -> {})) {
                System.out.println(
                        "JobMetricsPrometheusITCase: Prometheus "
                                + prometheus.url()
                                + " scrapes the job on 127.0.0.1:"
                                + metricsPort);
                watch.awaitHealthy(nodes, Duration.ofSeconds(90));
                CameraSimulator cameras =
                        new CameraSimulator(
                                CameraSpec.fromCatalog(catalog, null, null),
                                new CameraSimulator.Options(
                                        topics.frames(), null, frames, null, 5, 3, null, 0));
                try (KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(
                                kafka.clientProperties(),
                                new ByteArraySerializer(),
                                new ByteArraySerializer())) {
                    assertThat(cameras.run(producer, r -> {}).acked()).isEqualTo(frames);
                }
                List<FrameResult> results = readResults(kafka, topics, frames);
                assertThat(results).hasSize(frames);
                Map<String, Long> statuses = new TreeMap<>();
                results.forEach(r -> statuses.merge(r.task() + " " + r.status(), 1L, Long::sum));
                System.out.println("JobMetricsPrometheusITCase: results " + statuses);

                // The figures from the results topic.
                Map<String, long[]> byTask = new TreeMap<>(); // task -> {frames, misses}
                Map<String, Long> byTaskNode = new TreeMap<>();
                for (FrameResult r : results) {
                    long[] c = byTask.computeIfAbsent(r.task(), t -> new long[2]);
                    c[0]++;
                    if (r.status() != FrameResult.Status.OK) {
                        c[1]++;
                    }
                    byTaskNode.merge(r.task() + "@" + r.node(), 1L, Long::sum);
                }

                // Prometheus has scraped the last result once its count reaches the topic's.
                awaitValue(prometheus, "sum(" + outcomes(OUTCOMES) + ")", frames);
                Map<String, Double> dmr = new HashMap<>();
                for (TestPrometheus.Sample s : prometheus.query(DMR)) {
                    dmr.put(s.labels().get("task"), s.value());
                }
                for (Map.Entry<String, long[]> e : byTask.entrySet()) {
                    long taskFrames = e.getValue()[0];
                    double fromTopic = e.getValue()[1] / (double) taskFrames;
                    // One scrape interval's frames of this task, at its cameras' rate.
                    TaskSpec task = catalog.task(e.getKey()).orElseThrow();
                    double perScrape =
                            task.fps() * task.cameras().size() * SCRAPE.toMillis() / 1000.0;
                    double tolerance = perScrape / taskFrames;
                    System.out.printf(
                            "JobMetricsPrometheusITCase: task %s DMR results topic %.4f, PromQL"
                                    + " %.4f (%d frames)%n",
                            e.getKey(), fromTopic, dmr.get(e.getKey()), taskFrames);
                    assertThat(dmr).containsKey(e.getKey());
                    assertThat(dmr.get(e.getKey())).isCloseTo(fromTopic, within(tolerance));
                }
                assertThat(byTask.get("rushed")[1]).as("rushed misses deadlines").isPositive();

                // Frames per task and node, as the results name them.
                Map<String, Long> fromProm = new TreeMap<>();
                for (TestPrometheus.Sample s : prometheus.query(results("task, node"))) {
                    fromProm.put(
                            s.labels().get("task") + "@" + s.labels().get("node"),
                            Math.round(s.value()));
                }
                assertThat(fromProm).isEqualTo(byTaskNode);

                // Frames in per task at the dispatcher; one node per task in the assignment.
                Map<String, Long> in = new TreeMap<>();
                for (TestPrometheus.Sample s :
                        prometheus.query("sum by (task) (" + P + "task_framesIn)")) {
                    in.put(s.labels().get("task"), Math.round(s.value()));
                }
                Map<String, Long> expectedIn = new TreeMap<>();
                byTask.forEach((t, c) -> expectedIn.put(t, c[0]));
                assertThat(in).isEqualTo(expectedIn);
                for (TestPrometheus.Sample s :
                        prometheus.query(
                                "sum by (task) (max by (task, node) ("
                                        + P
                                        + "task_node_assigned))")) {
                    assertThat(s.value()).as("nodes assigned to %s", s.labels()).isEqualTo(1.0);
                }
                assertThat(prometheus.query(P + "node_batchSize_count")).isNotEmpty();
                assertThat(prometheus.query(P + "node_queueLength")).hasSize(nodes.size());
                assertThat(prometheus.query(P + "node_inFlightBatches")).hasSize(nodes.size());
                assertThat(prometheus.query(P + "node_overloaded"))
                        .hasSize(nodes.size())
                        .allMatch(g -> g.value() == 0.0 || g.value() == 1.0);
                assertThat(prometheus.query(P + "node_task_latencyMs{quantile=\"0.5\"}"))
                        .isNotEmpty();

                // The sidecars' own counters, scraped beside the job's: they ran every frame.
                assertThat(prometheus.targetHealth().values()).allMatch(h -> h.equals("up"));
                double inferred = prometheus.query("sum(coedge_inference_count)").get(0).value();
                long ran =
                        results.stream()
                                .filter(
                                        r ->
                                                r.status() == FrameResult.Status.OK
                                                        || r.status() == FrameResult.Status.LATE)
                                .count();
                assertThat(inferred).isGreaterThanOrEqualTo(ran);

                // Every panel of the Grafana dashboard (deploy/grafana) returns data.
                JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
                List<String> withData = new ArrayList<>();
                List<String> empty = new ArrayList<>();
                for (JsonNode panel : dashboard.path("panels")) {
                    boolean all = true;
                    for (JsonNode target : panel.path("targets")) {
                        all &= !prometheus.query(target.path("expr").asText()).isEmpty();
                    }
                    (all ? withData : empty).add(panel.path("title").asText());
                }
                System.out.println(
                        "JobMetricsPrometheusITCase: dashboard panels with data: " + withData);
                assertThat(withData).hasSize(dashboard.path("panels").size());
                assertThat(empty).as("dashboard panels without data").isEmpty();
            }
        }
    }

    private static void awaitValue(TestPrometheus prometheus, String promql, double expected)
            throws Exception {
        double[] last = {Double.NaN};
        try {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(
                            () -> {
                                List<TestPrometheus.Sample> s = prometheus.query(promql);
                                if (!s.isEmpty()) {
                                    last[0] = s.get(0).value();
                                }
                                return last[0] == expected;
                            });
            return;
        } catch (ConditionTimeoutException timedOut) {
            // said below, with what Prometheus saw
        }
        throw new AssertionError(
                promql
                        + " stayed at "
                        + last[0]
                        + ", expected "
                        + expected
                        + "; targets "
                        + prometheus.targetHealth()
                        + "; up "
                        + prometheus.query("up"));
    }

    private static List<FrameResult> readResults(TestKafka kafka, TopicsConfig topics, int frames) {
        List<FrameResult> out = new ArrayList<>();
        try (ResultsReader reader =
                new ResultsReader(kafka.clientProperties(), topics.results(), true)) {
            long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (out.size() < frames && System.nanoTime() < until) {
                reader.poll(Duration.ofMillis(200), out::add);
            }
        }
        return out;
    }
}
