package io.coedge.deploy;

import io.coedge.catalog.NodeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Flink configuration of the local cluster. Flink's distribution scripts derive JVM flags
 * from the memory settings; started straight from the Maven artifacts nothing does, so every
 * size is explicit here and {@link #jobManagerJvm} / {@link #taskManagerJvm} pass the matching
 * -Xmx, direct memory and metaspace limits. Sized for many small processes on one 2-core machine.
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
  static final int TM_METASPACE = 192;
  static final int TM_OVERHEAD = 64;
  // JobManager, MiB. It runs the job's main() on submission and the Kafka split enumerators.
  static final int JM_HEAP = 256;
  static final int JM_OFF_HEAP = 64;
  static final int JM_METASPACE = 192;
  static final int JM_OVERHEAD = 64;

  /** What Flink's own config.yaml passes on Java 17 (reflection into the JDK for Kryo and Netty). */
  static final List<String> JAVA_17_OPTIONS = List.of(
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

  private FlinkConfig() {}

  /** Settings shared by the JobManager and every TaskManager. */
  static Map<String, String> common(ClusterSpec spec) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "127.0.0.1");
    c.put("jobmanager.rpc.port", Integer.toString(spec.rpcPort()));
    c.put("jobmanager.bind-host", "127.0.0.1");
    c.put("rest.address", "127.0.0.1");
    c.put("rest.bind-address", "127.0.0.1");
    c.put("rest.port", Integer.toString(spec.restPort()));
    c.put("taskmanager.host", "127.0.0.1");
    c.put("taskmanager.bind-host", "127.0.0.1");
    c.put("taskmanager.numberOfTaskSlots", "1");
    c.put("taskmanager.cpu.cores", "1.0");
    c.put("parallelism.default", Integer.toString(spec.nodes().size()));
    // A killed TaskManager is noticed within seconds, not the default 50 s, and the job restarts
    // from its last checkpoint as soon as a slot is back.
    c.put("heartbeat.interval", "2000");
    c.put("heartbeat.timeout", "10000");
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "50");
    c.put("restart-strategy.fixed-delay.delay", "2 s");
    c.put("execution.checkpointing.dir", spec.dir().resolve("checkpoints").toUri().toString());
    c.put("web.upload.dir", spec.dir().resolve("uploads").toString());
    c.put("io.tmp.dirs", spec.dir().resolve("tmp").toString());
    c.put("blob.storage.directory", spec.dir().resolve("blobs").toString());
    c.put("jobmanager.memory.heap.size", JM_HEAP + "m");
    c.put("jobmanager.memory.off-heap.size", JM_OFF_HEAP + "m");
    c.put("jobmanager.memory.jvm-metaspace.size", JM_METASPACE + "m");
    c.put("jobmanager.memory.jvm-overhead.min", JM_OVERHEAD + "m");
    c.put("jobmanager.memory.jvm-overhead.max", JM_OVERHEAD + "m");
    c.put("taskmanager.memory.framework.heap.size", TM_FRAMEWORK_HEAP + "m");
    c.put("taskmanager.memory.task.heap.size", TM_TASK_HEAP + "m");
    c.put("taskmanager.memory.managed.size", TM_MANAGED + "m");
    c.put("taskmanager.memory.network.min", TM_NETWORK + "m");
    c.put("taskmanager.memory.network.max", TM_NETWORK + "m");
    c.put("taskmanager.memory.framework.off-heap.size", TM_FRAMEWORK_OFF_HEAP + "m");
    c.put("taskmanager.memory.task.off-heap.size", TM_TASK_OFF_HEAP + "m");
    c.put("taskmanager.memory.jvm-metaspace.size", TM_METASPACE + "m");
    c.put("taskmanager.memory.jvm-overhead.min", TM_OVERHEAD + "m");
    c.put("taskmanager.memory.jvm-overhead.max", TM_OVERHEAD + "m");
    c.putAll(spec.flinkConfig());
    return c;
  }

  /** A TaskManager's settings: which edge node it is on, and its name in the web UI. */
  static Map<String, String> taskManager(ClusterSpec spec, NodeSpec node, String resourceId) {
    Map<String, String> c = common(spec);
    c.put("coedge.node", node.id());
    c.put("taskmanager.resource-id", resourceId);
    return c;
  }

  static List<String> jobManagerJvm(Path logFile, Path log4j) {
    List<String> o = new ArrayList<>(List.of(
        "-Xms" + JM_HEAP + "m", "-Xmx" + JM_HEAP + "m",
        "-XX:MaxDirectMemorySize=" + JM_OFF_HEAP + "m",
        "-XX:MaxMetaspaceSize=" + JM_METASPACE + "m"));
    o.addAll(common(logFile, log4j));
    return o;
  }

  static List<String> taskManagerJvm(Path logFile, Path log4j) {
    List<String> o = new ArrayList<>(List.of(
        "-Xms" + (TM_FRAMEWORK_HEAP + TM_TASK_HEAP) + "m", "-Xmx" + (TM_FRAMEWORK_HEAP + TM_TASK_HEAP) + "m",
        "-XX:MaxDirectMemorySize=" + (TM_FRAMEWORK_OFF_HEAP + TM_TASK_OFF_HEAP + TM_NETWORK) + "m",
        "-XX:MaxMetaspaceSize=" + TM_METASPACE + "m"));
    o.addAll(common(logFile, log4j));
    return o;
  }

  private static List<String> common(Path logFile, Path log4j) {
    List<String> o = new ArrayList<>();
    o.add("-XX:+UseSerialGC");
    o.addAll(JAVA_17_OPTIONS);
    // log.file is also what the web UI's log tab shows.
    o.add("-Dlog.file=" + logFile);
    o.add("-Dlog4j.configurationFile=" + log4j.toUri());
    return o;
  }

  static void writeYaml(Map<String, String> config, Path dir) throws IOException {
    Files.createDirectories(dir);
    StringBuilder sb = new StringBuilder("# Written by coedge cluster up; edits are overwritten.\n");
    config.forEach((k, v) -> sb.append(k).append(": \"").append(v.replace("\\", "\\\\").replace("\"", "\\\""))
        .append("\"\n"));
    Files.writeString(dir.resolve("config.yaml"), sb.toString());
  }

  static Path writeLog4j(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("log4j2.properties");
    Files.writeString(file, """
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
        """);
    return file;
  }
}
