package io.coedge.deploy;

import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.metrics.PrometheusReporting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.configuration.BlobServerOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;

/**
 * The Flink configuration of the local cluster. Flink's distribution scripts derive JVM flags from
 * the memory settings; started straight from the Maven artifacts nothing does, so every size is
 * explicit here and {@link #jobManagerJvm} / {@link #taskManagerJvm} pass the matching -Xmx, direct
 * memory and metaspace limits. Sized for many small processes on one 2-core machine.
 */
final class FlinkConfig {
    // TaskManager, MiB. Heap holds queued frames and pre-processed tensors; task off-heap covers
    // the gRPC client's direct buffers; no RocksDB, so little managed memory.
    static final int TM_FRAMEWORK_HEAP = 64;
    static final int TM_TASK_HEAP = 256;
    static final int TM_MANAGED = 16;
    static final int TM_NETWORK = 32;
    static final int TM_FRAMEWORK_OFF_HEAP = 64;
    static final int TM_TASK_OFF_HEAP = 96;
    // Each job's jar takes about 32 MB of Metaspace in its own class loader, and the JVM collects
    // a finished job's only when Metaspace reaches this limit (docs/DEPLOY.md, "Jobs one after
    // another"): the framework, the first job's loader, the job just cancelled and the new one
    // need about 150 MB at that moment.
    static final int TM_METASPACE = 256;
    static final int TM_OVERHEAD = 64;
    // JobManager, MiB. It runs the job's main() on submission and the Kafka split enumerators.
    static final int JM_HEAP = 256;
    static final int JM_OFF_HEAP = 64;
    static final int JM_METASPACE = 192;
    static final int JM_OVERHEAD = 64;

