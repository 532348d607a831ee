package io.coedge.cli;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.ClusterSpec;
import io.coedge.deploy.ClusterState;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.JobArguments;
import io.coedge.deploy.LocalCluster;
import io.coedge.deploy.ProcessSupervisor;
import io.coedge.deploy.metrics.PrometheusReporting;
import io.coedge.deploy.testbed.Testbed;
import io.coedge.deploy.testbed.TestbedPlan;
import io.coedge.deploy.testbed.TestbedState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coedge cluster}: a real multi-process Flink session cluster on this machine. */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = {
            "A real Flink session cluster on this machine: one JobManager, and per edge node one TaskManager (1 slot,"
                    + " COEDGE_NODE=<node>) and one inference sidecar, each its own process; optionally Kafka.",
            "Logs: <dir>/logs/<process>.log. `down` stops only the processes `up` started."
        },
        subcommands = {
            ClusterCommand.Up.class,
            ClusterCommand.Submit.class,
            ClusterCommand.Status.class,
            ClusterCommand.Cancel.class,
            ClusterCommand.Down.class,
            ClusterCommand.Exec.class,
            ClusterCommand.Link.class,
            ClusterCommand.Node.class,
            ClusterCommand.Supervise.class
        })
public final class ClusterCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the cluster keeps its configuration, logs, checkpoints and state file. */
    static final class ClusterDir {
        @Option(
                names = "--dir",
                paramLabel = "DIR",
                description =
                        "Cluster folder (default: $COEDGE_HOME/.coedge/cluster, else ./.coedge/cluster).")
        Path dir;

        Path resolve() {
            if (dir != null) {
                return dir.toAbsolutePath().normalize();
            }
            return home().resolve(".coedge").resolve("cluster").toAbsolutePath().normalize();
        }

        ClusterState requireState() throws IOException {
            return ClusterState.read(resolve())
                    .orElseThrow(
                            () ->
                                    new IOException(
                                            "no cluster is up (no "
                                                    + ClusterState.file(resolve())
                                                    + "); start one with `coedge cluster up`"));
        }
    }

    static Path home() {
        String home = System.getenv("COEDGE_HOME");
        return home == null ? Path.of(".") : Path.of(home);
    }

    /**
     * A relative path as given when it exists, else under COEDGE_HOME (where config/ and jobs/
     * live).
     */
    static Path shipped(Path path) {
        if (path.isAbsolute() || Files.exists(path)) {
            return path.toAbsolutePath().normalize();
        }
        return home().resolve(path).toAbsolutePath().normalize();
    }

    @Command(
            name = "up",
            mixinStandardHelpOptions = true,
            description =
                    "Start the JobManager, one TaskManager and one sidecar per node (and Kafka with --kafka); "
                            + "returns once all are ready and leaves them running.")
    static final class Up implements Callable<Integer> {
        @Mixin ClusterDir dir;

        @Option(
                names = "--config",
                defaultValue = "config/demo.yaml",
                paramLabel = "FILE",
                description =
                        "Task catalog; its nodes and their sidecar ports (default: ${DEFAULT-VALUE}).")
        Path config;

        @Option(
                names = "--nodes",
                paramLabel = "N",
                description =
                        "Start only the catalog's first N nodes (default: all). The job needs one slot per catalog "
                                + "node: with fewer it waits for the others to join.")
        Integer nodes;

        @Option(
                names = "--models",
                paramLabel = "DIR",
                description =
                        "Model repository for the sidecars; generated (FULL scale) when missing "
                                + "(default: $COEDGE_HOME/.coedge/models, shared with the demo).")
        Path models;

        @Option(
                names = "--device",
                paramLabel = "DEV",
                description =
                        "Device of every sidecar, cpu or cuda:N (default: each node's catalog accelerator).")
        String device;

        @Option(
                names = "--sidecar-threads",
                defaultValue = "1",
                paramLabel = "N",
                description =
                        "ONNX Runtime threads per sidecar session; 1 suits several sidecars on one small machine "
                                + "(default: ${DEFAULT-VALUE}).")
        int sidecarThreads;

        @Option(
                names = "--kafka",
                description = "Also start the embedded Kafka broker (a process of the cluster).")
        boolean kafka;

        @Option(
                names = "--kafka-port",
                defaultValue = "9092",
                paramLabel = "PORT",
                description = "Port of the embedded broker (default: ${DEFAULT-VALUE}).")
        int kafkaPort;

        @Option(
                names = "--testbed",
                description =
                        "Run every node in its own network namespace (TaskManager and sidecar; the sidecar, the node's "
                                + "accelerator, under a CPU quota of the catalog's cpuShare), Kafka and the JobManager in a backbone namespace, and the "
                                + "catalog's links as tc-shaped veth pairs. Needs root.")
        boolean testbed;

        @Option(
                names = "--rest-port",
                defaultValue = "8081",
                paramLabel = "PORT",
                description =
                        "Flink REST API and web UI port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
        int restPort;

        @Option(
                names = "--rpc-port",
                defaultValue = "6123",
                paramLabel = "PORT",
                description = "JobManager RPC port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
        int rpcPort;

        @Option(
                names = "--no-restart",
                description =
                        "Do not start the supervisor: a TaskManager or sidecar that dies stays dead"
                                + " (default: restarted with back-off, see `cluster supervise`).")
        boolean noRestart;

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Path folder = dir.resolve();
            var existing = ClusterState.read(folder);
            if (existing.isPresent() && !existing.get().alive().isEmpty()) {
                throw new IOException(
                        "a cluster is already up ("
                                + existing.get().alive().size()
                                + " processes, state in "
                                + ClusterState.file(folder)
                                + "); stop it first with `coedge cluster down`");
            }
            if (existing.isPresent() && existing.get().testbed() != null) {
                // A stale state of a killed `up --testbed`: its namespaces and cgroups go first.
                err.println("coedge cluster up: removing the testbed of a stopped cluster");
                existing.get()
                        .tearDown(Duration.ofSeconds(5), m -> err.println("  " + m))
                        .forEach(m -> err.println("  left: " + m));
                Files.deleteIfExists(ClusterState.file(folder));
            }
            Path catalogFile = shipped(config);
            Catalog catalog = CatalogText.read(catalogFile).parse();
            List<NodeSpec> all = catalog.nodes();
            int n = nodes == null ? all.size() : nodes;
            if (n < 1 || n > all.size()) {
                throw new IllegalArgumentException(
                        "--nodes "
                                + n
                                + ": the catalog "
                                + catalogFile
                                + " has "
                                + all.size()
                                + " nodes");
            }
            if (n < all.size()) {
                err.println(
                        "coedge cluster up: starting "
                                + n
                                + " of "
                                + all.size()
                                + " nodes; the job waits for a slot per "
                                + "catalog node");
            }
            Path modelDir =
                    models != null
                            ? models.toAbsolutePath()
                            : home().resolve(".coedge").resolve("models");
            ClusterSpec clusterSpec =
                    ClusterSpec.builder(all.subList(0, n), folder)
                            .restPort(restPort)
                            .rpcPort(rpcPort)
                            .models(modelDir)
                            .sidecarDevice(device)
                            .sidecarThreads(sidecarThreads)
                            .kafkaPort(kafka ? kafkaPort : null)
                            .detach(true)
                            .build();

            // Ctrl-C while starting: stop what was started (the children run in their own session).
            LocalCluster[] starting = new LocalCluster[1];
            Thread abort =
                    new Thread(
                            () -> {
                                if (starting[0] != null) {
                                    starting[0].close();
                                } else {
                                    try {
                                        ClusterState.read(folder)
                                                .ifPresent(
                                                        s ->
                                                                s.tearDown(
                                                                        Duration.ofSeconds(10),
                                                                        m ->
                                                                                err.println(
                                                                                        "  " + m)));
                                    } catch (IOException e) {
                                        err.println(
                                                "coedge cluster up: cannot read the state file to stop what was started: "
                                                        + e.getMessage());
                                    }
                                }
                            });
            abort.setName("coedge-cluster-up-abort");
            Runtime.getRuntime().addShutdownHook(abort);
            LocalCluster cluster;
            try {
                cluster =
                        LocalCluster.start(
                                clusterSpec,
                                catalogFile,
                                testbed
                                        ? TestbedPlan.of(
                                                Testbed.newRunId(),
                                                all.subList(0, n),
                                                catalog.links())
                                        : null,
                                m -> {
                                    err.println("coedge cluster up: " + m);
                                    err.flush();
                                });
                starting[0] = cluster;
            } catch (IOException e) {
                Runtime.getRuntime().removeShutdownHook(abort);
                throw e;
            }
            cluster.detach();
            ClusterState.Proc supervisor = null;
            if (!noRestart) {
                try {
                    supervisor = ProcessSupervisor.launch(clusterSpec, Duration.ofSeconds(60));
                } catch (IOException e) {
                    starting[0] = null;
                    Runtime.getRuntime().removeShutdownHook(abort);
                    ClusterState.read(folder)
                            .ifPresent(s -> s.stopAll(Duration.ofSeconds(10), m -> {}));
                    Files.deleteIfExists(ClusterState.file(folder));
                    throw e;
                }
            }
            Runtime.getRuntime().removeShutdownHook(abort);

            PrintWriter out = spec.commandLine().getOut();
            ClusterState state = cluster.state();
            out.println(
                    "cluster up: "
                            + n
                            + " nodes ("
                            + String.join(
                                    ", ", all.subList(0, n).stream().map(NodeSpec::id).toList())
                            + ")");
            out.println("  web UI / REST   " + state.restUrl());
            if (state.kafkaBootstrap() != null) {
                out.println("  Kafka           " + state.kafkaBootstrap());
            }
            if (state.testbed() != null) {
                TestbedState t = state.testbed();
                out.println(
                        "  testbed         "
                                + t.runId()
                                + ": backbone "
                                + t.netns().get(TestbedState.BACKBONE)
                                + " at "
                                + t.addresses().get(TestbedState.BACKBONE)
                                + (t.latencyApplied()
                                        ? ""
                                        : " (no netem in this kernel: links shaped for bandwidth only)"));
                for (NodeSpec node : all.subList(0, n)) {
                    out.println(
                            "  node "
                                    + node.id()
                                    + "  "
                                    + t.netns().get(node.id())
                                    + " at "
                                    + t.addresses().get(node.id())
                                    + (node.cpuShare() == null
                                            ? ""
                                            : String.format(", %.2f cores", node.cpuShare()))
                                    + "; its sidecar at 127.0.0.1:"
                                    + node.sidecarPort()
                                    + " inside it");
                }
                out.println(
                        "  run a camera on its node:  coedge cluster exec NODE -- coedge produce ...");
            }
            for (NodeSpec node :
                    state.testbed() != null ? List.<NodeSpec>of() : all.subList(0, n)) {
                out.println(
                        "  sidecar "
                                + node.id()
                                + "  127.0.0.1:"
                                + node.sidecarPort()
                                + " (metrics http://127.0.0.1:"
                                + ClusterSpec.metricsPort(node)
                                + "/metrics)");
            }
            for (int i = 0; i < n; i++) {
                out.println(
                        "  taskmanager "
                                + all.get(i).id()
                                + "  metrics http://127.0.0.1:"
                                + PrometheusReporting.clusterTaskManagerPort(i)
                                + "/metrics");
            }
            out.println(
                    supervisor == null
                            ? "  supervisor      none (--no-restart): a dead TaskManager or sidecar stays dead"
                            : "  supervisor      pid "
                                    + supervisor.pid()
                                    + ": restarts a dead TaskManager or sidecar (log "
                                    + supervisor.log()
                                    + ")");
            out.println("  logs            " + cluster.logs());
            out.println(
                    "next: coedge cluster submit        (runs "
                            + JobArguments.JAR
                            + " with --config "
                            + catalogFile
                            + ")");
            out.println("      coedge cluster down          (stops these processes)");
            return 0;
        }
    }

    @Command(
            name = "submit",
            mixinStandardHelpOptions = true,
            description = {
                "Run the job jar's main class here to build the job graph, then upload both to the cluster's REST API,"
                        + " as `flink run` does; prints the job id.",
                "Arguments not listed here go to the job (see README: --dispatch, --batch, --checkpoint-ms,"
                        + " --delivery exactly-once|low-latency...);"
                        + " --config and --bootstrap default to the cluster's catalog and Kafka."
            })
    static final class Submit implements Callable<Integer> {
        @Mixin ClusterDir dir;

        @Option(
                names = "--jar",
                defaultValue = JobArguments.JAR,
                paramLabel = "JAR",
                description = "Job jar (default: ${DEFAULT-VALUE}).")
        Path jar;

        @Option(
                names = "--entry-class",
                defaultValue = JobArguments.ENTRY_CLASS,
                paramLabel = "CLASS",
                description = "Main class (default: ${DEFAULT-VALUE}).")
        String entryClass;

        @Option(
                names = "--rest",
                paramLabel = "URL",
                description = "REST address of another cluster (default: this one's).")
        String restUrl;

        @Option(
                names = "--no-wait",
                description = "Return once submitted; do not wait until every task runs.")
        boolean noWait;

        // Everything not listed here, in order: the job's own arguments (with or without a leading
        // --).
        @CommandLine.Unmatched List<String> jobArgs = new ArrayList<>();

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            List<String> args = new ArrayList<>(jobArgs);
            args.remove("--");
            int delivery = args.indexOf("--delivery");
            if (delivery >= 0) {
                String value = delivery + 1 < args.size() ? args.get(delivery + 1) : "";
                try {
                    io.coedge.jobs.CoEdgeJob.Delivery.parse(value);
                } catch (IllegalArgumentException e) {
                    err.println("coedge cluster submit: " + e.getMessage());
                    return 2;
                }
            }
            String rest = restUrl;
            if (rest == null || !args.contains(JobArguments.CONFIG)) {
                ClusterState state = dir.requireState();
                rest = rest == null ? state.restUrl() : rest;
                if (!args.contains(JobArguments.CONFIG) && state.catalog() != null) {
                    args.addAll(List.of(JobArguments.CONFIG, state.catalog()));
                }
                if (!args.contains(JobArguments.BOOTSTRAP) && state.kafkaBootstrap() != null) {
                    args.addAll(List.of(JobArguments.BOOTSTRAP, state.kafkaBootstrap()));
                }
            }
            Path jarFile = shipped(jar);
            String jobId;
            try (FlinkSession session = FlinkSession.connect(rest)) {
                jobId =
                        session.submit(
                                jarFile,
                                entryClass,
                                args,
                                m -> {
                                    err.println("coedge cluster submit: " + m);
                                    err.flush();
                                });
                if (!noWait) {
                    err.println(
                            "coedge cluster submit: job "
                                    + jobId
                                    + " submitted; waiting until every task runs...");
                    err.flush();
                    FlinkSession.JobStatus status =
                            session.awaitRunning(jobId, Duration.ofMinutes(3));
                    err.println(
                            "coedge cluster submit: "
                                    + status.name()
                                    + " RUNNING ("
                                    + status.vertices().size()
                                    + " operators); web UI "
                                    + rest
                                    + "/#/job/running/"
                                    + jobId
                                    + "/overview");
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(jobId);
            return 0;
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description =
                    "Show the cluster's processes, TaskManagers, slots and jobs. Exit code 1 when it is not (fully) up.")
    static final class Status implements Callable<Integer> {
        @Mixin ClusterDir dir;

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            var read = ClusterState.read(dir.resolve());
            if (read.isEmpty()) {
                out.println("no cluster is up (no " + ClusterState.file(dir.resolve()) + ")");
                return 1;
            }
            ClusterState state = read.get();
            int dead = 0;
            for (ClusterState.Proc p : state.processes()) {
                boolean alive = p.handle().isPresent();
                dead += alive ? 0 : 1;
                out.printf(
                        "  %-28s pid %-8d %-8s %s%s%n",
                        p.name(),
                        p.pid(),
                        alive ? "running" : "STOPPED",
                        p.log(),
                        p.restarts() == null ? "" : " (restarts: " + p.restarts() + ")");
            }
            try (FlinkSession rest = FlinkSession.connect(state.restUrl())) {
                if (!rest.isUp()) {
                    out.println("REST API " + state.restUrl() + " does not answer");
                    return 1;
                }
                FlinkSession.Overview overview = rest.overview();
                out.printf(
                        "Flink %s at %s: %d TaskManagers %s, slots %d (%d free)%n",
                        overview.flinkVersion(),
                        state.restUrl(),
                        overview.taskManagers(),
                        rest.taskManagers(),
                        overview.slotsTotal(),
                        overview.slotsAvailable());
                for (FlinkSession.JobStatus job : rest.jobs()) {
                    out.printf("  job %s %-10s %s%n", job.id(), job.state(), job.name());
                }
            }
            if (state.kafkaBootstrap() != null) {
                out.println("Kafka " + state.kafkaBootstrap());
            }
            return dead == 0 ? 0 : 1;
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description = "Cancel a job on the cluster.")
    static final class Cancel implements Callable<Integer> {
        @Mixin ClusterDir dir;

        @Parameters(
                paramLabel = "JOB_ID",
                description = "Job id, as `submit` or `status` printed it.")
        String jobId;

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (FlinkSession session = FlinkSession.connect(dir.requireState().restUrl())) {
                session.cancel(jobId);
            }
            spec.commandLine().getOut().println("cancelled " + jobId);
            return 0;
        }
    }

    @Command(
            name = "down",
            mixinStandardHelpOptions = true,
            description =
                    "Stop the processes `up` started (recorded in the state file), and nothing else.")
    static final class Down implements Callable<Integer> {
        @Mixin ClusterDir dir;

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path folder = dir.resolve();
            var read = ClusterState.read(folder);
            if (read.isEmpty()) {
                out.println("no cluster recorded in " + folder + "; nothing to stop");
                return 0;
            }
            int supervisors =
                    (int)
                            read.get().alive().stream()
                                    .filter(p -> p.role().equals(ProcessSupervisor.ROLE))
                                    .count();
            // The supervisor first, so that it restarts nothing meanwhile; then the state it
            // leaves.
            ProcessSupervisor.stopSupervisors(
                    folder,
                    Duration.ofSeconds(15),
                    m -> {
                        spec.commandLine().getErr().println("coedge cluster down: " + m);
                        spec.commandLine().getErr().flush();
                    });
            read = ClusterState.read(folder);
            if (read.isEmpty()) {
                out.println("no cluster recorded in " + folder + "; nothing to stop");
                return 0;
            }
            int alive = supervisors + read.get().alive().size();
            List<String> left =
                    read.get()
                            .tearDown(
                                    Duration.ofSeconds(15),
                                    m -> {
                                        spec.commandLine()
                                                .getErr()
                                                .println("coedge cluster down: " + m);
                                        spec.commandLine().getErr().flush();
                                    });
            if (!left.isEmpty()) {
                throw new IOException(
                        "could not remove all of the testbed (state kept in "
                                + ClusterState.file(folder)
                                + "; run `coedge cluster down` again): "
                                + String.join("; ", left));
            }
            Files.delete(ClusterState.file(folder));
            out.println(
                    "cluster down: stopped "
                            + alive
                            + " processes; logs stay in "
                            + folder.resolve("logs"));
            return 0;
        }
    }

    @Command(
            name = "exec",
            mixinStandardHelpOptions = true,
            description = {
                "Run a command on a node of the testbed (`up --testbed`): in its network namespace and CPU cgroup,"
                        + " with KAFKA_BOOTSTRAP set to the cluster's broker. `backbone` names Kafka's namespace.",
                "`coedge cluster exec edge-1 -- coedge produce ...` runs edge-1's cameras on their origin node: exec sets"
                        + " COEDGE_NODE=edge-1, so `produce` sends only the cameras of edge-1, to the partition the job reads there."
            })
    static final class Exec implements Callable<Integer> {
        @Mixin ClusterDir dir;

        @Parameters(index = "0", paramLabel = "NODE", description = "Node id, or backbone.")
        String node;

        @Parameters(
                index = "1..*",
                arity = "1..*",
                paramLabel = "COMMAND",
                description = "The command; `coedge ...` runs this coedge.")
        List<String> command;

        @Override
        public Integer call() throws Exception {
            ClusterState state = dir.requireState();
            requireTestbed(dir);
            List<String> argv = new ArrayList<>(Testbed.prefix(state.testbed(), node));
            if (command.get(0).equals("coedge")) {
                argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                argv.add("-cp");
                argv.add(System.getProperty("java.class.path"));
                argv.add(CoEdgeCli.class.getName());
                argv.addAll(command.subList(1, command.size()));
            } else {
                argv.addAll(command);
            }
            ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
            if (state.kafkaBootstrap() != null) {
                pb.environment().put("KAFKA_BOOTSTRAP", state.kafkaBootstrap());
            }
            if (!node.equals(io.coedge.deploy.testbed.TestbedState.BACKBONE)) {
                pb.environment().put("COEDGE_NODE", node);
            }
            return pb.start().waitFor();
        }
    }

    static TestbedState requireTestbed(ClusterDir dir) throws IOException {
        ClusterState state = dir.requireState();
        if (state.testbed() == null) {
            throw new IOException(
                    "the cluster is not a testbed; start one with `coedge cluster up --testbed`");
        }
        return state.testbed();
    }

    @Command(
            name = "link",
            mixinStandardHelpOptions = true,
            description =
                    "Change the testbed's link FROM -> TO while it runs (one direction): its bandwidth, and its latency"
                            + " where the kernel has netem.")
    static final class Link implements Callable<Integer> {
        @Mixin ClusterDir dir;

        @Parameters(index = "0", paramLabel = "FROM")
        String from;

        @Parameters(index = "1", paramLabel = "TO")
        String to;

        @Option(
                names = "--bandwidth",
                required = true,
                paramLabel = "MBPS",
                description = "Megabits per second.")
        double bandwidth;

        @Option(names = "--latency", paramLabel = "MS", description = "One-way latency, ms.")
        Double latency;

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Testbed.setLink(requireTestbed(dir), from, to, bandwidth, latency);
            spec.commandLine()
                    .getOut()
                    .println(
                            "link "
                                    + from
                                    + " -> "
                                    + to
                                    + ": "
                                    + bandwidth
                                    + " Mbit/s"
                                    + (latency == null ? "" : ", " + latency + " ms"));
            return 0;
        }
    }

    @Command(
            name = "node",
            mixinStandardHelpOptions = true,
            description =
                    "Change a testbed node's inference speed (its sidecar's CPU share, the catalog's"
                            + " cpuShare) while it runs.")
    static final class Node implements Callable<Integer> {
        @Mixin ClusterDir dir;

        @Parameters(index = "0", paramLabel = "NODE")
        String node;

        @Option(
                names = "--cpu",
                required = true,
                paramLabel = "CORES",
                description = "Cores, e.g. 0.25.")
        double cpu;

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Testbed.setCpu(requireTestbed(dir), node, cpu);
            spec.commandLine().getOut().println("node " + node + ": " + cpu + " cores");
            return 0;
        }
    }

    @Command(
            name = "supervise",
            mixinStandardHelpOptions = true,
            description = {
                "Keep the cluster's TaskManagers and sidecars running, as Kubernetes would: one that exits is started"
                        + " again after a back-off (1 s doubling to 30 s, reset after 60 s up), logged with its exit"
                        + " code or signal, its new PID recorded for `down`. Runs until `down`.",
                "`up` starts it in the background (logs/supervisor.log) unless --no-restart."
            })
    static final class Supervise implements Callable<Integer> {
        @Mixin ClusterDir dir;

        @Override
        public Integer call() throws Exception {
            ProcessSupervisor.run(dir.resolve(), ProcessSupervisor.Backoff.DEFAULT, System.out);
            return 0;
        }
    }

    /**
     * {@code cluster} alone, with errors as one line ({@code coedge cluster up: port 8081 ... is in
     * use}).
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new ClusterCommand());
        cli.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    commandLine
                            .getErr()
                            .println(
                                    "coedge cluster "
                                            + commandLine.getCommandName()
                                            + ": "
                                            + (e.getMessage() == null
                                                    ? e.getClass().getSimpleName()
                                                    : e.getMessage()));
                    return 1;
                });
        return cli;
    }

    /** Runs {@code cluster} outside the {@code coedge} command. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
