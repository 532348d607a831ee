package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.deploy.ClusterSpec;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.JobArguments;
import io.coedge.deploy.LocalCluster;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.models.ModelGenerator;
import io.coedge.testing.TestKafka;
import io.coedge.topics.TopicsConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs submitted one after another to the same session cluster (what the benchmarks and {@code
 * coedge cluster up} do) must not pile up in the TaskManager: each job's user-code class loader is
 * freed when the job ends. A job that pins its class loader (a thread it started, a static table, a
 * library cache) leaves a copy of io.coedge.*, gRPC/Netty and the Kafka clients in Metaspace, and
 * the TaskManager died of {@code OutOfMemoryError: Metaspace} on the fifth job. Each job here runs
 * real frames through a real sidecar, is cancelled, and the live class loaders are counted with
 * {@code jcmd} after one full GC (what a Metaspace shortage runs; it does not wait for finalizers,
 * so while each job runs none of its libraries' objects may have one): each job's own is freed, so
 * their number does not grow with the number of jobs. One stays: the first job's, held by a
 * reference outside the Java heap (a heap dump shows no path from a GC root to it; docs/DEPLOY.md,
 * "Jobs one after another"). {@code -Dcoedge.leak.heapdumps=DIR} writes a heap dump of the
 * TaskManager after each job.
 */
class SessionJobsReleaseClassLoadersITCase {
    private static final int JOBS = 6;
    private static final int FRAMES = 20;

    @Test
    void jobsRunOneAfterAnotherDoNotPileUpClassLoaders(@TempDir Path dir) throws Exception {
        Path jar =
                Path.of(System.getProperty("coedge.job.jar", "../jobs/target/coedge-job.jar"))
                        .toAbsolutePath();
        assertThat(jar).as("the job jar (mvn package builds it)").isRegularFile();
        Path models = dir.resolve("models");
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("resnet", models);
        int sidecar = LoopbackPorts.withMetrics();
        Path catalogFile = dir.resolve("cluster.yaml");
        Files.writeString(catalogFile, catalog(sidecar));
        Catalog catalog = CatalogText.read(catalogFile).parse();

        try (TestKafka kafka = TestKafka.start()) {
            ClusterSpec spec =
                    ClusterSpec.builder(catalog.nodes(), dir.resolve("cluster"))
                            .restPort(LoopbackPorts.free())
                            .rpcPort(LoopbackPorts.free())
                            .models(models)
                            .sidecarDevice("cpu")
                            .build();
            try (LocalCluster cluster =
                            LocalCluster.start(
                                    spec, catalogFile, m -> System.out.println("cluster: " + m));
                    KafkaProducer<byte[], byte[]> producer =
                            new KafkaProducer<>(
                                    kafka.clientProperties(),
                                    new ByteArraySerializer(),
                                    new ByteArraySerializer())) {
                FlinkSession rest = cluster.session();
                long tm = taskManagerPid(cluster);
                System.out.println(
                        "SessionJobsReleaseClassLoadersITCase: TaskManager "
                                + Arrays.stream(jcmd(tm, "VM.flags").split("\\s+"))
                                        .filter(f -> f.startsWith("-XX:MaxMetaspaceSize="))
                                        .toList());
                List<Integer> loaders = new ArrayList<>();
                List<Long> metaspace = new ArrayList<>();
                List<Map<String, Integer>> finalizable = new ArrayList<>();
                for (int job = 1; job <= JOBS; job++) {
                    TopicsConfig topics =
                            new TopicsConfig(
                                    "j" + job + ".frames",
                                    "j" + job + ".results",
                                    "j" + job + ".dlq",
                                    "j" + job + ".profiles",
                                    1);
                    TopicAdmin.createAll(kafka.clientProperties(), topics);
                    String id =
                            rest.submit(
                                    jar,
                                    JobArguments.ENTRY_CLASS,
                                    List.of(
                                            "--config", catalogFile.toString(),
                                            "--bootstrap", kafka.bootstrap(),
                                            "--dispatch", "no-offloading",
                                            "--frames-topic", topics.frames(),
                                            "--results-topic", topics.results(),
                                            "--dlq-topic", topics.deadLetters(),
                                            "--profiles-topic", topics.nodeProfiles(),
                                            "--checkpoint-ms", "500",
                                            "--name", "job-" + job),
                                    m -> {});
                    rest.awaitRunning(id, Duration.ofMinutes(2));
                    try (ResultsReader results =
                            new ResultsReader(kafka.clientProperties(), topics.results(), true)) {
                        CameraSimulator cameras =
                                new CameraSimulator(
                                        CameraSpec.fromCatalog(catalog, null, null),
                                        new CameraSimulator.Options(
                                                topics.frames(),
                                                null,
                                                FRAMES,
                                                null,
                                                5,
                                                3,
                                                null,
                                                0L));
                        assertThat(cameras.run(producer, r -> {}).acked()).isEqualTo(FRAMES);
                        int[] read = {0};
                        await("job " + job + " returns a result for every frame")
                                .atMost(Duration.ofSeconds(90))
                                .pollInSameThread()
                                .pollInterval(Duration.ZERO)
                                .until(
                                        () -> {
                                            read[0] +=
                                                    results.poll(Duration.ofMillis(200), r -> {});
                                            return read[0] >= FRAMES;
                                        });
                    }
                    // While the job runs: nothing of its libraries that must be finalized
                    // before its class loader can go (gRPC's pooled Netty arenas were).
                    finalizable.add(finalizableObjects(tm));
                    rest.cancel(id);
                    await("job " + job + " ends")
                            .atMost(Duration.ofSeconds(60))
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> rest.status(id).isTerminal());
                    assertThat(rest.status(id).state()).isEqualTo("CANCELED");
                    // Flink frees the job's class loader once the job's last slot on the
                    // TaskManager is released, shortly after CANCELED; each poll runs one full
                    // collection, as a Metaspace shortage does. At most the first job's may
                    // remain.
                    int[] live = {-1};
                    try {
                        await("job " + job + "'s class loader is freed")
                                .atMost(Duration.ofSeconds(60))
                                .pollInterval(Duration.ofSeconds(1))
                                .until(() -> (live[0] = liveUserCodeClassLoaders(tm)) <= 1);
                    } catch (ConditionTimeoutException stillAlive) {
                        // recorded; asserted after the table
                    }
                    loaders.add(live[0]);
                    metaspace.add(metaspaceUsedKb(tm));
                    String dumps = System.getProperty("coedge.leak.heapdumps");
                    if (dumps != null) {
                        jcmd(tm, "GC.heap_dump -all " + dumps + "/tm-after-job" + job + ".hprof");
                    }
                    if (Boolean.getBoolean("coedge.leak.diag")) {
                        jcmd(tm, "GC.class_histogram")
                                .lines()
                                .filter(
                                        l ->
                                                l.contains("io.coedge")
                                                        || l.contains("jna")
                                                        || l.contains(
                                                                "kafka.clients.producer.KafkaProducer")
                                                        || l.contains("ManagedChannelImpl ")
                                                        || l.contains("Thread "))
                                .limit(60)
                                .forEach(l -> System.out.println("DIAG " + l));
                        jcmd(tm, "Thread.print")
                                .lines()
                                .filter(l -> l.startsWith("\""))
                                .forEach(l -> System.out.println("DIAGT " + l));
                    }
                    System.out.println(
                            "SessionJobsReleaseClassLoadersITCase: after job "
                                    + job
                                    + " live user-code class loaders "
                                    + loaders.get(job - 1)
                                    + ", Metaspace used "
                                    + metaspace.get(job - 1)
                                    + " KB, finalizable library objects while it ran "
                                    + finalizable.get(job - 1));
                }
                // What is left in the TaskManager after the jobs (threads a job started would
                // show).
                System.out.println(
                        "SessionJobsReleaseClassLoadersITCase: TaskManager threads after "
                                + JOBS
                                + " jobs: "
                                + jcmd(tm, "Thread.print")
                                        .lines()
                                        .filter(l -> l.startsWith("\""))
                                        .map(l -> l.substring(1, l.indexOf('"', 1)))
                                        .sorted()
                                        .toList());
                assertThat(finalizable)
                        .as("objects with finalizers from the job's libraries, while each job ran")
                        .allMatch(Map::isEmpty, "none");
                assertThat(loaders)
                        .as(
                                "live user-code class loaders after each job (run with"
                                        + " -Dcoedge.leak.heapdumps=DIR for heap dumps)")
                        .allMatch(n -> n >= 0 && n <= 1, "at most the first job's");
            }
        }
    }

    /** One node whose sidecar listens on 127.0.0.1:{@code port}; one resnet camera at 5 fps. */
    private static String catalog(int port) {
        return """
        nodes:
          - {id: edge-1, sidecar: "127.0.0.1:%d"}
        models:
          - name: resnet
            maxBatch: 8
            input: {name: input, width: 32, height: 32}
            postprocess: {type: classification, topK: 3, labels: [airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck]}
        tasks:
          - {id: one, model: resnet, cameras: [cam-1], fps: 5, deadlineMs: 30000, origin: edge-1, frame: {width: 64, height: 48}}
        """
                .formatted(port);
    }

    private static long taskManagerPid(LocalCluster cluster) {
        return cluster.state().processes().stream()
                .filter(p -> "taskmanager".equals(p.role()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no TaskManager process"))
                .pid();
    }

    /**
     * Classes of the job jar's libraries whose instances have finalizers (found by scanning the jar
     * for {@code finalize} methods): each instance keeps its class loader until the finalizer
     * thread has run it, which the collection before an {@code OutOfMemoryError: Metaspace} does
     * not wait for. The others of that scan (Kafka's zstd/lz4 streams, JNA's, Guava's) are not
     * created by the job or are loaded parent-first.
     */
    private static final List<String> FINALIZABLE =
            List.of(
                    "io.grpc.netty.shaded.io.netty.buffer.PoolArena",
                    "io.grpc.netty.shaded.io.netty.buffer.PoolThreadCache$FreeOnFinalize",
                    "io.grpc.netty.shaded.io.netty.buffer.AdaptivePoolingAllocator",
                    "io.grpc.netty.shaded.io.netty.util.HashedWheelTimer",
                    "io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl");

    /** Live instances of {@link #FINALIZABLE} classes in the process, by class. */
    private static Map<String, Integer> finalizableObjects(long pid) throws Exception {
        Map<String, Integer> found = new TreeMap<>();
        for (String line : jcmd(pid, "GC.class_histogram").lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && FINALIZABLE.stream().anyMatch(f[3]::startsWith)) {
                found.merge(f[3], Integer.parseInt(f[1]), Integer::sum);
            }
        }
        return found;
    }

    /** ChildFirstClassLoader instances alive after one full GC (no finalization). */
    private static int liveUserCodeClassLoaders(long pid) throws Exception {
        jcmd(pid, "GC.run");
        int n = 0;
        for (String line : jcmd(pid, "GC.class_histogram").lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[3].endsWith("ChildFirstClassLoader")) {
                n += Integer.parseInt(f[1]);
            }
        }
        return n;
    }

    private static long metaspaceUsedKb(long pid) throws Exception {
        for (String line : jcmd(pid, "GC.heap_info").lines().toList()) {
            String t = line.trim();
            if (t.startsWith("Metaspace")) {
                String used = t.substring(t.indexOf("used") + 4).trim();
                return Long.parseLong(used.substring(0, used.indexOf('K')));
            }
        }
        return -1;
    }

    private static String jcmd(long pid, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p =
                new ProcessBuilder(jcmd.toString(), String.valueOf(pid), command)
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("jcmd %s %s: %s", pid, command, out).isZero();
        return out;
    }
}
