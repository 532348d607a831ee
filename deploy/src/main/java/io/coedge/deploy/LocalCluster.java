package io.coedge.deploy;

import io.coedge.catalog.NodeSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A real Flink session cluster on this machine, started from the Maven artifacts on the launcher's
 * classpath: one JobManager process, and per edge node one TaskManager process (one slot, {@code
 * COEDGE_NODE=<node>}) and one inference sidecar process; optionally a Kafka broker. Everything
 * binds 127.0.0.1; every process logs to {@code <dir>/logs/<process>.log}; what was started is
 * recorded in {@code <dir>/state.json} ({@link ClusterState}).
 *
 * <p>{@link #close} stops exactly the processes this object started.
 */
public final class LocalCluster implements AutoCloseable {
    static final String JOB_MANAGER_MAIN =
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER_MAIN =
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    static final String CLI_MAIN = "io.coedge.cli.CoEdgeCli";

    private static final Duration JVM_READY = Duration.ofSeconds(180);
    private static final Duration SIDECAR_READY = Duration.ofSeconds(300);

    private final ClusterSpec spec;
    private final Consumer<String> progress;
    private final Path logs;
    private final Path log4j;
    private final FlinkSession rest;
    private final List<ChildProcess> started = new ArrayList<>();
    private final SidecarSupervisor sidecars;
    private final Map<String, ChildProcess> taskManagers = new LinkedHashMap<>();
    private final Map<String, Integer> incarnations = new HashMap<>();
    private ClusterState state;
    private Thread stopOnExit;

    private LocalCluster(ClusterSpec spec, String catalog, Consumer<String> progress)
            throws IOException {
        this.spec = spec;
        this.progress = progress;
        this.logs = spec.dir().resolve("logs");
        this.log4j = FlinkConfig.writeLog4j(spec.dir().resolve("conf"));
        this.rest = FlinkSession.connect(restUrl(spec));
        this.sidecars =
                new SidecarSupervisor(spec.java(), spec.classpath(), spec.dir(), spec.detach());
        this.state = new ClusterState(restUrl(spec), null, catalog, List.of());
    }

    public static String restUrl(ClusterSpec spec) {
        return "http://127.0.0.1:" + spec.restPort();
    }

    /**
     * Starts the whole cluster and waits until the JobManager answers, every TaskManager has
     * registered and every sidecar is warmed up. On failure, stops what it started and throws with
     * the failing process's last log lines.
     *
     * @param catalog the catalog file the nodes come from, recorded for {@code submit}
     * @param progress one line per step, for people
     */
    public static LocalCluster start(ClusterSpec spec, Path catalog, Consumer<String> progress)
            throws IOException, InterruptedException {
        checkPortsFree(spec);
        Files.createDirectories(spec.dir());
        LocalCluster cluster =
                new LocalCluster(
                        spec,
                        catalog == null ? null : catalog.toAbsolutePath().toString(),
                        progress);
        if (!spec.detach()) {
            // Attached children (tests) must not outlive the JVM that started them, even when it is
            // stopped before close() runs.
            cluster.stopOnExit = new Thread(cluster::close, "coedge-local-cluster-stop");
            Runtime.getRuntime().addShutdownHook(cluster.stopOnExit);
        }
        try {
            cluster.startAll();
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            progress.accept("start failed; stopping what was started");
            cluster.close();
            Files.deleteIfExists(ClusterState.file(spec.dir()));
            throw e;
        }
    }

    private void startAll() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        if (spec.models() != null && !Files.isDirectory(spec.models())) {
            generateModels();
        }
        ChildProcess kafka = spec.kafkaPort() == null ? null : startKafka();
        if (spec.models() != null) {
            for (NodeSpec node : spec.nodes()) {
                startSidecar(node);
            }
        }
        ChildProcess jobManager = startJobManager();
        for (NodeSpec node : spec.nodes()) {
            startTaskManagerProcess(node);
        }

        awaitRest(jobManager);
        progress.accept(String.format("JobManager up, web UI %s (%.1f s)", rest(), seconds(t0)));
        awaitTaskManagers(new ArrayList<>(taskManagers.keySet()));
        progress.accept(
                String.format(
                        "%d TaskManagers registered, 1 slot each (%.1f s)",
                        taskManagers.size(), seconds(t0)));
        if (kafka != null) {
            String bootstrap =
                    kafka.awaitLogLine(l -> l.matches("127\\.0\\.0\\.1:\\d+"), JVM_READY).trim();
            state = state.withKafka(bootstrap);
            state.write(spec.dir());
            progress.accept(String.format("Kafka up at %s (%.1f s)", bootstrap, seconds(t0)));
        }
        sidecars.awaitReady(
                SIDECAR_READY,
                sidecar ->
                        progress.accept(
                                String.format("%s ready (%.1f s)", sidecar.name(), seconds(t0))));
    }

    private void generateModels() throws IOException, InterruptedException {
        progress.accept("generating ONNX models into " + spec.models() + " (first use)...");
        ChildProcess gen =
                ChildProcess.startJava(
                        "models",
                        spec,
                        spec.classpath(),
                        List.of("-Xmx512m"),
                        CLI_MAIN,
                        List.of("models", "generate", "--out", spec.models().toString()),
                        Map.of(),
                        logs.resolve("models.log"));
        int code = gen.process.waitFor();
        if (code != 0) {
            throw new IOException(
                    "model generation failed (exit "
                            + code
                            + "); log "
                            + gen.log
                            + ":\n"
                            + gen.tail(15));
        }
    }

    private ChildProcess startKafka() throws IOException {
        progress.accept("starting Kafka on 127.0.0.1:" + spec.kafkaPort() + "...");
        return track(
                "kafka",
                "kafka",
                null,
                spec.kafkaPort(),
                null,
                ChildProcess.startJava(
                        "kafka",
                        spec,
                        spec.classpath(),
                        List.of("-Xmx512m", "-XX:+UseSerialGC"),
                        CLI_MAIN,
                        List.of("kafka", "--port", Integer.toString(spec.kafkaPort())),
                        Map.of(),
                        logs.resolve("kafka.log")));
    }

    private void startSidecar(NodeSpec node) throws IOException {
        String device =
                spec.sidecarDevice() != null
                        ? spec.sidecarDevice()
                        : node.accelerator() == null ? "cpu" : node.accelerator();
        SidecarSupervisor.Spec sidecar =
                new SidecarSupervisor.Spec(
                        node.id(),
                        spec.models(),
                        node.sidecarPort(),
                        ClusterSpec.metricsPort(node),
                        device,
                        spec.sidecarThreads(),
                        1,
                        List.of("-Xmx384m", "-XX:+UseSerialGC"),
                        logs.resolve("sidecar-" + node.id() + ".log"));
        progress.accept(
                "starting "
                        + sidecar.name()
                        + " (gRPC "
                        + sidecar.port()
                        + ", metrics "
                        + sidecar.metricsPort()
                        + ", "
                        + device
                        + ")...");
        SidecarSupervisor.Sidecar started = sidecars.start(sidecar);
        record(
                new ClusterState.Proc(
                        sidecar.name(),
                        "sidecar",
                        node.id(),
                        started.pid(),
                        started.startedEpochMs(),
                        started.log().toString(),
                        sidecar.port(),
                        sidecar.metricsPort(),
                        started.child().command,
                        started.child().env,
                        null));
    }

    private ChildProcess startJobManager() throws IOException {
        progress.accept(
                "starting JobManager (RPC 127.0.0.1:"
                        + spec.rpcPort()
                        + ", REST 127.0.0.1:"
                        + spec.restPort()
                        + ")...");
        Path conf = spec.dir().resolve("conf").resolve("jobmanager");
        FlinkConfig.writeYaml(FlinkConfig.common(spec), conf);
        Map<String, String> env = new HashMap<>();
        env.put("COEDGE_NODE", "");
        return track(
                "jobmanager",
                "jobmanager",
                null,
                spec.restPort(),
                null,
                ChildProcess.startJava(
                        "jobmanager",
                        spec,
                        LaunchClasspath.forFlink(spec.classpath()),
                        FlinkConfig.jobManagerJvm(logs.resolve("jobmanager.log"), log4j),
                        JOB_MANAGER_MAIN,
                        List.of("--configDir", conf.toString()),
                        env,
                        logs.resolve("jobmanager.out")));
    }

    /** Returns the TaskManager's resource id (its name in the web UI and REST API). */
    private String startTaskManagerProcess(NodeSpec node) throws IOException {
        int incarnation = incarnations.merge(node.id(), 1, Integer::sum);
        String resourceId = incarnation == 1 ? node.id() : node.id() + "-r" + incarnation;
        String name = "taskmanager-" + resourceId;
        progress.accept("starting " + name + " (COEDGE_NODE=" + node.id() + ")...");
        Path conf = spec.dir().resolve("conf").resolve(name);
        FlinkConfig.writeYaml(FlinkConfig.taskManager(spec, node, resourceId), conf);
        ChildProcess tm =
                track(
                        name,
                        "taskmanager",
                        node.id(),
                        null,
                        null,
                        ChildProcess.startJava(
                                name,
                                spec,
                                LaunchClasspath.forFlink(spec.classpath()),
                                FlinkConfig.taskManagerJvm(logs.resolve(name + ".log"), log4j),
                                TASK_MANAGER_MAIN,
                                List.of("--configDir", conf.toString()),
                                Map.of("COEDGE_NODE", node.id()),
                                logs.resolve(name + ".out")));
        taskManagers.put(resourceId, tm);
        return resourceId;
    }

    /**
     * Kills a node's TaskManager process the hard way (SIGKILL), as a crash would.
     *
     * @return the killed process's PID
     */
    public long killTaskManager(String node) {
        for (var e : new ArrayList<>(taskManagers.entrySet())) {
            ChildProcess tm = e.getValue();
            if (tm.process.isAlive() && nodeOf(e.getKey()).equals(node)) {
                ChildProcess.killTree(tm.process.toHandle());
                taskManagers.remove(e.getKey());
                progress.accept("killed " + tm.name + " (pid " + tm.pid() + ")");
                return tm.pid();
            }
        }
        throw new IllegalArgumentException("no running TaskManager for node " + node);
    }

    /** Starts a (replacement) TaskManager for a node and waits until it has registered. */
    public String startTaskManager(String node) throws IOException, InterruptedException {
        NodeSpec spec =
                this.spec.nodes().stream()
                        .filter(n -> n.id().equals(node))
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown node " + node));
        String resourceId = startTaskManagerProcess(spec);
        awaitTaskManagers(List.of(resourceId));
        return resourceId;
    }

    private String nodeOf(String resourceId) {
        return spec.nodes().stream()
                .map(NodeSpec::id)
                .filter(n -> resourceId.equals(n) || resourceId.startsWith(n + "-r"))
                .findFirst()
                .orElse(resourceId);
    }

    private ChildProcess track(
            String name,
            String role,
            String node,
            Integer port,
            Integer metricsPort,
            ChildProcess p)
            throws IOException {
        started.add(p);
        // Flink processes log through log4j to <name>.log; their .out only holds JVM output.
        Path log = p.log.toString().endsWith(".out") ? logs.resolve(name + ".log") : p.log;
        record(
                new ClusterState.Proc(
                        name,
                        role,
                        node,
                        p.pid(),
                        p.startedEpochMs,
                        log.toString(),
                        port,
                        metricsPort,
                        p.command,
                        p.env,
                        null));
        return p;
    }

    private void record(ClusterState.Proc proc) throws IOException {
        state = state.with(proc);
        state.write(spec.dir());
    }

    private void awaitRest(ChildProcess jobManager) throws IOException, InterruptedException {
        long until = System.nanoTime() + JVM_READY.toNanos();
        while (!rest.isUp()) {
            jobManager.checkAlive();
            if (System.nanoTime() > until) {
                throw new IOException(
                        "the JobManager's REST API did not answer within "
                                + JVM_READY.toSeconds()
                                + " s; log "
                                + logs.resolve("jobmanager.log"));
            }
            Thread.sleep(250);
        }
    }

    private void awaitTaskManagers(List<String> resourceIds)
            throws IOException, InterruptedException {
        long until = System.nanoTime() + JVM_READY.toNanos();
        while (true) {
            List<String> registered = rest.taskManagers();
            if (registered.containsAll(resourceIds)) {
                return;
            }
            for (String id : resourceIds) {
                taskManagers.get(id).checkAlive();
            }
            if (System.nanoTime() > until) {
                throw new IOException(
                        "TaskManagers "
                                + resourceIds
                                + " did not all register within "
                                + JVM_READY.toSeconds()
                                + " s (registered: "
                                + registered
                                + "); logs in "
                                + logs);
            }
            Thread.sleep(250);
        }
    }

    private static void checkPortsFree(ClusterSpec spec) throws IOException {
        Map<Integer, String> ports = new LinkedHashMap<>();
        ports.put(spec.restPort(), "Flink REST API / web UI (--rest-port)");
        ports.put(spec.rpcPort(), "JobManager RPC (--rpc-port)");
        if (spec.kafkaPort() != null) {
            ports.put(spec.kafkaPort(), "Kafka (--kafka-port)");
        }
        if (spec.models() != null) {
            for (NodeSpec node : spec.nodes()) {
                ports.put(
                        node.sidecarPort(),
                        "sidecar of " + node.id() + " (catalog: nodes[" + node.id() + "].sidecar)");
                ports.put(
                        ClusterSpec.metricsPort(node),
                        "sidecar metrics of "
                                + node.id()
                                + " (its gRPC port + "
                                + ClusterSpec.METRICS_PORT_OFFSET
                                + ")");
            }
        }
        for (var e : ports.entrySet()) {
            try (ServerSocket s =
                    new ServerSocket(e.getKey(), 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException busy) {
                throw new IOException(
                        "port "
                                + e.getKey()
                                + " on 127.0.0.1, needed for the "
                                + e.getValue()
                                + ", is in use: is a cluster already up (`coedge cluster status`)? Stop it with `coedge cluster down` or "
                                + "choose another port");
            }
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    public String rest() {
        return restUrl(spec);
    }

    /** Flink's client for this cluster: submission, job status, cancellation. */
    public FlinkSession session() {
        return rest;
    }

    public ClusterState state() {
        return state;
    }

    public Path logs() {
        return logs;
    }

    /**
     * Leaves the processes running: the caller (the {@code up} command) hands them over to the
     * state file and a later {@code down}.
     */
    public void detach() {
        started.clear();
        taskManagers.clear();
        sidecars.detach();
        removeShutdownHook();
        rest.close();
    }

    private void removeShutdownHook() {
        if (stopOnExit != null && Thread.currentThread() != stopOnExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or about to: nothing to remove.
            }
            stopOnExit = null;
        }
    }

    /** Stops every process this object started (and their children), TaskManagers first. */
    @Override
    public synchronized void close() {
        removeShutdownHook();
        List<ProcessHandle> stopping = new ArrayList<>();
        List<ChildProcess> reversed = new ArrayList<>(started);
        java.util.Collections.reverse(reversed);
        for (ChildProcess p : reversed) {
            if (p.process.isAlive()) {
                stopping.addAll(ChildProcess.terminateTree(p.process.toHandle()));
            }
        }
        sidecars.close();
        ChildProcess.awaitExit(stopping, Duration.ofSeconds(10));
        started.clear();
        rest.close();
    }
}
