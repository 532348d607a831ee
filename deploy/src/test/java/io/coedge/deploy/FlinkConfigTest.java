package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.NodeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config.yaml of the local cluster's processes, read back the way Flink's entrypoints read it.
 */
class FlinkConfigTest {
    private static final List<NodeSpec> NODES =
            List.of(
                    new NodeSpec("edge-1", "127.0.0.1:8101", null),
                    new NodeSpec("edge-2", "127.0.0.1:8102", "cuda:0"));

    @Test
    void aTaskManagersFileReadsBackAsEverySettingWithItsType(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("cluster dir");
        ClusterSpec spec =
                ClusterSpec.builder(NODES, dir)
                        .restPort(18081)
                        .rpcPort(16123)
                        .flinkConfig("metrics.reporter.prom.port", "9249")
                        .flinkConfig("x.quoted", "a \"b\" \\c: #d")
                        .build();
        Path conf = tmp.resolve("conf");
        FlinkConfig.writeYaml(FlinkConfig.taskManager(spec, NODES.get(1), "edge-2-r2"), conf);

        Configuration read = GlobalConfiguration.loadConfiguration(conf.toString());
        assertThat(read.get(JobManagerOptions.ADDRESS)).isEqualTo("127.0.0.1");
        assertThat(read.get(JobManagerOptions.PORT)).isEqualTo(16123);
        assertThat(read.get(RestOptions.PORT)).isEqualTo(18081);
        assertThat(read.get(RestOptions.BIND_ADDRESS)).isEqualTo("127.0.0.1");
        assertThat(read.get(TaskManagerOptions.NUM_TASK_SLOTS)).isEqualTo(1);
        assertThat(read.get(TaskManagerOptions.CPU_CORES)).isEqualTo(1.0);
        assertThat(read.get(CoreOptions.DEFAULT_PARALLELISM)).isEqualTo(2);
        assertThat(read.get(HeartbeatManagerOptions.HEARTBEAT_INTERVAL))
                .isEqualTo(Duration.ofMillis(2000));
        assertThat(read.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT))
                .isEqualTo(Duration.ofMillis(10000));
        assertThat(read.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("fixed-delay");
        assertThat(read.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS))
                .isEqualTo(50);
        assertThat(read.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY))
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(read.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo(dir.resolve("checkpoints").toUri().toString())
                .contains("cluster%20dir");
        assertThat(read.get(CoreOptions.TMP_DIRS)).isEqualTo(dir.resolve("tmp").toString());
        assertThat(read.get(JobManagerOptions.JVM_HEAP_MEMORY)).isEqualTo(MemorySize.parse("256m"));
        assertThat(read.get(TaskManagerOptions.TASK_HEAP_MEMORY))
                .isEqualTo(MemorySize.parse("256m"));
        assertThat(read.get(TaskManagerOptions.TASK_OFF_HEAP_MEMORY))
                .isEqualTo(MemorySize.parse("96m"));
        assertThat(read.get(TaskManagerOptions.NETWORK_MEMORY_MIN))
                .isEqualTo(MemorySize.parse("32m"));
        assertThat(read.get(TaskManagerOptions.TASK_MANAGER_RESOURCE_ID)).isEqualTo("edge-2-r2");
        assertThat(read.get(FlinkConfig.NODE)).isEqualTo("edge-2");
        // JNA comes from the cluster's classpath, so no job's copy outlives it (docs/DEPLOY.md).
        assertThat(read.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL))
                .containsExactly("com.sun.jna.");
        assertThat(read.toMap())
                .containsEntry("metrics.reporter.prom.port", "9249")
                .containsEntry("x.quoted", "a \"b\" \\c: #d");
        // Everything written is read back, nothing more.
        assertThat(read.toMap())
                .isEqualTo(FlinkConfig.taskManager(spec, NODES.get(1), "edge-2-r2").toMap());
    }

    @Test
    void theJobManagerFileHasNoNodeAndIsOneFlattenedKeyALine(@TempDir Path tmp) throws Exception {
        ClusterSpec spec = ClusterSpec.builder(NODES, tmp).build();
        FlinkConfig.writeYaml(FlinkConfig.common(spec), tmp);
        List<String> lines = Files.readAllLines(tmp.resolve("config.yaml"));
        assertThat(lines.get(0)).startsWith("#");
        assertThat(lines.subList(1, lines.size()))
                .allMatch(l -> l.matches("[A-Za-z0-9.-]+: .+"))
                .anyMatch(l -> l.equals("jobmanager.memory.heap.size: 256 mb"))
                .noneMatch(l -> l.startsWith("coedge.node"));
        assertThat(lines.subList(1, lines.size())).isSorted();
    }

    @Test
    void everyProcessHasItsOwnPrometheusReporterPortOnLoopback() {
        ClusterSpec spec = ClusterSpec.builder(NODES, Path.of("/tmp/x")).build();
        var jm = FlinkConfig.common(spec).toMap();
        var tm1 = FlinkConfig.taskManager(spec, NODES.get(0), "edge-1").toMap();
        var tm2 = FlinkConfig.taskManager(spec, NODES.get(1), "edge-2").toMap();
        for (var c : List.of(jm, tm1, tm2)) {
            assertThat(c)
                    .containsEntry(
                            "metrics.reporter.prom.factory.class",
                            "io.coedge.deploy.metrics.LoopbackPrometheusReporterFactory")
                    .containsEntry("metrics.reporter.prom.host", "127.0.0.1");
        }
        assertThat(jm).containsEntry("metrics.reporter.prom.port", "9249");
        assertThat(tm1).containsEntry("metrics.reporter.prom.port", "9250");
        assertThat(tm2).containsEntry("metrics.reporter.prom.port", "9251");
    }

    @Test
    void jvmFlagsMatchTheMemorySettings() {
        List<String> tm =
                FlinkConfig.taskManagerJvm(Path.of("/l/tm.log"), Path.of("/c/log4j2.properties"));
        assertThat(tm)
                .contains("-Xmx320m", "-XX:MaxDirectMemorySize=192m", "-XX:MaxMetaspaceSize=256m");
        // The pre-processor's vector resize runs in the TaskManagers.
        assertThat(String.join(" ", tm)).contains("--add-modules jdk.incubator.vector");
        // No finalizable Netty pools in the jobs' gRPC: a job's class loader goes with one GC.
        assertThat(tm).contains("-Dio.grpc.netty.shaded.io.netty.allocator.type=unpooled");
        List<String> jm =
                FlinkConfig.jobManagerJvm(Path.of("/l/jm.log"), Path.of("/c/log4j2.properties"));
        assertThat(jm)
                .contains("-Xmx256m", "-XX:MaxDirectMemorySize=64m", "-XX:MaxMetaspaceSize=192m");
    }
}
