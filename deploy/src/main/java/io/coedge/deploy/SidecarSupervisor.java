package io.coedge.deploy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The inference sidecars of this machine's edge nodes, one child process each, as on real nodes:
 * each owns its ONNX Runtime sessions and the job reaches it over gRPC on loopback. What the demo,
 * {@code coedge run} (through {@code LocalPipeline}), the benchmarks and {@code coedge cluster}
 * ({@link LocalCluster}) start their sidecars with.
 *
 * <p>A sidecar is ready when its health endpoint says so ({@code GET /v2/health/ready} on its
 * metrics port answers 200 once every model is loaded and warmed up; 400 before). Waiting fails
 * early, with the log's last lines, when the process exits, and after a timeout.
 *
 * <p>{@link #close()} stops exactly the processes this supervisor started (SIGTERM, then SIGKILL
 * after {@link #GRACE}), and so does a JVM shutdown hook: a launcher stopped by a signal or {@code
 * System.exit} does not leave its sidecars holding their ports. {@link #detach()} hands the
 * processes over instead (to {@code coedge cluster down}).
 */
public final class SidecarSupervisor implements AutoCloseable {
    static final String MAIN = "io.coedge.sidecar.cli.SidecarCommand";

    /** How long a stopped sidecar gets to exit on SIGTERM before it is killed. */
    static final Duration GRACE = Duration.ofSeconds(5);

    private static final String HOST = "127.0.0.1";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** Supervisors whose processes the JVM shutdown hook stops. */
    private static final Set<SidecarSupervisor> OPEN = ConcurrentHashMap.newKeySet();

    private static final AtomicBoolean HOOKED = new AtomicBoolean();

    /**
     * How to start one node's sidecar.
     *
     * @param port gRPC port on 127.0.0.1
     * @param metricsPort Prometheus and health port on 127.0.0.1
     * @param device {@code cpu} or {@code cuda:N}; null for the sidecar's default
     * @param threads ONNX Runtime intra-op threads per session (0 = all cores)
     * @param warmUpRuns measured warm-up runs per batch size; null for the sidecar's default
     * @param jvmOptions heap size and the like
     * @param log where stdout and stderr go (appended)
     */
    public record Spec(
            String node,
            Path models,
            int port,
            int metricsPort,
            String device,
            int threads,
            Integer warmUpRuns,
            List<String> jvmOptions,
            Path log) {
        public Spec {
            if (metricsPort < 0) {
                throw new IllegalArgumentException(
                        "sidecar of "
                                + node
                                + ": a metrics port is needed for its health endpoint");
            }
            models = models.toAbsolutePath();
            log = log.toAbsolutePath();
            jvmOptions = List.copyOf(jvmOptions);
        }

        public String name() {
            return "sidecar-" + node;
        }

        public String address() {
            return HOST + ":" + port;
        }

        public URI health() {
            return URI.create("http://" + HOST + ":" + metricsPort + "/v2/health/ready");
        }

        List<String> args() {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "--models",
                                    models.toString(),
                                    "--port",
                                    Integer.toString(port),
                                    "--metrics-port",
                                    Integer.toString(metricsPort),
                                    "--threads",
                                    Integer.toString(threads)));
            if (device != null) {
                args.addAll(List.of("--device", device));
            }
            if (warmUpRuns != null) {
                args.addAll(List.of("--warmup-runs", Integer.toString(warmUpRuns)));
            }
            return args;
        }
    }

    /** One node's sidecar: its spec and the process serving it now. */
    public static final class Sidecar {
        private final Spec spec;
        private volatile ChildProcess process;
        private volatile long startedNanos;
        private volatile boolean ready;
        private int restarts;

        private Sidecar(Spec spec) {
            this.spec = spec;
        }

        public Spec spec() {
            return spec;
        }

        public String name() {
            return spec.name();
        }

        public Process process() {
            return process.process;
        }

        public long pid() {
            return process.pid();
        }

        public long startedEpochMs() {
            return process.startedEpochMs;
        }

        public Path log() {
            return process.log;
        }

        /** The process serving it now, with its command line. */
        ChildProcess child() {
            return process;
        }

        /** Seconds since the current process started. */
        public double uptimeSeconds() {
            return (System.nanoTime() - startedNanos) / 1e9;
        }

        /** The line a person reads once it is ready. */
        String describeReady() {
            return String.format(
                    "sidecar of %s ready: gRPC %s, health %s (pid %d, %.1f s)",
                    spec.node(), spec.address(), spec.health(), pid(), uptimeSeconds());
        }
    }

    private final String java;
    private final List<String> classpath;
    private final Path workDir;
    private final boolean detach;
    private final Map<String, Sidecar> sidecars = new LinkedHashMap<>();
    private volatile boolean closing;
    private volatile Consumer<String> restartProgress;

    /**
     * @param java the {@code java} executable of the sidecar processes
     * @param classpath their classpath
     * @param workDir their working folder; null for this process's
     * @param detach start them in their own session, so they can outlive this JVM once {@link
     *     #detach()}ed
     */
    public SidecarSupervisor(String java, List<String> classpath, Path workDir, boolean detach) {
        this.java = java;
        this.classpath = List.copyOf(classpath);
        this.workDir = workDir;
        this.detach = detach;
    }

    /** Sidecars run by this JVM's {@code java}, from this JVM's classpath. */
    public static SidecarSupervisor fromThisJvm() {
        return new SidecarSupervisor(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                LaunchClasspath.current(),
                null,
                false);
    }

    /**
     * The local pipeline's sidecars, one per node on 127.0.0.1: gRPC on the given port, metrics and
     * health on port + 1000, one ONNX Runtime thread; returns once all are ready.
     *
     * @param ports node id -> gRPC port
     * @param logs directory for {@code sidecar-<node>.log}
     */
    public static SidecarSupervisor startLocal(
            Path models,
            Map<String, Integer> ports,
            Path logs,
            Duration readyTimeout,
            Consumer<String> progress)
            throws IOException {
        SidecarSupervisor supervisor = fromThisJvm();
        try {
            for (Map.Entry<String, Integer> e : ports.entrySet()) {
                supervisor.start(
                        new Spec(
                                e.getKey(),
                                models,
                                e.getValue(),
                                e.getValue() + 1000,
                                null,
                                1,
                                null,
                                List.of("-Xmx768m"),
                                logs.resolve("sidecar-" + e.getKey() + ".log")));
            }
            supervisor.awaitReady(readyTimeout, s -> progress.accept(s.describeReady()));
            return supervisor;
        } catch (IOException | RuntimeException e) {
            supervisor.close();
            throw new IOException(
                    "sidecars did not become ready: " + e.getMessage() + " (logs in " + logs + ")",
                    e);
        } catch (InterruptedException e) {
            supervisor.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the sidecars started", e);
        }
    }

    /** Starts a node's sidecar process; {@link #awaitReady} waits for it. */
    public synchronized Sidecar start(Spec spec) throws IOException {
        if (closing) {
            throw new IllegalStateException("the sidecar supervisor is closed");
        }
        if (sidecars.containsKey(spec.node())) {
            throw new IllegalArgumentException(
                    "a sidecar of " + spec.node() + " is already supervised");
        }
        checkFree(spec.port(), "the gRPC endpoint of " + spec.name());
        checkFree(spec.metricsPort(), "the metrics and health endpoint of " + spec.name());
        Sidecar sidecar = new Sidecar(spec);
        register(this);
        launch(sidecar);
        sidecars.put(spec.node(), sidecar);
        return sidecar;
    }

    /** A port someone else holds would answer for the sidecar, or make it exit: say so first. */
    private static void checkFree(int port, String what) throws IOException {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
        } catch (IOException busy) {
            throw new IOException(
                    "port "
                            + port
                            + " on "
                            + HOST
                            + ", needed for "
                            + what
                            + ", is in use (a sidecar of an "
                            + "earlier run still up?)");
        }
    }

    private void launch(Sidecar sidecar) throws IOException {
        Spec spec = sidecar.spec;
        sidecar.ready = false;
        sidecar.startedNanos = System.nanoTime();
        sidecar.process =
                ChildProcess.startJava(
                        spec.name(),
                        java,
                        workDir,
                        detach,
                        List.of(),
                        classpath,
                        spec.jvmOptions(),
                        MAIN,
                        spec.args(),
                        Map.of(),
                        spec.log());
    }

    /**
     * Waits until every started sidecar answers 200 on its health endpoint; {@code onReady} hears
     * of each as it gets there. Fails when one exits first or is not ready within {@code timeout}.
     */
    public void awaitReady(Duration timeout, Consumer<Sidecar> onReady)
            throws IOException, InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        List<Sidecar> waiting = new ArrayList<>(sidecars());
        waiting.removeIf(s -> s.ready);
        Map<Sidecar, String> lastAnswer = new LinkedHashMap<>();
        while (!waiting.isEmpty()) {
            for (Sidecar s : new ArrayList<>(waiting)) {
                ChildProcess p = s.process;
                String answer = probe(s.spec);
                if (answer == null && p.process.isAlive()) {
                    s.ready = true;
                    waiting.remove(s);
                    onReady.accept(s);
                } else if (!p.process.isAlive()) {
                    throw new IOException(
                            s.name()
                                    + " exited with code "
                                    + p.process.exitValue()
                                    + " before it was ready; log "
                                    + p.log
                                    + ":\n"
                                    + p.tail(25));
                } else {
                    lastAnswer.put(s, answer);
                }
            }
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() > until) {
                Sidecar s = waiting.get(0);
                throw new IOException(
                        s.name()
                                + " was not ready within "
                                + timeout.toSeconds()
                                + " s (GET "
                                + s.spec.health()
                                + ": "
                                + lastAnswer.get(s)
                                + "); log "
                                + s.log()
                                + ":\n"
                                + s.process.tail(15));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Null when the sidecar is ready, else what its health endpoint said. */
    static String probe(Spec spec) throws InterruptedException {
        try {
            int status =
                    HTTP.send(
                                    HttpRequest.newBuilder(spec.health())
                                            .timeout(Duration.ofSeconds(2))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode();
            return status == 200
                    ? null
                    : "answered " + status + (status == 400 ? " (not ready yet)" : "");
        } catch (IOException e) {
            return "no answer ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + ")";
        }
    }

    /**
     * From now on, a sidecar process that exits (crash, OOM, kill) is started again with the same
     * command on the same port, after one second, until {@link #close()}; {@code progress} hears of
     * each restart and of the new process being ready. The job's batcher sees the node unhealthy
     * meanwhile and healthy again once the new process is ready (within its one-second status
     * poll).
     */
    public SidecarSupervisor restartDeadSidecars(Consumer<String> progress) {
        restartProgress = progress;
        sidecars().forEach(s -> superviseExit(s, s.process));
        return this;
    }

    private void superviseExit(Sidecar sidecar, ChildProcess p) {
        p.process
                .onExit()
                .thenRunAsync(
                        () -> restart(sidecar, p),
                        CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS));
    }

    private void restart(Sidecar sidecar, ChildProcess dead) {
        Consumer<String> progress = restartProgress;
        synchronized (this) {
            if (closing || sidecar.process != dead) {
                return;
            }
            int n = ++sidecar.restarts;
            progress.accept(
                    "sidecar of "
                            + sidecar.spec.node()
                            + " exited with code "
                            + dead.process.exitValue()
                            + "; restarting it (restart "
                            + n
                            + ")");
            try {
                launch(sidecar);
            } catch (IOException e) {
                progress.accept(
                        "sidecar of "
                                + sidecar.spec.node()
                                + " could not be restarted: "
                                + e.getMessage());
                return;
            }
            superviseExit(sidecar, sidecar.process);
        }
        ChildProcess current = sidecar.process;
        CompletableFuture.runAsync(
                () -> {
                    try {
                        while (!closing
                                && sidecar.process == current
                                && current.process.isAlive()) {
                            if (probe(sidecar.spec) == null) {
                                sidecar.ready = true;
                                progress.accept(sidecar.describeReady());
                                return;
                            }
                            Thread.sleep(POLL.toMillis());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
    }

    private synchronized List<Sidecar> sidecars() {
        return new ArrayList<>(sidecars.values());
    }

    /** node -> host:port of its gRPC endpoint. */
    public Map<String, String> addresses() {
        Map<String, String> out = new LinkedHashMap<>();
        sidecars().forEach(s -> out.put(s.spec.node(), s.spec.address()));
        return out;
    }

    /** The sidecar of {@code node}, or null. */
    public synchronized Sidecar sidecar(String node) {
        return sidecars.get(node);
    }

    /** The process serving {@code node} now, for tests that stop one. */
    public Process process(String node) {
        return sidecar(node).process();
    }

    /** How often {@code node}'s sidecar was restarted. */
    public synchronized int restarts(String node) {
        return sidecars.get(node).restarts;
    }

    /**
     * Leaves the processes running, for someone else to stop (their PIDs are in the cluster's state
     * file).
     */
    public synchronized void detach() {
        OPEN.remove(this);
        sidecars.clear();
    }

    /**
     * Stops every sidecar process this supervisor started: SIGTERM, SIGKILL after {@link #GRACE}.
     */
    @Override
    public void close() {
        List<ProcessHandle> stopping = new ArrayList<>();
        synchronized (this) {
            closing = true;
            for (Sidecar s : sidecars.values()) {
                if (s.process.process.isAlive()) {
                    stopping.addAll(ChildProcess.terminateTree(s.process.process.toHandle()));
                }
            }
        }
        ChildProcess.awaitExit(stopping, GRACE);
        // Only now: a shutdown hook running meanwhile still sees this supervisor and waits for its
        // processes too.
        OPEN.remove(this);
    }

    private static void register(SidecarSupervisor supervisor) {
        OPEN.add(supervisor);
        if (HOOKED.compareAndSet(false, true)) {
            Runtime.getRuntime()
                    .addShutdownHook(
                            new Thread(SidecarSupervisor::closeAll, "coedge-sidecar-supervisor"));
        }
    }

    /** The shutdown hook: what close() does, for every supervisor still open. */
    private static void closeAll() {
        for (SidecarSupervisor s : List.copyOf(OPEN)) {
            s.close();
        }
    }
}
