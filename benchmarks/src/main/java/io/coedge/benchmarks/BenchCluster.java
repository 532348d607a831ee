package io.coedge.benchmarks;

import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.ClusterSpec;
import io.coedge.deploy.ClusterState;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.LocalCluster;
import io.coedge.deploy.ProcessSupervisor;
import io.coedge.topics.KafkaClients;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The process cluster of {@code coedge cluster up --kafka} for a benchmark: {@link LocalCluster}
 * (JobManager, one TaskManager and one sidecar per node, Kafka, each its own process) handed over
 * to its state file and {@link ProcessSupervisor} (the detached {@code cluster supervise} process
 * that restarts a dead TaskManager or sidecar), exactly as {@code up} does; {@link #close} does
 * what {@code cluster down} does. REST, RPC and Kafka ports are free ones, so a cluster the user
 * has up is left alone; the sidecars take their catalog ports. Ctrl-C (a shutdown hook) stops
 * everything too, a frozen (SIGSTOPped) process first continued.
 */
public final class BenchCluster implements AutoCloseable {
    private final Path dir;
    private final Consumer<String> progress;
    private final Set<Long> frozen = ConcurrentHashMap.newKeySet();
    private final Thread stopOnExit;
    private FlinkSession rest;
    private String bootstrap;
    private boolean closed;

    private BenchCluster(Path dir, Consumer<String> progress) {
        this.dir = dir;
        this.progress = progress;
        this.stopOnExit = new Thread(this::close, "coedge-bench-cluster-stop");
    }

    /**
     * Starts the cluster in {@code dir} (which must hold no running cluster) and its supervisor;
     * returns once every process is ready.
     */
    public static BenchCluster start(
            List<NodeSpec> nodes, Path catalog, Path dir, Path models, Consumer<String> progress)
            throws IOException, InterruptedException {
        Path folder = dir.toAbsolutePath().normalize();
        var existing = ClusterState.read(folder);
        if (existing.isPresent() && !existing.get().alive().isEmpty()) {
            throw new IOException(
                    "a cluster of an earlier run is still up in "
                            + folder
                            + " (`coedge cluster down --dir "
                            + folder
                            + "`)");
        }
        Files.deleteIfExists(ClusterState.file(folder));
        ClusterSpec spec =
                ClusterSpec.builder(nodes, folder)
                        .restPort(freePort())
                        .rpcPort(freePort())
                        .kafkaPort(freePort())
                        .models(models)
                        .sidecarThreads(1)
                        .detach(true)
                        .build();
        BenchCluster bench = new BenchCluster(folder, progress);
        Runtime.getRuntime().addShutdownHook(bench.stopOnExit);
        try {
            LocalCluster cluster = LocalCluster.start(spec, catalog, progress);
            bench.bootstrap = cluster.state().kafkaBootstrap();
            cluster.detach();
            ClusterState.Proc supervisor = ProcessSupervisor.launch(spec, Duration.ofSeconds(60));
            progress.accept("supervisor up (pid " + supervisor.pid() + ")");
            bench.rest = FlinkSession.connect(LocalCluster.restUrl(spec));
            return bench;
        } catch (IOException | InterruptedException | RuntimeException e) {
            bench.close();
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    public FlinkSession session() {
        return rest;
    }

    public String bootstrap() {
        return bootstrap;
    }

    public Properties client() {
        return KafkaClients.resolve(bootstrap, null).properties();
    }

    /** The running process of {@code role} ("taskmanager", "sidecar") on {@code node}, now. */
    public ClusterState.Proc process(String role, String node) throws IOException {
        return ClusterState.read(dir).orElseThrow().processes().stream()
                .filter(p -> p.role().equals(role) && node.equals(p.node()))
                .filter(p -> p.handle().isPresent())
                .findFirst()
                .orElseThrow(() -> new IOException("no running " + role + " on " + node));
    }

    /** SIGKILL, as a crash would. */
    public void kill(ClusterState.Proc p) throws IOException {
        signal("KILL", p.pid());
    }

    /** SIGSTOP: the process stays, answers nothing. */
    public void freeze(ClusterState.Proc p) throws IOException {
        frozen.add(p.pid());
        signal("STOP", p.pid());
    }

    /** SIGCONT after {@link #freeze}. */
    public void thaw(ClusterState.Proc p) throws IOException {
        signal("CONT", p.pid());
        frozen.remove(p.pid());
    }

    private static void signal(String signal, long pid) throws IOException {
        try {
            int code =
                    new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor();
            if (code != 0) {
                throw new IOException("kill -" + signal + " " + pid + " exited " + code);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while signalling " + pid, e);
        }
    }

    /** Stops the supervisor, then every process the state file records (what `down` does). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != stopOnExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs now
            }
        }
        for (long pid : frozen) {
            try {
                signal("CONT", pid);
            } catch (IOException e) {
                // gone already
            }
        }
        if (rest != null) {
            rest.close();
        }
        try {
            ProcessSupervisor.stopSupervisors(dir, Duration.ofSeconds(15), progress);
            var state = ClusterState.read(dir);
            if (state.isPresent()) {
                state.get().tearDown(Duration.ofSeconds(15), progress);
                Files.deleteIfExists(ClusterState.file(dir));
            }
        } catch (IOException e) {
            progress.accept("could not stop the cluster in " + dir + ": " + e.getMessage());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