    /**
     * What Flink's own config.yaml passes on Java 17 (reflection into the JDK for Kryo and Netty).
     */
    static final List<String> JAVA_17_OPTIONS =
            List.of(
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    /**
     * The edge node a TaskManager runs on, read by the job's batchers (NodeIdentity) besides
     * COEDGE_NODE.
     */
    static final ConfigOption<String> NODE =
            ConfigOptions.key("coedge.node").stringType().noDefaultValue();

    /**
     * Libraries loaded from the cluster's classpath rather than from each job's jar (Flink's {@code
     * classloader.parent-first-patterns.additional}). JNA is on the TaskManagers' classpath anyway
     * ({@link LaunchClasspath#forFlink}). Loaded child-first, every job got its own copy and its
     * own "JNA Cleaner" thread, which outlived the job and kept its class loader; loaded once,
     * there is one copy and one cleaner thread per TaskManager (docs/DEPLOY.md, "Jobs one after
     * another", with the other holders of a finished job's class loader and their fixes).
     */
    static final List<String> PARENT_FIRST_LIBRARIES = List.of("com.sun.jna.");

    private static final String LOOPBACK = "127.0.0.1";

    private FlinkConfig() {}

    /** Settings shared by the JobManager and every TaskManager. */
    static Configuration common(ClusterSpec spec) {
        Configuration c = new Configuration();
        c.set(JobManagerOptions.ADDRESS, LOOPBACK);
        c.set(JobManagerOptions.PORT, spec.rpcPort());
        c.set(JobManagerOptions.BIND_HOST, LOOPBACK);
        c.set(RestOptions.ADDRESS, LOOPBACK);
        c.set(RestOptions.BIND_ADDRESS, LOOPBACK);
        c.set(RestOptions.PORT, spec.restPort());
        c.set(TaskManagerOptions.HOST, LOOPBACK);
        c.set(TaskManagerOptions.BIND_HOST, LOOPBACK);
        c.set(TaskManagerOptions.NUM_TASK_SLOTS, 1);
        c.set(TaskManagerOptions.CPU_CORES, 1.0);
        c.set(CoreOptions.DEFAULT_PARALLELISM, spec.nodes().size());
        c.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL, PARENT_FIRST_LIBRARIES);
        // A killed TaskManager is noticed within seconds, not the default 50 s, and the job
        // restarts
        // from its last checkpoint as soon as a slot is back.
        c.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(2));
        c.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, Duration.ofSeconds(10));
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 50);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
        c.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                spec.dir().resolve("checkpoints").toUri().toString());
        c.set(WebOptions.UPLOAD_DIR, spec.dir().resolve("uploads").toString());
        c.set(CoreOptions.TMP_DIRS, spec.dir().resolve("tmp").toString());
        c.set(BlobServerOptions.STORAGE_DIRECTORY, spec.dir().resolve("blobs").toString());
        c.set(JobManagerOptions.JVM_HEAP_MEMORY, mib(JM_HEAP));
        c.set(JobManagerOptions.OFF_HEAP_MEMORY, mib(JM_OFF_HEAP));
        c.set(JobManagerOptions.JVM_METASPACE, mib(JM_METASPACE));
        c.set(JobManagerOptions.JVM_OVERHEAD_MIN, mib(JM_OVERHEAD));
        c.set(JobManagerOptions.JVM_OVERHEAD_MAX, mib(JM_OVERHEAD));
        c.set(TaskManagerOptions.FRAMEWORK_HEAP_MEMORY, mib(TM_FRAMEWORK_HEAP));
        c.set(TaskManagerOptions.TASK_HEAP_MEMORY, mib(TM_TASK_HEAP));
        c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, mib(TM_MANAGED));
        c.set(TaskManagerOptions.NETWORK_MEMORY_MIN, mib(TM_NETWORK));
        c.set(TaskManagerOptions.NETWORK_MEMORY_MAX, mib(TM_NETWORK));
        c.set(TaskManagerOptions.FRAMEWORK_OFF_HEAP_MEMORY, mib(TM_FRAMEWORK_OFF_HEAP));
        c.set(TaskManagerOptions.TASK_OFF_HEAP_MEMORY, mib(TM_TASK_OFF_HEAP));
        c.set(TaskManagerOptions.JVM_METASPACE, mib(TM_METASPACE));
        c.set(TaskManagerOptions.JVM_OVERHEAD_MIN, mib(TM_OVERHEAD));
        c.set(TaskManagerOptions.JVM_OVERHEAD_MAX, mib(TM_OVERHEAD));
        // Flink's Prometheus reporter on 127.0.0.1, each process its own port (TaskManagers below).
        c.addAll(
                Configuration.fromMap(
                        PrometheusReporting.config(
                                LOOPBACK, String.valueOf(PrometheusReporting.DEFAULT_PORT))));
        c.addAll(Configuration.fromMap(spec.flinkConfig()));
        return c;
    }

    /** A TaskManager's settings: which edge node it is on, and its name in the web UI. */
    static Configuration taskManager(ClusterSpec spec, NodeSpec node, String resourceId) {
        Configuration c = common(spec);
        c.set(NODE, node.id());
        c.set(TaskManagerOptions.TASK_MANAGER_RESOURCE_ID, resourceId);
        if (!spec.flinkConfig().containsKey(PrometheusReporting.portKey())) {
            c.set(
                    ConfigOptions.key(PrometheusReporting.portKey()).stringType().noDefaultValue(),
                    String.valueOf(
                            PrometheusReporting.clusterTaskManagerPort(
                                    spec.nodes().indexOf(node))));
        }
        return c;
    }

    private static MemorySize mib(int mebibytes) {
        return MemorySize.ofMebiBytes(mebibytes);
    }

    static List<String> jobManagerJvm(Path logFile, Path log4j) {
        List<String> o =
                new ArrayList<>(
                        List.of(
                                "-Xms" + JM_HEAP + "m",
                                "-Xmx" + JM_HEAP + "m",
                                "-XX:MaxDirectMemorySize=" + JM_OFF_HEAP + "m",
                                "-XX:MaxMetaspaceSize=" + JM_METASPACE + "m"));
        o.addAll(common(logFile, log4j));
        return o;
    }

    static List<String> taskManagerJvm(Path logFile, Path log4j) {
        List<String> o =
                new ArrayList<>(
                        List.of(
                                "-Xms" + (TM_FRAMEWORK_HEAP + TM_TASK_HEAP) + "m",
                                "-Xmx" + (TM_FRAMEWORK_HEAP + TM_TASK_HEAP) + "m",
                                "-XX:MaxDirectMemorySize="
                                        + (TM_FRAMEWORK_OFF_HEAP + TM_TASK_OFF_HEAP + TM_NETWORK)
                                        + "m",
                                "-XX:MaxMetaspaceSize=" + TM_METASPACE + "m",
                                GRPC_UNPOOLED,
                                // The pre-processor's vector resize (an incubator module in
                                // JDK 17; without it, the scalar pass).
                                "--add-modules",
                                VECTOR_MODULE));
        o.addAll(common(logFile, log4j));
        return o;
    }

    /**
     * gRPC's Netty in each job's class loader allocates without pools (docs/DEPLOY.md, "Jobs one
     * after another"). A pooled allocator's arenas have finalizers, so a finished job's class
     * loader can go only after a collection, the finalizer thread and another collection; the
     * collection a Metaspace shortage triggers does not wait for finalizers, and a TaskManager died
     * of {@code OutOfMemoryError: Metaspace} with earlier jobs' loaders still waiting. The job's
     * gRPC messages are small (frames go through shared memory), so pools buy little.
     */
    static final String GRPC_UNPOOLED = "-Dio.grpc.netty.shaded.io.netty.allocator.type=unpooled";

    /** The JDK Vector API, which the TaskManagers' pre-processing uses. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private static List<String> common(Path logFile, Path log4j) {
        List<String> o = new ArrayList<>();
        o.add("-XX:+UseSerialGC");
        o.addAll(JAVA_17_OPTIONS);
        // log.file is also what the web UI's log tab shows.
        o.add("-Dlog.file=" + logFile);
        o.add("-Dlog4j.configurationFile=" + log4j.toUri());
        return o;
    }

    /**
     * Writes {@code config.yaml} (Flink 2's standard YAML file) into {@code dir}, one flattened key
     * a line, each value as Flink writes it ({@link Configuration#toFileWritableMap}: YAML-quoted
     * where needed, durations and sizes in Flink's units), keys sorted.
     */
    static void writeYaml(Configuration config, Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder sb =
                new StringBuilder("# Written by coedge cluster up; edits are overwritten.\n");
        new TreeMap<>(config.toFileWritableMap())
                .forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        Files.writeString(dir.resolve(GlobalConfiguration.FLINK_CONF_FILENAME), sb.toString());
    }

    static Path writeLog4j(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("log4j2.properties");
        Files.writeString(
                file,
                """
        # Every Flink process of the local cluster logs to its own file (-Dlog.file).
        rootLogger.level = INFO
        rootLogger.appenderRef.file.ref = file
        appender.file.type = File
        appender.file.name = file
        appender.file.fileName = ${sys:log.file}
        appender.file.append = true
        appender.file.layout.type = PatternLayout
        appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-50c{1.} - %m%n
        logger.pekko.name = org.apache.pekko
        logger.pekko.level = WARN
        logger.kafka.name = org.apache.kafka
        logger.kafka.level = WARN
        logger.netty.name = org.apache.flink.shaded.netty4
        logger.netty.level = WARN
        logger.zookeeper.name = org.apache.zookeeper
        logger.zookeeper.level = WARN
        # Each link probe round (on only where probing is, the testbed): what the dispatcher planned from.
        logger.links.name = io.coedge.operators.links.LinkProbes
        logger.links.level = DEBUG
        """);
        return file;
    }
}
