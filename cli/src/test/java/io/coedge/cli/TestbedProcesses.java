package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.coedge.catalog.Catalog;
import io.coedge.deploy.ClusterSpec;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.JobArguments;
import io.coedge.deploy.LocalCluster;
import io.coedge.deploy.testbed.Testbed;
import io.coedge.deploy.testbed.TestbedPlan;
import io.coedge.deploy.testbed.TestbedState;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the testbed's pipeline tests start inside its namespaces (as {@code cluster exec} runs it),
 * all stopped by {@link #close()}; and their inputs.
 */
final class TestbedProcesses implements AutoCloseable {
    private final TestbedState testbed;
    private final List<Process> started = new ArrayList<>();

    TestbedProcesses(TestbedState testbed) {
        this.testbed = testbed;
    }

    /** {@code coedge ARGS} in {@code where}'s namespace and cgroup, as `cluster exec` runs it. */
    Process coedge(String where, String kafka, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(CoEdgeCli.class.getName()));
        all.addAll(List.of(args));
        return start(where, kafka, all);
    }

    /**
     * Creates the run's topics from the backbone, submits the job with {@code catalog} and {@code
     * dispatch} (checkpoints every second) and waits until it runs; returns its id.
     */
    String startJob(FlinkSession rest, Path jar, Path catalog, String kafka, String dispatch)
            throws Exception {
        if (coedge(TestbedState.BACKBONE, kafka, "topics", "create").waitFor() != 0) {
            throw new IllegalStateException("coedge topics create failed in the backbone");
        }
        String jobId =
                rest.submit(
                        jar,
                        JobArguments.ENTRY_CLASS,
                        List.of(
                                "--config",
                                catalog.toString(),
                                "--bootstrap",
                                kafka,
                                "--dispatch",
                                dispatch,
                                "--checkpoint-ms",
                                "1000"),
                        m -> System.out.println("submit: " + m));
        rest.awaitRunning(jobId, Duration.ofMinutes(2));
        return jobId;
    }

    /** A main class of the test classpath in {@code where}'s namespace; its stdout is piped. */
    Process java(String where, String... args) throws Exception {
        return start(where, null, List.of(args));
    }

    private Process start(String where, String kafka, List<String> mainAndArgs) throws Exception {
        List<String> command = new ArrayList<>(Testbed.prefix(testbed, where));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-cp"));
        command.add(System.getProperty("java.class.path"));
        command.addAll(mainAndArgs);
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (kafka != null) {
            pb.environment().put("KAFKA_BOOTSTRAP", kafka);
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
        }
        if (!where.equals(TestbedState.BACKBONE)) {
            pb.environment().put("COEDGE_NODE", where);
        }
        Process p = pb.start();
        started.add(p);
        return p;
    }

    @Override
    public void close() {
        started.forEach(Process::destroyForcibly);
    }

    /** Skips the test unless it runs as root. */
    static void assumeRoot() {
        assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "the testbed needs root (network namespaces, tc, cgroups)");
    }

    /** The job jar {@code mvn package} builds, or {@code -Dcoedge.job.jar}; there. */
    static Path jobJar() {
        Path jar =
                Path.of(System.getProperty("coedge.job.jar", "../jobs/target/coedge-job.jar"))
                        .toAbsolutePath();
        assertThat(jar).as("the job jar (mvn package builds it)").isRegularFile();
        return jar;
    }

    /**
     * The spec of a testbed cluster of {@code catalog}'s nodes under {@code dir/cluster}: sidecars
     * on the CPU serving {@code models}, Kafka on 9092, the REST API on a free port.
     */
    static ClusterSpec.Builder spec(Catalog catalog, Path dir, Path models) throws Exception {
        return ClusterSpec.builder(catalog.nodes(), dir.resolve("cluster"))
                .restPort(freePort())
                .models(models)
                .sidecarDevice("cpu")
                .kafkaPort(9092);
    }

    /** The cluster of {@code spec} on a new testbed of {@code catalog}'s nodes and links. */
    static LocalCluster startTestbed(ClusterSpec spec, Path catalogFile, Catalog catalog)
            throws Exception {
        return LocalCluster.start(
                spec,
                catalogFile,
                TestbedPlan.of(Testbed.newRunId(), catalog.nodes(), catalog.links()),
                m -> System.out.println("testbed: " + m));
    }

    /** The name every namespace of {@code testbed} starts with, {@code coedge-<run id>}. */
    static String run(TestbedState testbed) {
        return testbed.netns().get(TestbedState.BACKBONE).replace("-backbone", "");
    }

    /**
     * No network namespace of the testbed a bench brought up is left: its run id is read from the
     * bench's progress line {@code testbed <id>: N namespaces, ...}.
     */
    static void assertTestbedGone(List<String> progress) throws Exception {
        String runId =
                progress.stream()
                        .filter(m -> m.startsWith("testbed ") && m.contains(" namespaces, "))
                        .map(m -> m.split("[ :]")[1])
                        .findFirst()
                        .orElseThrow();
        assertNamespacesGone("coedge-" + runId);
    }

    /** No network namespace named after {@code run} is left. */
    static void assertNamespacesGone(String run) throws Exception {
        Process netns = new ProcessBuilder("ip", "netns", "list").start();
        String left = new String(netns.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(netns.waitFor()).isZero();
        assertThat(left).doesNotContain(run);
    }

    /** Three 400x300 JPEGs of noise, about 74 KB each: well above tbf's 16 KiB burst. */
    static Path noiseImages(Path dir) throws Exception {
        Files.createDirectories(dir);
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < 3; i++) {
            java.awt.image.BufferedImage image =
                    new java.awt.image.BufferedImage(
                            400, 300, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 300; y++) {
                for (int x = 0; x < 400; x++) {
                    image.setRGB(x, y, random.nextInt(1 << 24));
                }
            }
            javax.imageio.ImageIO.write(image, "jpg", dir.resolve("noise-" + i + ".jpg").toFile());
        }
        return dir;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
