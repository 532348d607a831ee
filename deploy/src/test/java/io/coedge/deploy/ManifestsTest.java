package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.NodeSpec;
import io.coedge.topics.TopicsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests and container images agree with the job: topic names and partitions with
 * {@link TopicsConfig#defaults()}, job arguments with {@link JobArguments}, sidecar ports with the
 * catalog and the probes, one TaskManager per catalog node.
 */
class ManifestsTest {
    private static final Path K8S = Path.of("k8s");
    private static final Path DOCKER = Path.of("docker");
    private static final int SIDECAR_GRPC = 8001;
    private static final int SIDECAR_METRICS = 8002;

    private static final List<Map<String, Object>> DOCS = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object doc : new Yaml().loadAll(Files.readString(file))) {
                    if (doc != null) {
                        DOCS.add(map(doc));
                    }
                }
            }
        }
    }

    @Test
    void everyManifestHasApiVersionKindNameAndTheCoedgeNamespace() {
        assertThat(DOCS)
                .isNotEmpty()
                .allSatisfy(
                        doc -> {
                            assertThat(doc).containsKeys("apiVersion", "kind", "metadata");
                            Map<String, Object> meta = map(doc.get("metadata"));
                            assertThat(meta.get("name")).isInstanceOf(String.class);
                            if (!"Namespace".equals(doc.get("kind"))) {
                                assertThat(meta.get("namespace"))
                                        .as("namespace of %s", meta.get("name"))
                                        .isEqualTo("coedge");
                            }
                        });
        assertThat(DOCS)
                .extracting(d -> d.get("kind"))
                .contains(
                        "Namespace",
                        "FlinkDeployment",
                        "Kafka",
                        "KafkaNodePool",
                        "KafkaTopic",
                        "ConfigMap");
    }

    @Test
    void flinkDeploymentRunsTheJobJarInApplicationModeOnFlink22() throws IOException {
        Map<String, Object> spec = map(one("FlinkDeployment").get("spec"));
        assertThat(spec.get("flinkVersion")).isEqualTo("v2_2");
        Map<String, Object> job = map(spec.get("job"));
        assertThat(job.get("jarURI")).isEqualTo("local:///opt/flink/usrlib/coedge-job.jar");
        assertThat(job.get("entryClass")).isEqualTo(JobArguments.ENTRY_CLASS);
        assertThat(job.get("state")).isEqualTo("running");
        assertThat(Files.readString(DOCKER.resolve("job.Dockerfile")))
                .containsPattern("(?m)^FROM flink:2\\.2[.0-9]*-java17$")
                .contains("/opt/flink/usrlib/coedge-job.jar");
    }

    @Test
    void jobArgumentsAreOptionsOfTheJobAndNameTheDefaultTopics() {
        Map<String, String> args = jobArgs();
        assertThat(args.keySet()).isSubsetOf(JobArguments.NAMES);
        TopicsConfig topics = TopicsConfig.defaults();
        assertThat(args)
                .containsEntry("--frames-topic", topics.frames())
                .containsEntry("--results-topic", topics.results())
                .containsEntry("--dlq-topic", topics.deadLetters())
                .containsEntry("--profiles-topic", topics.nodeProfiles())
                .containsEntry("--config", "/opt/coedge/config/catalog.yaml");
    }

    @Test
    void bootstrapArgumentIsTheStrimziKafkaPlainListener() {
        Map<String, Object> kafka = one("Kafka");
        String name = (String) map(kafka.get("metadata")).get("name");
        Map<String, Object> plain =
                list(map(map(kafka.get("spec")).get("kafka")).get("listeners")).stream()
                        .map(ManifestsTest::map)
                        .filter(l -> "plain".equals(l.get("name")))
                        .findFirst()
                        .orElseThrow();
        assertThat(jobArgs().get("--bootstrap"))
                .isEqualTo(name + "-kafka-bootstrap.coedge.svc:" + plain.get("port"));
    }

    @Test
    void kafkaRunsKraftWithANodePoolOfControllersAndBrokers() {
        Map<String, Object> kafka = one("Kafka");
        // Strimzi 1.x runs KRaft with node pools only: the 0.x opt-in annotations are gone.
        assertThat(kafka.get("apiVersion")).isEqualTo("kafka.strimzi.io/v1");
        assertThat(map(kafka.get("metadata"))).doesNotContainKey("annotations");
        Map<String, Object> pool = one("KafkaNodePool");
        assertThat(map(map(pool.get("metadata")).get("labels")))
                .containsEntry("strimzi.io/cluster", map(kafka.get("metadata")).get("name"));
        assertThat(list(map(pool.get("spec")).get("roles")))
                .containsExactlyInAnyOrder("controller", "broker");
    }

    @Test
    void kafkaTopicsAreTheFourDefaultTopicsWithTheirPartitionsAndCompaction() {
        TopicsConfig defaults = TopicsConfig.defaults();
        Map<String, Map<String, Object>> topics = new HashMap<>();
        for (Map<String, Object> t : all("KafkaTopic")) {
            assertThat(map(map(t.get("metadata")).get("labels")))
                    .containsEntry("strimzi.io/cluster", "coedge");
            Map<String, Object> spec = map(t.get("spec"));
            topics.put((String) spec.get("topicName"), spec);
        }
        assertThat(topics.keySet())
                .containsExactlyInAnyOrder(
                        defaults.frames(),
                        defaults.results(),
                        defaults.deadLetters(),
                        defaults.nodeProfiles());
        for (String t : List.of(defaults.frames(), defaults.results(), defaults.deadLetters())) {
            assertThat(topics.get(t).get("partitions")).as(t).isEqualTo(defaults.partitions());
        }
        assertThat(topics.get(defaults.nodeProfiles()).get("partitions")).isEqualTo(1);
        assertThat(map(topics.get(defaults.nodeProfiles()).get("config")))
                .containsEntry("cleanup.policy", "compact");
    }

    @Test
    void taskManagerPodHoldsTheFlinkContainerAndAGpuSidecarOnEdgeNodes() {
        Map<String, Object> tm = map(map(one("FlinkDeployment").get("spec")).get("taskManager"));
        Map<String, Object> pod = map(tm.get("podTemplate"));
        Map<String, Object> podSpec = map(pod.get("spec"));
        assertThat(map(podSpec.get("nodeSelector")))
                .containsEntry("node-role.kubernetes.io/edge", "");

        Map<String, Object> flink = container(podSpec, "flink-main-container");
        assertThat(envFieldRef(flink, "COEDGE_NODE")).isEqualTo("spec.nodeName");

        Map<String, Object> sidecar = container(podSpec, "gpu-sidecar");
        assertThat(map(map(sidecar.get("resources")).get("limits")))
                .containsEntry("nvidia.com/gpu", 1);
        List<String> args = list(sidecar.get("args")).stream().map(String::valueOf).toList();
        assertThat(args.get(args.indexOf("--port") + 1)).isEqualTo(Integer.toString(SIDECAR_GRPC));
        assertThat(args.get(args.indexOf("--metrics-port") + 1))
                .isEqualTo(Integer.toString(SIDECAR_METRICS));
        assertThat(list(sidecar.get("ports")).stream().map(p -> map(p).get("containerPort")))
                .containsExactlyInAnyOrder(SIDECAR_GRPC, SIDECAR_METRICS);
        assertThat(map(map(sidecar.get("readinessProbe")).get("httpGet")))
                .containsEntry("port", SIDECAR_METRICS);
    }

    @Test
    void theTaskManagerAndItsSidecarShareAMemoryBackedDevShmForBatches() {
        Map<String, Object> podSpec =
                map(
                        map(map(map(one("FlinkDeployment").get("spec")).get("taskManager"))
                                        .get("podTemplate"))
                                .get("spec"));
        Map<String, Object> volume =
                list(podSpec.get("volumes")).stream()
                        .map(v -> map(v))
                        .filter(v -> "dshm".equals(v.get("name")))
                        .findFirst()
                        .orElseThrow();
        assertThat(map(volume.get("emptyDir"))).containsEntry("medium", "Memory");
        for (String name : List.of("flink-main-container", "gpu-sidecar")) {
            assertThat(
                            list(container(podSpec, name).get("volumeMounts")).stream()
                                    .map(m -> map(m))
                                    .filter(m -> "dshm".equals(m.get("name")))
                                    .map(m -> m.get("mountPath")))
                    .as(name)
                    .containsExactly("/dev/shm");
        }
    }

    @Test
    void prometheusScrapesTheReporterPortOfTheFlinkConfiguration() {
        Map<String, Object> spec = map(one("FlinkDeployment").get("spec"));
        Map<String, Object> conf = map(spec.get("flinkConfiguration"));
        Map<String, Object> annotations =
                map(
                        map(map(map(spec.get("taskManager")).get("podTemplate")).get("metadata"))
                                .get("annotations"));
        assertThat(annotations)
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", conf.get("metrics.reporter.prom.port"));
        assertThat((String) conf.get("metrics.reporter.prom.factory.class"))
                .endsWith("PrometheusReporterFactory");
    }

    @Test
    void catalogIsValidAndEveryNodeCallsTheSidecarInItsOwnPodWithOneSlotPerNode() {
        String yaml = (String) map(one("ConfigMap").get("data")).get("catalog.yaml");
        Catalog catalog = new CatalogText("coedge-catalog", yaml).parse();
        Map<String, String> sidecars = new HashMap<>();
        for (String pair : jobArgs().get("--sidecar").split(",")) {
            String[] kv = pair.split("=", 2);
            sidecars.put(kv[0], kv[1]);
        }
        assertThat(sidecars.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        catalog.nodes().stream().map(NodeSpec::id).toList());
        assertThat(sidecars.values()).containsOnly("127.0.0.1:" + SIDECAR_GRPC);
        Map<String, Object> spec = map(one("FlinkDeployment").get("spec"));
        assertThat(map(spec.get("taskManager")).get("replicas")).isEqualTo(catalog.nodes().size());
        assertThat(map(spec.get("job")).get("parallelism")).isEqualTo(catalog.nodes().size());
        assertThat(map(spec.get("flinkConfiguration")))
                .containsEntry("taskmanager.numberOfTaskSlots", "1");
    }

    @Test
    void sidecarImageHasCuda12CudnnAndJava17AndExposesItsPorts() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("sidecar.Dockerfile"));
        assertThat(dockerfile)
                .containsPattern("(?m)^FROM nvidia/cuda:12\\.[0-9.]+-cudnn-runtime-")
                .contains("openjdk-17-jre-headless")
                .contains("EXPOSE " + SIDECAR_GRPC + " " + SIDECAR_METRICS)
                .contains("io.coedge.sidecar.cli.SidecarCommand");
    }

    private static Map<String, String> jobArgs() {
        List<Object> args =
                list(map(map(one("FlinkDeployment").get("spec")).get("job")).get("args"));
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = String.valueOf(args.get(i));
            assertThat(a).as("argument %d", i).startsWith("--");
            boolean flag = i + 1 >= args.size() || String.valueOf(args.get(i + 1)).startsWith("--");
            out.put(a, flag ? "" : String.valueOf(args.get(++i)));
        }
        return out;
    }

    private static Map<String, Object> container(Map<String, Object> podSpec, String name) {
        return list(podSpec.get("containers")).stream()
                .map(ManifestsTest::map)
                .filter(c -> name.equals(c.get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    private static String envFieldRef(Map<String, Object> container, String name) {
        return list(container.get("env")).stream()
                .map(ManifestsTest::map)
                .filter(e -> name.equals(e.get("name")))
                .map(e -> (String) map(map(e.get("valueFrom")).get("fieldRef")).get("fieldPath"))
                .findFirst()
                .orElse(null);
    }

    private static Map<String, Object> one(String kind) {
        List<Map<String, Object>> found = all(kind);
        assertThat(found).as("manifests of kind %s", kind).hasSize(1);
        return found.get(0);
    }

    private static List<Map<String, Object>> all(String kind) {
        return DOCS.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return (List<Object>) o;
    }
}
