package io.coedge.deploy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.coedge.deploy.testbed.Testbed;
import io.coedge.deploy.testbed.TestbedState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What {@code coedge cluster up} started, written to {@code state.json} in the cluster folder so
 * that {@code down}, {@code submit} and {@code status} find it. Each process is recorded with its
 * PID and start time: {@code down} stops a PID only while it still is the process {@code up}
 * started (a PID reused by another program is left alone).
 *
 * @param restUrl Flink REST API and web UI
 * @param kafkaBootstrap bootstrap address of the embedded broker; null when none was started
 * @param catalog absolute path of the catalog the cluster was started for
 * @param processes every child process, in start order
 * @param testbed the namespaces and cgroups of a testbed ({@code up --testbed}); null for a cluster
 *     on 127.0.0.1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterState(
        String restUrl,
        String kafkaBootstrap,
        String catalog,
        List<Proc> processes,
        TestbedState testbed) {
    public static final String FILE = "state.json";

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Start times read back from /proc may differ from the recorded ones by a clock tick. */
    private static final long START_TOLERANCE_MS = 2_000;

    /**
     * One child process.
     *
     * @param name e.g. {@code taskmanager-edge-1}
     * @param role {@code jobmanager}, {@code taskmanager}, {@code sidecar} or {@code kafka}
     * @param node edge node, for TaskManagers and sidecars
     * @param pid process id
     * @param startedEpochMs start time as the OS reports it, to recognise the process later
     * @param log its log file
     * @param port its main port (sidecar gRPC, Kafka), if any
     * @param metricsPort sidecar Prometheus port, if any
     * @param command its {@code java ...} command line, for {@code cluster supervise} to start it
     *     again (null when not recorded)
     * @param env environment variables it was started with on top of the launcher's
     * @param restarts how often {@code cluster supervise} restarted this node's process; null
     *     before the first restart
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Proc(
            String name,
            String role,
            String node,
            long pid,
            long startedEpochMs,
            String log,
            Integer port,
            Integer metricsPort,
            List<String> command,
            Map<String, String> env,
            Integer restarts) {

        @JsonCreator
        public Proc {
            command = command == null ? null : List.copyOf(command);
            env = env == null ? null : Map.copyOf(env);
        }

        /** A process whose command line is not recorded (it is not restarted). */
        public Proc(
                String name,
                String role,
                String node,
                long pid,
                long startedEpochMs,
                String log,
                Integer port,
                Integer metricsPort) {
            this(name, role, node, pid, startedEpochMs, log, port, metricsPort, null, null, null);
        }

        /** The live process, if this PID still belongs to the process that was started. */
        public Optional<ProcessHandle> handle() {
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(
                            h ->
                                    h.info()
                                            .startInstant()
                                            .map(
                                                    s ->
                                                            Math.abs(
                                                                            s.toEpochMilli()
                                                                                    - startedEpochMs)
                                                                    <= START_TOLERANCE_MS)
                                            .orElse(false));
        }
    }

    public ClusterState {
        processes = List.copyOf(processes);
    }

    public ClusterState(
            String restUrl, String kafkaBootstrap, String catalog, List<Proc> processes) {
        this(restUrl, kafkaBootstrap, catalog, processes, null);
    }

    public ClusterState with(Proc process) {
        List<Proc> all = new ArrayList<>(processes);
        all.add(process);
        return new ClusterState(restUrl, kafkaBootstrap, catalog, all, testbed);
    }

    /** This state with the process named {@code name} replaced by {@code process}. */
    public ClusterState replace(String name, Proc process) {
        List<Proc> all = new ArrayList<>(processes);
        all.replaceAll(p -> p.name().equals(name) ? process : p);
        if (!all.contains(process)) {
            all.add(process);
        }
        return new ClusterState(restUrl, kafkaBootstrap, catalog, all);
    }

    public ClusterState withKafka(String bootstrap) {
        return new ClusterState(restUrl, bootstrap, catalog, processes, testbed);
    }

    public ClusterState withTestbed(TestbedState testbed) {
        return new ClusterState(restUrl, kafkaBootstrap, catalog, processes, testbed);
    }

    public static Path file(Path dir) {
        return dir.resolve(FILE);
    }

    public static Optional<ClusterState> read(Path dir) throws IOException {
        Path file = file(dir);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(file.toFile(), ClusterState.class));
    }

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(
                tmp,
                file(dir),
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** Processes of this state that are still running. */
    public List<Proc> alive() {
        return processes.stream().filter(p -> p.handle().isPresent()).toList();
    }

    /**
     * Stops every recorded process that still runs, last started first: SIGTERM to the process and
     * its descendants, SIGKILL after {@code grace}.
     */
    public void stopAll(Duration grace, Consumer<String> progress) {
        List<Proc> reversed = new ArrayList<>(processes);
        java.util.Collections.reverse(reversed);
        List<ProcessHandle> stopping = new ArrayList<>();
        for (Proc p : reversed) {
            p.handle()
                    .ifPresent(
                            h -> {
                                progress.accept("stopping " + p.name() + " (pid " + p.pid() + ")");
                                stopping.addAll(ChildProcess.terminateTree(h));
                            });
        }
        ChildProcess.awaitExit(stopping, grace);
    }

    /**
     * What {@code cluster down} does: {@link #stopAll}, then removes the testbed's namespaces,
     * veths, qdiscs and cgroups (and any process left inside them), if there is a testbed.
     *
     * @return what could not be removed, one line each
     */
    public List<String> tearDown(Duration grace, Consumer<String> progress) {
        stopAll(grace, progress);
        return testbed == null ? List.of() : Testbed.destroy(testbed, progress);
    }
}
