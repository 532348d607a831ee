package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coedge cluster submit}'s path: a jar run the way {@code flink run} runs it, on a session
 * cluster's REST API.
 */
class FlinkSessionITCase {
    private static MiniCluster cluster;
    private static String rest;

    @TempDir static Path tmp;

    @BeforeAll
    static void startCluster() throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, 0);
        conf.set(CoreOptions.DEFAULT_PARALLELISM, 2);
        cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(2)
                                .build());
        cluster.start();
        rest = "http://127.0.0.1:" + cluster.getRestAddress().get().getPort();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @Test
    void aJarsMainBuildsTheJobHereAndTheClusterRunsItUnderTheIdReturned() throws Exception {
        Path jar = jarOf(tmp.resolve("slow.jar"), SlowJob.class, SlowJob.Pause.class);
        List<String> heard = new ArrayList<>();
        try (FlinkSession session = FlinkSession.connect(rest)) {
            String jobId =
                    session.submit(
                            jar,
                            SlowJob.class.getName(),
                            List.of("--name", "slow one"),
                            heard::add);

            assertThat(jobId).matches("[0-9a-f]{32}");
            assertThat(heard).hasSize(2);
            assertThat(heard.get(0))
                    .isEqualTo(
                            "running "
                                    + SlowJob.class.getName()
                                    + " --name slow one to build the job graph");
            assertThat(heard.get(1))
                    .startsWith(
                            "uploading job "
                                    + jobId
                                    + " (slow one) and slow.jar (0 MB) to "
                                    + rest);
            FlinkSession.JobStatus running = session.awaitRunning(jobId, Duration.ofMinutes(1));
            assertThat(running.name()).isEqualTo("slow one");
            assertThat(running.vertices()).isNotEmpty().containsValue("RUNNING");
            assertThat(session.jobs()).extracting(FlinkSession.JobStatus::id).contains(jobId);
            assertThat(session.taskManagers()).hasSize(1);
            // Both slots taken: the cluster's parallelism.default (2) reached the program, as it
            // does when
            // the JobManager runs a jar itself.
            assertThat(session.overview().slotsTotal()).isEqualTo(2);
            assertThat(session.overview().slotsAvailable()).isZero();
            assertThat(session.restarts(jobId)).isZero();
            assertThat(session.restoredFromCheckpoint(jobId)).isFalse();

            session.cancel(jobId);
            await("the cancelled job ends")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> session.status(jobId).isTerminal());
            assertThat(session.status(jobId).state()).isEqualTo("CANCELED");
        }
    }

    @Test
    void aMissingJarSaysHowToBuildIt() throws Exception {
        try (FlinkSession session = FlinkSession.connect(rest)) {
            assertThatThrownBy(
                            () ->
                                    session.submit(
                                            tmp.resolve("nope.jar"), "x.Y", List.of(), m -> {}))
                    .isInstanceOf(IOException.class)
                    .hasMessage(
                            "job jar "
                                    + tmp.resolve("nope.jar")
                                    + " not found; build it with "
                                    + "`mvn -pl jobs -am package -DskipTests` (or run ./coedge once)");
        }
    }

    @Test
    void aMainThatFailsIsReportedWithItsOwnMessage() throws Exception {
        Path jar = jarOf(tmp.resolve("failing.jar"), FailingJob.class);
        try (FlinkSession session = FlinkSession.connect(rest)) {
            assertThatThrownBy(
                            () ->
                                    session.submit(
                                            jar, FailingJob.class.getName(), List.of(), m -> {}))
                    .isInstanceOf(FlinkSession.FlinkException.class)
                    .hasMessage(
                            FailingJob.class.getName()
                                    + " in "
                                    + jar
                                    + " did not build a job: "
                                    + "no catalog at /nowhere.yaml");
        }
    }

    @Test
    void aClusterThatDoesNotAnswerIsNamedAtOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path jar = jarOf(tmp.resolve("slow2.jar"), SlowJob.class, SlowJob.Pause.class);
        long t0 = System.nanoTime();
        try (FlinkSession session = FlinkSession.connect("http://127.0.0.1:" + port)) {
            assertThat(session.isUp()).isFalse();
            assertThatThrownBy(
                            () -> session.submit(jar, SlowJob.class.getName(), List.of(), m -> {}))
                    .isInstanceOf(FlinkSession.FlinkException.class)
                    .hasMessage(
                            "no Flink cluster answers at http://127.0.0.1:"
                                    + port
                                    + " (is it up? `coedge cluster up`)");
            assertThatThrownBy(() -> session.cancel("00000000000000000000000000000001"))
                    .hasMessageStartingWith("no Flink cluster answers at");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void anUnknownJobIsTheClustersAnswer() throws Exception {
        try (FlinkSession session = FlinkSession.connect(rest)) {
            assertThatThrownBy(() -> session.status("00000000000000000000000000000001"))
                    .isInstanceOf(FlinkSession.FlinkException.class)
                    .hasMessageStartingWith(
                            "GET /jobs/00000000000000000000000000000001 answered 404: ");
        }
    }

    /** A jar of the given classes, as the build would package them. */
    private static Path jarOf(Path jar, Class<?>... classes) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Class<?> c : classes) {
                String name = c.getName().replace('.', '/') + ".class";
                out.putNextEntry(new JarEntry(name));
                try (InputStream in = c.getClassLoader().getResourceAsStream(name)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return jar;
    }

    /** Counts slowly until cancelled. */
    public static final class SlowJob {
        public static void main(String[] args) throws Exception {
            String name = args.length == 2 ? args[1] : "slow";
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.fromSequence(0, Long.MAX_VALUE).map(new Pause()).sinkTo(new DiscardingSink<>());
            env.execute(name);
        }

        static final class Pause implements MapFunction<Long, Long> {
            @Override
            public Long map(Long value) throws Exception {
                Thread.sleep(50);
                return value;
            }
        }
    }

    /** Fails in main(), before any job, as a bad --config does. */
    public static final class FailingJob {
        public static void main(String[] args) throws Exception {
            throw new IOException("no catalog at /nowhere.yaml");
        }
    }
}
