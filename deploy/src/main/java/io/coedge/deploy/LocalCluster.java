package io.coedge.deploy;

import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.testbed.PortBridge;
import io.coedge.deploy.testbed.Testbed;
import io.coedge.deploy.testbed.TestbedPlan;
import io.coedge.deploy.testbed.TestbedState;
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
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;

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

    private static final String LOOPBACK = "127.0.0.1";
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

    /** The testbed the processes run in ({@code up --testbed}); null on 127.0.0.1. */
    private TestbedState testbed;

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
        return start(spec, catalog, null, progress);
    }

    /**
     * {@link #start(ClusterSpec, Path, Consumer)} inside a testbed made from {@code plan} (null for
     * none): Kafka and the JobManager in its backbone namespace, each node's TaskManager and
     * sidecar in the node's namespace and cgroup, every server on its namespace's address (a
     * sidecar on its namespace's own 127.0.0.1, where only its node reaches it). The REST API is
     * carried to 127.0.0.1 on this machine by a {@link PortBridge} pair. {@link #close} removes the
     * testbed.
     */
    public static LocalCluster start(
            ClusterSpec spec, Path catalog, TestbedPlan plan, Consumer<String> progress)
            throws IOException, InterruptedException {
        if (plan != null) {
            Testbed.checkPrivileges();
        }
        // In a testbed only the REST bridge listens on this machine's 127.0.0.1.
        checkPortsFree(spec, plan != null);
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
            if (plan != null) {
                cluster.testbed =
                        Testbed.create(
                                plan,
                                t -> {
                                    cluster.state = cluster.state.withTestbed(t);
                                    try {
                                        cluster.state.write(spec.dir());
                                    } catch (IOException e) {
                                        throw new java.io.UncheckedIOException(e);
                                    }
                                },
                                progress);
            }
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
        List<ChildProcess> testbedSidecars = new ArrayList<>();
        if (spec.models() != null) {
            for (NodeSpec node : spec.nodes()) {
                if (testbed == null) {
                    startSidecar(node);
                } else {
                    testbedSidecars.add(startSidecarInTestbed(node));
                }
            }
        }
        ChildProcess jobManager = startJobManager();
        if (testbed != null) {
            startRestBridge();
        }
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
            String host = java.util.regex.Pattern.quote(address(TestbedState.BACKBONE));
            String bootstrap = kafka.awaitLogLine(l -> l.matches(host + ":\\d+"), JVM_READY).trim();
            state = state.withKafka(bootstrap);
            state.write(spec.dir());
            progress.accept(String.format("Kafka up at %s (%.1f s)", bootstrap, seconds(t0)));
        }
        for (ChildProcess sidecar : testbedSidecars) {
            sidecar.awaitLogLine(l -> l.startsWith("sidecar ready"), SIDECAR_READY);
            progress.accept(String.format("%s ready (%.1f s)", sidecar.name, seconds(t0)));
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
                        List.of(),
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

    /** The address servers of {@code where} (a node or the backbone) bind. */
    private String address(String where) {
        return testbed == null ? LOOPBACK : testbed.addresses().get(where);
    }

    /** The command prefix that runs a process in {@code where}'s namespace; empty on 127.0.0.1. */
    private List<String> prefix(String where) {
        return testbed == null ? List.of() : Testbed.prefix(testbed, where);
    }

    /** The prefix of a node's sidecar: in its namespace, on its accelerator's CPU share. */
    private List<String> acceleratorPrefix(String node) {
        return testbed == null
                ? List.of()
                : Testbed.prefix(testbed, node, Testbed.Role.ACCELERATOR);
    }

    private ChildProcess startKafka() throws IOException {
        String host = address(TestbedState.BACKBONE);
        progress.accept("starting Kafka on " + host + ":" + spec.kafkaPort() + "...");
        return track(
                "kafka",
                "kafka",
                null,
                spec.kafkaPort(),
                null,
                ChildProcess.startJava(
                        "kafka",
                        spec,
                        prefix(TestbedState.BACKBONE),
                        spec.classpath(),
                        List.of("-Xmx512m", "-XX:+UseSerialGC"),
                        CLI_MAIN,
                        List.of(
                                "kafka",
                                "--port",
                                Integer.toString(spec.kafkaPort()),
                                "--host",
                                host),
                        Map.of(),
                        logs.resolve("kafka.log")));
    }

    /** How every sidecar of the cluster runs: the node's device unless the spec names one. */
    private SidecarSupervisor.Spec sidecarSpec(NodeSpec node) {
        String device =
                spec.sidecarDevice() != null
                        ? spec.sidecarDevice()
                        : node.accelerator() == null ? "cpu" : node.accelerator();
        return new SidecarSupervisor.Spec(
                node.id(),
                spec.modelsOf(node),
                node.sidecarPort(),
                ClusterSpec.metricsPort(node),
                device,
                spec.sidecarThreads(),
                1,
                List.of("-Xmx384m", "-XX:+UseSerialGC"),
                logs.resolve("sidecar-" + node.id() + ".log"));
    }

    private void startSidecar(NodeSpec node) throws IOException {
        SidecarSupervisor.Spec sidecar = sidecarSpec(node);
        String device = sidecar.device();
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

    /**
     * A node's sidecar inside its namespace and cgroup, on the namespace's own 127.0.0.1 (the
     * catalog's sidecar address, reached by that node's TaskManager only); ready on its log line,
     * since its health endpoint is not reachable from this namespace.
     */
    private ChildProcess startSidecarInTestbed(NodeSpec node) throws IOException {
        SidecarSupervisor.Spec sidecar = sidecarSpec(node);
        progress.accept(
                "starting " + sidecar.name() + " in " + testbed.netns().get(node.id()) + "...");
        return track(
                sidecar.name(),
                "sidecar",
                node.id(),
                sidecar.port(),
                sidecar.metricsPort(),
                ChildProcess.startJava(
                        sidecar.name(),
                        spec,
                        acceleratorPrefix(node.id()),
                        spec.classpath(),
                        sidecar.jvmOptions(),
                        SidecarSupervisor.MAIN,
                        sidecar.args(),
                        Map.of(),
                        sidecar.log()));
    }

    /**
     * The REST API, which listens in the backbone namespace, carried to 127.0.0.1 on this machine:
     * one {@link PortBridge} in the backbone (Unix socket to TCP), one here (TCP to Unix socket).
     */
    private void startRestBridge() throws IOException, InterruptedException {
        Path socket = spec.dir().resolve("rest.sock");
        String port = Integer.toString(spec.restPort());
        ChildProcess inside =
                track(
                        "bridge-rest-backbone",
                        "bridge",
                        null,
                        null,
                        null,
                        ChildProcess.startJava(
                                "bridge-rest-backbone",
                                spec,
                                prefix(TestbedState.BACKBONE),
                                spec.classpath(),
                                List.of("-Xmx32m", "-XX:+UseSerialGC"),
                                PortBridge.class.getName(),
                                List.of(
                                        "unix",
                                        socket.toString(),
                                        address(TestbedState.BACKBONE),
                                        port),
                                Map.of(),
                                logs.resolve("bridge-rest-backbone.log")));
        inside.awaitLogLine(l -> l.startsWith("bridge ready"), JVM_READY);
        ChildProcess host =
                track(
                        "bridge-rest-host",
                        "bridge",
                        null,
                        spec.restPort(),
                        null,
                        ChildProcess.startJava(
                                "bridge-rest-host",
                                spec,
                                List.of(),
                                spec.classpath(),
                                List.of("-Xmx32m", "-XX:+UseSerialGC"),
                                PortBridge.class.getName(),
                                List.of("tcp", LOOPBACK, port, socket.toString()),
                                Map.of(),
                                logs.resolve("bridge-rest-host.log")));
        host.awaitLogLine(l -> l.startsWith("bridge ready"), JVM_READY);
        progress.accept("REST API of the backbone's JobManager bridged to " + restUrl(spec));
    }

    /** {@code io.coedge.operators.links.LinkProbes.INTERVAL_MS}: on in the testbed only. */
    static final String LINK_PROBE_INTERVAL = "coedge.link-probe.interval-ms";

    /** Binds the Flink servers of a process in the testbed to its namespace's address. */
    private Configuration inTestbed(Configuration c, String where) {
        if (testbed != null) {
            String jm = address(TestbedState.BACKBONE);
            c.set(JobManagerOptions.ADDRESS, jm);
            c.set(JobManagerOptions.BIND_HOST, jm);
            c.set(RestOptions.ADDRESS, jm);
            c.set(RestOptions.BIND_ADDRESS, jm);
            c.set(TaskManagerOptions.HOST, address(where));
            c.set(TaskManagerOptions.BIND_HOST, address(where));
            // Each node measures its shaped links, and the dispatcher plans from what it measured.
            if (!c.containsKey(LINK_PROBE_INTERVAL)) {
                c.setString(LINK_PROBE_INTERVAL, "5000");
            }
        }
        return c;
    }

    private ChildProcess startJobManager() throws IOException {
        String host = address(TestbedState.BACKBONE);
        progress.accept(
                "starting JobManager (RPC "
                        + host
                        + ":"
                        + spec.rpcPort()
                        + ", REST "
                        + host
                        + ":"
                        + spec.restPort()
                        + ")...");
        Path conf = spec.dir().resolve("conf").resolve("jobmanager");
        FlinkConfig.writeYaml(inTestbed(FlinkConfig.common(spec), TestbedState.BACKBONE), conf);
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
                        prefix(TestbedState.BACKBONE),
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
        FlinkConfig.writeYaml(
                inTestbed(FlinkConfig.taskManager(spec, node, resourceId), node.id()), conf);
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
                                prefix(node.id()),
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
        if (!log.equals(p.log)) {
            p.detailLog(log);
        }
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

    private static void checkPortsFree(ClusterSpec spec, boolean restOnly) throws IOException {
        Map<Integer, String> ports = new LinkedHashMap<>();
        ports.put(spec.restPort(), "Flink REST API / web UI (--rest-port)");
        if (restOnly) {
            checkFree(ports);
            return;
        }
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
        checkFree(ports);
    }

    private static void checkFree(Map<Integer, String> ports) throws IOException {
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
        testbed = null; // handed over with the state file to `cluster down`
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
        if (testbed != null) {
            Testbed.destroy(testbed, progress).forEach(progress);
            testbed = null;
        }
    }

    /** The testbed this cluster runs in; null on 127.0.0.1 (or once detached). */
    public TestbedState testbed() {
        return testbed;
    }
}
