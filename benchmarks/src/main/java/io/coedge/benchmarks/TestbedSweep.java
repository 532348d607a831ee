package io.coedge.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.NodeSpec;
import io.coedge.catalog.TaskSpec;
import io.coedge.deploy.ClusterState;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.JobArguments;
import io.coedge.deploy.testbed.Testbed;
import io.coedge.deploy.testbed.TestbedState;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.format.NodeStatusCodec;
import io.coedge.format.ResultCodec;
import io.coedge.kafka.results.ResultsTable;
import io.coedge.operators.dispatch.TopologyBuilder;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.sim.Scenario;
import io.coedge.scheduler.sim.Simulator;
import io.coedge.stats.Latencies;
import io.coedge.topics.TopicsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * {@code coedge bench policies --testbed --sweep ...}: the policy pairs on the real pipeline on the
 * testbed ({@code cluster up --testbed}: a network namespace per node with its TaskManager and
 * sidecar, tbf-shaped links between the nodes, each node's CPU share as a cgroup quota), at every
 * point of a sweep of the link bandwidth or of the cameras' load, each pair beside the engine's
 * prediction for the same catalog at that point with the node profiles the run measured.
 *
 * <p>The testbed comes up once. At each point the bench writes the point's catalog (every link at
 * the swept bandwidth, or every task's fps scaled), sets every link ({@link Testbed#setLink}), and
 * for each pair: a {@link TestbedProbe} in the backbone namespace (where Kafka is) creates the
 * run's topics; the job is submitted to the testbed's JobManager with that catalog; once every node
 * reports healthy, one {@code coedge produce} per origin node runs in the node's namespace
 * ($COEDGE_NODE: its frames go to the partition read on that node), outside the node's CPU cgroup
 * (the cameras are devices of their own, not the edge node's CPU); then the probe counts the frames
 * and reads back the results, and the job is cancelled. A frame with no result counts as missed.
 */
public final class TestbedSweep {

    /** A sweep: the dimension ({@code bandwidth} in Mbit/s or {@code load}, a factor on fps). */
    public record Sweep(String dimension, List<Double> values) {
        public static final String BANDWIDTH = "bandwidth";
        public static final String LOAD = "load";

        public Sweep {
            values = List.copyOf(values);
        }

        /** {@code bandwidth=1000,100,20} or {@code load=0.5,1,1.5}. */
        public static Sweep parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(
                        "--sweep must be bandwidth=MBPS,... or load=FACTOR,..., was '"
                                + spec
                                + "'");
            }
            String dim = spec.substring(0, eq).trim();
            if (!dim.equals(BANDWIDTH) && !dim.equals(LOAD)) {
                throw new IllegalArgumentException(
                        "--sweep sweeps bandwidth or load, not '" + dim + "'");
            }
            List<Double> values = new ArrayList<>();
            for (String v : spec.substring(eq + 1).split(",")) {
                double d;
                try {
                    d = Double.parseDouble(v.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "--sweep " + dim + ": '" + v.trim() + "' is not a number");
                }
                if (!(d > 0) || Double.isInfinite(d)) {
                    throw new IllegalArgumentException(
                            "--sweep " + dim + ": values must be positive, was " + v.trim());
                }
                values.add(d);
            }
            if (values.isEmpty()) {
                throw new IllegalArgumentException("--sweep " + dim + ": no values");
            }
            return new Sweep(dim, values);
        }

        public String unit() {
            return dimension.equals(BANDWIDTH) ? "Mbit/s" : "x fps";
        }
    }

    /**
     * One pair at one point: the run, and its accounting (frames without a result, frames with more
     * than one: both 0 when every frame got exactly one result); {@code round} counts the runs of
     * the same pair at the same point (1 unless {@code --repeat}). The run's DMR counts the frames
     * captured after the run's settling time ({@code counted} of them, and every frame without a
     * result); {@code allFrames} is the DMR of every frame of the run, and {@code windows} the
     * run's frames and misses by {@link #WINDOW_MS} of capture time, from its first frame.
     */
    public record Point(
            String dimension,
            double value,
            PipelineBench.PolicyRun run,
            long lost,
            long duplicates,
            int round,
            long counted,
            double allFrames,
            List<Window> windows) {
        public Point {
            windows = List.copyOf(windows);
        }

        public Point(
                String dimension,
                double value,
                PipelineBench.PolicyRun run,
                long lost,
                long duplicates) {
            this(dimension, value, run, lost, duplicates, 1, run.sent(), run.missRate(), List.of());
        }

        Point inRound(int r) {
            return new Point(
                    dimension, value, run, lost, duplicates, r, counted, allFrames, windows);
        }

        /** The pair, as the tables name it. */
        public String pair() {
            return run.dispatch() + " / " + run.batch();
        }

        /** The point and the pair: one key for every run of a pair at a point. */
        String pointAndPair() {
            return format(value) + "\u0000" + pair();
        }
    }

    /**
     * The frames captured in one window of a run ({@code startMs} after its first frame), how many
     * of them missed, and whether the run's DMR counts them (captured after its settling time).
     */
    public record Window(long startMs, long frames, long missed, boolean counted) {
        public double dmr() {
            return frames == 0 ? 0 : (double) missed / frames;
        }
    }

    /**
     * A run that a TaskManager or sidecar dying disturbed ({@code attempt} of the pair at the
     * point): which process and what became of it ({@code reason}), and what the run gave ({@code
     * outcome}: its DMR, or why it failed). It is not among the sweep's points: the pair runs again
     * once the cluster is whole.
     */
    public record Disturbed(
            String dimension,
            double value,
            String pair,
            int attempt,
            String reason,
            String outcome) {}

    /** How often a pair runs at a point before a disturbed sweep gives up. */
    static final int MAX_ATTEMPTS = 3;

    /** The length of a run's {@link Window}s. */
    static final long WINDOW_MS = 5_000;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Path work;
    private final Path jobJar;
    private final Consumer<String> progress;
    private final TestbedJobs jobs;
    private int runs;

    /** Whether the run under way is the warm-up (its progress lines say so; it is no point). */
    private boolean warming;

    /**
     * @param cliMain the CLI's main class, run in the nodes' namespaces as {@code coedge produce}
     */
    public TestbedSweep(
            Path work, Path models, Path jobJar, String cliMain, Consumer<String> progress) {
        this.work = work;
        this.jobJar = jobJar;
        this.progress = progress;
        this.jobs = new TestbedJobs(models, cliMain, progress);
    }

    /**
     * Runs the sweep; {@code each} sees every point's run as it ends. Each reported run's cameras
     * run {@code settle} longer than {@code duration}, and its DMR counts the frames captured after
     * the first {@code settle} (see {@link #tally}). The testbed is removed on every path (an
     * exception, Ctrl-C).
     */
    public List<Point> run(
            Path catalogFile,
            Sweep sweep,
            List<String[]> pairs,
            Duration duration,
            Duration warmUp,
            Duration settle,
            int repeat,
            Consumer<Point> each,
            Consumer<Disturbed> disturbed)
            throws Exception {
        if (settle.isNegative()) {
            throw new IllegalArgumentException("--settle must be at least 0s, was " + settle);
        }
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be at least 1, was " + repeat);
        }
        Testbed.checkPrivileges();
        if (!Files.isRegularFile(jobJar)) {
            throw new IOException("no job jar at " + jobJar + " (mvn -pl jobs -am package)");
        }
        String base = Files.readString(catalogFile);
        Catalog catalog = new CatalogText(catalogFile.toString(), base).parse();
        List<String> nodes = catalog.nodes().stream().map(NodeSpec::id).toList();
        Path dir = Files.createDirectories(work.resolve("testbed-sweep"));
        return jobs.onTestbed(
                catalog,
                catalogFile,
                dir,
                "coedge-testbed-sweep-stop",
                (c, testbed) ->
                        points(
                                testbed,
                                c.state().kafkaBootstrap(),
                                c.session(),
                                dir,
                                base,
                                nodes,
                                each,
                                disturbed,
                                sweep,
                                pairs,
                                duration,
                                warmUp,
                                settle,
                                repeat));
    }

    /**
     * The pairs in the order of the {@code k}-th round of a sweep (counting rounds over every
     * point): rotated by {@code k}, so that over as many rounds as there are pairs each pair runs
     * once in every position. A pair that always ran first paid for the testbed's first minutes
     * (fresh TaskManagers, sidecars and Kafka): on the testbed the runs of those minutes missed
     * several times more than later ones, whichever pair ran (docs/PERFORMANCE.md).
     */
    static List<String[]> order(List<String[]> pairs, int k) {
        List<String[]> out = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            out.add(pairs.get((i + k) % pairs.size()));
        }
        return out;
    }

    /** Each point of the sweep on the testbed that is up, the warm-up before the first. */
    private List<Point> points(
            TestbedState testbed,
            String kafka,
            FlinkSession rest,
            Path dir,
            String base,
            List<String> nodes,
            Consumer<Point> each,
            Consumer<Disturbed> disturbed,
            Sweep sweep,
            List<String[]> pairs,
            Duration duration,
            Duration warmUp,
            Duration settle,
            int repeat)
            throws Exception {
        List<Point> out = new ArrayList<>();
        boolean warmed = warmUp.isZero() || pairs.isEmpty();
        int rounds = 0;
        for (double value : sweep.values()) {
            String label = format(value) + " " + sweep.unit();
            Path point =
                    dir.resolve("catalog-" + sweep.dimension() + "-" + format(value) + ".yaml");
            Files.writeString(point, pointCatalog(base, sweep.dimension(), value));
            Catalog pointCatalog = CatalogText.read(point).parse();
            if (sweep.dimension().equals(Sweep.BANDWIDTH)) {
                for (String a : nodes) {
                    for (String b : nodes) {
                        if (!a.equals(b)) {
                            Testbed.setLink(testbed, a, b, value, null);
                        }
                    }
                }
            }
            progress.accept(
                    "point "
                            + sweep.dimension()
                            + " = "
                            + label
                            + (sweep.dimension().equals(Sweep.BANDWIDTH)
                                    ? ": every link shaped to " + label
                                    : ": every camera at " + format(value) + "x its fps"));
            PairRun at =
                    (pair, length) ->
                            untilUndisturbed(
                                    TestbedJobs.clusterDir(dir),
                                    rest,
                                    sweep,
                                    value,
                                    pair,
                                    disturbed,
                                    () ->
                                            runPair(
                                                    testbed,
                                                    kafka,
                                                    rest,
                                                    point,
                                                    pointCatalog,
                                                    nodes,
                                                    pair,
                                                    length,
                                                    settle,
                                                    sweep,
                                                    value));
            for (int r = 1; r <= repeat; r++) {
                List<String[]> order = order(pairs, rounds++);
                if (!warmed) {
                    warmed = true;
                    progress.accept(PipelineBench.warmUpLine(order.get(0), warmUp));
                    warming = true;
                    try {
                        at.run(order.get(0), warmUp);
                    } finally {
                        warming = false;
                    }
                }
                for (String[] pair : order) {
                    Point p = at.run(pair, duration).inRound(r);
                    out.add(p);
                    each.accept(p);
                }
            }
        }
        return out;
    }

    /** One pair's run at the point, for {@code length}. */
    private interface PairRun {
        Point run(String[] pair, Duration length) throws Exception;
    }

    /** One run of a pair. */
    interface Attempt {
        Point run() throws Exception;
    }

    /**
     * Runs {@code attempt} until no TaskManager or sidecar of the cluster in {@code clusterDir}
     * died during it, at most {@link #MAX_ATTEMPTS} times: a disturbed run is handed to {@code
     * disturbed} (not a point of the sweep: its DMR is the restart's, not the pair's), and the pair
     * runs again once the supervisor has restarted what died and every TaskManager is registered. A
     * run that fails while the cluster stayed whole fails the sweep, as before.
     */
    Point untilUndisturbed(
            Path clusterDir,
            FlinkSession rest,
            Sweep sweep,
            double value,
            String[] pair,
            Consumer<Disturbed> disturbed,
            Attempt attempt)
            throws Exception {
        String name = pair[0] + " / " + pair[1];
        List<String> reasons = new ArrayList<>();
        for (int n = 1; ; n++) {
            Map<String, ClusterState.Proc> before = supervised(clusterDir);
            Point p = null;
            Exception failure = null;
            try {
                p = attempt.run();
            } catch (Exception e) {
                failure = e;
            }
            String reason = disturbance(before, supervised(clusterDir));
            if (reason == null) {
                if (failure != null) {
                    throw failure;
                }
                return p;
            }
            String outcome =
                    p != null
                            ? String.format(
                                    Locale.ROOT,
                                    "DMR %.2f%% of %d frames, %d results (%d lost, %d duplicated)",
                                    p.run().missRate() * 100,
                                    p.counted(),
                                    p.run().results(),
                                    p.lost(),
                                    p.duplicates())
                            : "failed: " + failure.getMessage();
            disturbed.accept(new Disturbed(sweep.dimension(), value, name, n, reason, outcome));
            reasons.add(reason);
            if (n >= MAX_ATTEMPTS) {
                throw new IOException(
                        name
                                + " at "
                                + sweep.dimension()
                                + " "
                                + format(value)
                                + " was disturbed in each of its "
                                + n
                                + " runs: "
                                + String.join("; ", reasons),
                        failure);
            }
            progress.accept(
                    String.format(
                            Locale.ROOT,
                            "%s at %s %s: run %d disturbed (%s; %s); waiting for the cluster to be"
                                    + " whole, then running the pair again",
                            name,
                            sweep.dimension(),
                            format(value),
                            n,
                            reason,
                            outcome));
            awaitWhole(clusterDir, rest, Duration.ofMinutes(3));
        }
    }

    /** The TaskManagers and sidecars of the cluster's state file, by role and node. */
    static Map<String, ClusterState.Proc> supervised(Path clusterDir) throws IOException {
        Map<String, ClusterState.Proc> out = new TreeMap<>();
        for (ClusterState.Proc p :
                ClusterState.read(clusterDir).map(ClusterState::processes).orElse(List.of())) {
            if (p.role().equals("taskmanager") || p.role().equals("sidecar")) {
                out.put(p.role() + " " + p.node(), p);
            }
        }
        return out;
    }

    /**
     * What died between {@code before} and {@code after} (the supervised processes by role and
     * node, {@link #supervised}): a process whose PID changed (the supervisor restarted it) or that
     * is not running now; null when every one still runs as before.
     */
    static String disturbance(
            Map<String, ClusterState.Proc> before, Map<String, ClusterState.Proc> after) {
        List<String> gone = new ArrayList<>();
        for (Map.Entry<String, ClusterState.Proc> e : before.entrySet()) {
            ClusterState.Proc was = e.getValue();
            ClusterState.Proc now = after.get(e.getKey());
            if (now == null) {
                gone.add(was.name() + " (pid " + was.pid() + ") is no longer in the cluster");
            } else if (now.pid() != was.pid()) {
                gone.add(
                        was.name()
                                + " (pid "
                                + was.pid()
                                + ") died and was restarted as "
                                + now.name()
                                + " (pid "
                                + now.pid()
                                + ")");
            } else if (now.handle().isEmpty()) {
                gone.add(was.name() + " (pid " + was.pid() + ") died");
            }
        }
        return gone.isEmpty() ? null : String.join(", ", gone);
    }

    /**
     * Waits until every supervised process of the cluster runs and every TaskManager is registered
     * at the JobManager (the next run's probe then waits for every node's sidecar to be ready).
     */
    private void awaitWhole(Path clusterDir, FlinkSession rest, Duration timeout)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        String missing = "";
        while (System.nanoTime() < end) {
            List<String> registered;
            try {
                registered = rest.taskManagers();
            } catch (IOException e) {
                registered = List.of();
            }
            List<String> waiting = new ArrayList<>();
            for (ClusterState.Proc p : supervised(clusterDir).values()) {
                if (p.handle().isEmpty()) {
                    waiting.add(p.name() + " not running");
                } else if (p.role().equals("taskmanager")
                        && !registered.contains(p.name().substring("taskmanager-".length()))) {
                    waiting.add(p.name() + " not registered");
                }
            }
            if (waiting.isEmpty()) {
                progress.accept("the cluster is whole again");
                return;
            }
            missing = String.join(", ", waiting);
            Thread.sleep(500);
        }
        throw new IOException(
                "the cluster was not whole again within " + timeout.toSeconds() + " s: " + missing);
    }

    private Point runPair(
            TestbedState testbed,
            String kafka,
            FlinkSession rest,
            Path catalogFile,
            Catalog catalog,
            List<String> nodes,
            String[] pair,
            Duration duration,
            Duration settle,
            Sweep sweep,
            double value)
            throws Exception {
        int run = ++runs;
        String name = (warming ? "warm-up run " : "run ") + run;
        Path logs = work.resolve("testbed-sweep").resolve("logs");
        String dispatch = pair[0];
        String batch = pair[1];
        TopicsConfig topics = TopicsConfig.prefixed("sweep" + run, nodes.size());
        long maxDeadline =
                catalog.tasks().stream().mapToLong(TaskSpec::deadlineMs).max().orElse(1000);
        progress.accept(
                String.format(
                        Locale.ROOT,
                        "%s (%s %s): %s dispatch, %s batching, %d s%s",
                        name,
                        sweep.dimension(),
                        format(value),
                        dispatch,
                        batch,
                        duration.toSeconds(),
                        settle.isZero() ? "" : " after " + settle.toSeconds() + " s of settling"));
        TestbedJobs.Probe probe =
                jobs.startProbe(
                        testbed,
                        TestbedProbe.class,
                        kafka,
                        "sweep" + run,
                        nodes,
                        maxDeadline,
                        logs.resolve("probe-" + run + ".log"));
        String jobId =
                rest.submit(
                        jobJar,
                        JobArguments.ENTRY_CLASS,
                        TestbedJobs.jobArgs(
                                catalogFile.toString(),
                                kafka,
                                dispatch,
                                batch,
                                topics,
                                "coedge-sweep-" + run),
                        m -> {});
        List<FrameResult> results = new ArrayList<>();
        Map<String, NodeStatus> statuses = new TreeMap<>();
        long sent;
        try {
            rest.awaitRunning(jobId, Duration.ofMinutes(2));
            probe.expect("healthy");
            List<Process> producers =
                    jobs.startCameras(
                            testbed,
                            catalog,
                            catalogFile.toString(),
                            duration.plus(settle),
                            run,
                            kafka,
                            topics,
                            null,
                            origin -> logs.resolve("produce-" + run + "-" + origin + ".log"));
            progress.accept(
                    String.format(
                            Locale.ROOT,
                            "%s: every node healthy; cameras on %d origin nodes for %d s",
                            name,
                            producers.size(),
                            duration.plus(settle).toSeconds()));
            TestbedJobs.awaitCameras(producers, duration.plus(settle).toSeconds() + 180, logs);
            probe.done();
            String line;
            long sentCount = -1;
            while ((line = probe.out().readLine()) != null && !line.equals("end")) {
                if (line.startsWith("sent ")) {
                    sentCount = Long.parseLong(line.substring(5).trim());
                } else if (line.startsWith("result ")) {
                    results.add(
                            ResultCodec.fromJson(
                                    line.substring(7).getBytes(StandardCharsets.UTF_8)));
                } else if (line.startsWith("status ")) {
                    NodeStatus s =
                            NodeStatusCodec.fromJson(
                                    line.substring(7).getBytes(StandardCharsets.UTF_8));
                    statuses.put(s.node(), s);
                }
            }
            if (line == null || sentCount < 0) {
                throw new IOException(
                        "the Kafka probe in the backbone ended early (exit "
                                + probe.process().waitFor()
                                + "; see "
                                + logs
                                + ")");
            }
            sent = sentCount;
        } finally {
            jobs.stop(probe);
            jobs.cancel(rest, jobId);
        }
        writeStatuses(logs.resolve("statuses-" + run + ".jsonl"), statuses, progress);
        writeFrames(logs.resolve("frames-" + run + ".csv"), results, progress);
        Point p =
                tally(
                        sweep, value, dispatch, batch, catalog, sent, results, statuses, duration,
                        settle);
        PipelineBench.PolicyRun r = p.run();
        progress.accept(
                String.format(
                        Locale.ROOT,
                        "%s (%s %s): %s/%s DMR %.2f%% of %d frames (prediction %.2f%%; every"
                                + " frame %.2f%%, by %d s of capture %s), p50 %d ms, p99 %d ms,"
                                + " %d results for %d frames (%d lost, %d duplicated), where: %s",
                        name,
                        sweep.dimension(),
                        format(value),
                        dispatch,
                        batch,
                        r.missRate() * 100,
                        p.counted(),
                        r.simMissRate() * 100,
                        p.allFrames() * 100,
                        WINDOW_MS / 1000,
                        p.windows().stream()
                                .map(
                                        w ->
                                                String.format(
                                                                Locale.ROOT,
                                                                "%s%.1f",
                                                                w.counted() ? "" : "(",
                                                                w.dmr() * 100)
                                                        + (w.counted() ? "" : ")"))
                                .collect(java.util.stream.Collectors.joining(" ")),
                        r.p50Ms(),
                        r.p99Ms(),
                        r.results(),
                        r.sent(),
                        p.lost(),
                        p.duplicates(),
                        r.nodeOfTask()));
        progress.accept(String.format(Locale.ROOT, "%s: %s", name, frameSizes(catalog, statuses)));
        return p;
    }

    /**
     * Every result of a run, one line per result in arrival order (a duplicate shows as a second
     * line): where and when each frame ran and why it missed, for reading a run's misses by task,
     * node, reason and time after the fact. Times are milliseconds since the run's first capture.
     */
    static void writeFrames(Path file, List<FrameResult> results, Consumer<String> progress) {
        long first = results.stream().mapToLong(FrameResult::captureTs).min().orElse(0);
        StringBuilder out =
                new StringBuilder(
                        "frame,task,origin,node,batch,status,reason,deadline_met,capture_ms,"
                                + "dispatch_ms,start_ms,end_ms,emit_ms,latency_ms,deadline_ms\n");
        for (FrameResult r : results) {
            out.append(csvField(r.frameId()))
                    .append(',')
                    .append(csvField(r.task()))
                    .append(',')
                    .append(csvField(r.origin()))
                    .append(',')
                    .append(csvField(r.node()))
                    .append(',')
                    .append(r.batchSize())
                    .append(',')
                    .append(r.status())
                    .append(',')
                    .append(csvField(r.reason()))
                    .append(',')
                    .append(r.deadlineMet())
                    .append(',')
                    .append(r.captureTs() - first)
                    .append(',')
                    .append(since(r.dispatchTs(), first))
                    .append(',')
                    .append(since(r.inferenceStartTs(), first))
                    .append(',')
                    .append(since(r.inferenceEndTs(), first))
                    .append(',')
                    .append(r.emitTs() - first)
                    .append(',')
                    .append(r.latencyMs())
                    .append(',')
                    .append(r.deadlineMs())
                    .append('\n');
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, out);
        } catch (IOException e) {
            progress.accept("could not keep the run's results in " + file + ": " + e.getMessage());
        }
    }

    /** A time since {@code first}, or empty when the result has none. */
    private static String since(Long ts, long first) {
        return ts == null || ts <= 0 ? "" : Long.toString(ts - first);
    }

    private static String csvField(String v) {
        if (v == null) {
            return "";
        }
        return v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0
                ? v
                : '"' + v.replace("\"", "\"\"") + '"';
    }

    /**
     * The nodes' last statuses of a run, one JSON line each (the node-profiles topic's format):
     * what the run's prediction was computed from, kept beside the run's logs so that it can be
     * traced.
     */
    static void writeStatuses(
            Path file, Map<String, NodeStatus> statuses, Consumer<String> progress) {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(statuses)
                .values()
                .forEach(
                        s ->
                                out.append(
                                                new String(
                                                        NodeStatusCodec.toJson(s),
                                                        StandardCharsets.UTF_8))
                                        .append('\n'));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, out);
        } catch (IOException e) {
            progress.accept("could not keep the run's statuses in " + file + ": " + e.getMessage());
        }
    }

    /**
     * Each task's frame size as the dispatcher last planned it (what the nodes measured, else the
     * catalog's {@code inputBytes}), beside the catalog's.
     */
    static String frameSizes(Catalog catalog, Map<String, NodeStatus> statuses) {
        StringBuilder out = new StringBuilder("frame sizes measured (catalog):");
        for (var t : catalog.tasks()) {
            long bytes = TopologyBuilder.frameBytes(t.id(), -1, statuses);
            out.append(
                    String.format(
                            Locale.ROOT,
                            " %s %s (%.1f KB)",
                            t.id(),
                            bytes < 0 ? "-" : String.format(Locale.ROOT, "%.1f KB", bytes / 1000.0),
                            t.inputBytes() / 1000.0));
        }
        return out.toString();
    }

    /**
     * The run's figures from its frames count, its results and the nodes' last statuses. DMR counts
     * the frames captured from {@code settle} after the run's first frame on (each job starts with
     * its code compiled afresh, and the cameras' and probe's JVMs start on the same cores: the
     * first seconds measure start-up, not the policy), and every frame without a result (which has
     * no capture time to place it) as missed; the DMR of every frame, and every frame's window, are
     * kept beside it. Beside it the engine's prediction: the simulator on the point's catalog (its
     * links, the nodes' own measured profiles, which already run at their CPU share: no
     * shared-cores host model), each counted frame's capture-to-dispatcher time from this run.
     */
    static Point tally(
            Sweep sweep,
            double value,
            String dispatch,
            String batch,
            Catalog catalog,
            long sent,
            List<FrameResult> results,
            Map<String, NodeStatus> statuses,
            Duration duration,
            Duration settle) {
        ResultsTable table = new ResultsTable();
        Map<String, Integer> perFrame = new HashMap<>();
        Latencies overheads = new Latencies();
        List<Long> ingestMicros = new ArrayList<>();
        Map<String, Long> reasons = new TreeMap<>();
        Map<String, Long> missesByTask = new TreeMap<>();
        Map<String, Map<String, Long>> nodesOfTask = new TreeMap<>();
        long first = results.stream().mapToLong(FrameResult::captureTs).min().orElse(0);
        long from = first + settle.toMillis();
        TreeMap<Long, long[]> windows = new TreeMap<>();
        long ok = 0;
        long okAll = 0;
        long counted = 0;
        for (FrameResult r : results) {
            if (perFrame.merge(r.frameId(), 1, Integer::sum) > 1) {
                continue; // counted once; reported as a duplicate
            }
            boolean hit = r.status() == FrameResult.Status.OK;
            long[] w =
                    windows.computeIfAbsent(
                            (r.captureTs() - first) / WINDOW_MS * WINDOW_MS, k -> new long[2]);
            w[0]++;
            w[1] += hit ? 0 : 1;
            okAll += hit ? 1 : 0;
            if (r.captureTs() < from) {
                continue; // settling: in the windows and the DMR of every frame only
            }
            counted++;
            table.add(r);
            if (hit) {
                ok++;
                if (r.dispatchTs() != null && r.inferenceEndTs() != null) {
                    overheads.record(
                            (r.dispatchTs() - r.captureTs()) + (r.emitTs() - r.inferenceEndTs()));
                }
            } else {
                String why = r.reason() == null ? r.status().name() : r.reason().split(":", 2)[0];
                reasons.merge(why, 1L, Long::sum);
                missesByTask.merge(r.task(), 1L, Long::sum);
            }
            if (r.dispatchTs() != null) {
                ingestMicros.add(Math.max(0, r.dispatchTs() - r.captureTs()) * 1000);
            }
            nodesOfTask
                    .computeIfAbsent(r.task(), t -> new TreeMap<>())
                    .merge(r.node() == null ? "-" : r.node(), 1L, Long::sum);
        }
        long distinct = perFrame.size();
        long duplicates = results.size() - distinct;
        long lost = Math.max(0, sent - distinct);
        if (lost > 0) {
            reasons.merge("NO_RESULT", lost, Long::sum);
        }
        counted += lost;
        List<Window> series = new ArrayList<>();
        windows.forEach(
                (start, w) -> series.add(new Window(start, w[0], w[1], first + start >= from)));
        double sim = Double.NaN;
        if (!statuses.isEmpty()) {
            ingestMicros.sort(Long::compare);
            Scenario scenario =
                    PipelineBench.benchScenario(
                            catalog,
                            statuses,
                            duration,
                            ingestMicros,
                            new PipelineBench.Calibration(Map.of(), 1.1),
                            List.of());
            sim =
                    new Simulator(
                                    scenario,
                                    DispatchPolicies.byName(dispatch),
                                    Scenario.BatchSettings.defaults().policy(batch))
                            .run()
                            .dmr();
        }
        List<ResultsTable.Row> rows = table.rows();
        ResultsTable.Row all = rows.isEmpty() ? null : rows.get(rows.size() - 1);
        Map<String, String> placement = new LinkedHashMap<>();
        nodesOfTask.forEach(
                (task, counts) -> {
                    StringBuilder sb = new StringBuilder();
                    counts.forEach(
                            (node, n) ->
                                    sb.append(sb.length() == 0 ? "" : " ")
                                            .append(node)
                                            .append('=')
                                            .append(n));
                    placement.put(task, sb.toString());
                });
        PipelineBench.PolicyRun run =
                new PipelineBench.PolicyRun(
                        dispatch,
                        batch,
                        sent,
                        distinct,
                        counted == 0 ? 0 : (double) (counted - Math.min(ok, counted)) / counted,
                        all == null ? 0 : all.p50Ms(),
                        all == null ? 0 : all.p99Ms(),
                        all == null ? 0 : all.meanBatch(),
                        sim,
                        overheads.count() == 0 ? -1 : overheads.percentile(0.5),
                        placement,
                        reasons,
                        missesByTask);
        return new Point(
                sweep.dimension(),
                value,
                run,
                lost,
                duplicates,
                1,
                counted,
                sent == 0 ? 0 : (double) (sent - Math.min(okAll, sent)) / sent,
                series);
    }

    /**
     * The catalog at a point: for {@code bandwidth} every node pair's link at {@code value} Mbit/s
     * (the catalog's {@code links} replaced by {@code network}, its latency kept), for {@code load}
     * every task's fps times {@code value}.
     */
    public static String pointCatalog(String yaml, String dimension, double value)
            throws IOException {
        JsonNode root = YAML.readTree(yaml);
        if (!(root instanceof ObjectNode catalog)) {
            throw new IOException("the catalog is not a YAML mapping");
        }
        if (dimension.equals(Sweep.BANDWIDTH)) {
            double latency = 0;
            JsonNode network = catalog.get("network");
            if (network != null && network.has("latencyMs")) {
                latency = network.get("latencyMs").asDouble();
            }
            ObjectNode net = catalog.putObject("network");
            net.put("bandwidthMbps", value);
            net.put("latencyMs", latency);
            catalog.remove("links");
        } else {
            JsonNode tasks = catalog.get("tasks");
            if (tasks instanceof ArrayNode list) {
                for (JsonNode t : list) {
                    if (t instanceof ObjectNode task && task.has("fps")) {
                        task.put("fps", task.get("fps").asDouble() * value);
                    }
                }
            }
        }
        return YAML.writeValueAsString(catalog);
    }

    /** CFS period for the nodes' quotas during a sweep. */
    static final long PERIOD_US = 10_000;

    /**
     * Makes each node's CPU share a steady one for the length of the sweep: the same share over a
     * 10 ms CFS period instead of the testbed's 100 ms. Over 100 ms a node of 0.4 cores runs a 30
     * ms inference at full speed when its quota is left and waits up to 60 ms when not: its
     * sidecar's median call looks like a full core's while it serves only 0.4 of one, and a
     * dispatcher that plans from the measured latency overloads it (a first sweep of this bench:
     * coedge/coedge missed 80% on node1 while its prediction said 6%). Over 10 ms every call is
     * stretched about evenly, which is what a slower node is.
     *
     * <p>The CPU weights stay as the testbed set them: each accelerator at the highest, so that it
     * gets its share before anything else on this machine wants it (the quota still caps it), and
     * its TaskManager's host group at a quarter of that ({@code Testbed.makeCgroup}, {@code
     * makeHostCgroup}). Until {@code 57e1266} this method raised the host groups to the highest
     * weight too, and a sidecar then waited in the run queue 2.3-2.5 times as long as it ran while
     * its quota throttled it for 0.02-0.09 s a second: its node ran at what three TaskManagers,
     * Kafka and the cameras left of two cores, not at its share (docs/PERFORMANCE.md, thirteenth
     * session).
     */
    static void evenQuotas(TestbedState testbed, Consumer<String> progress) throws IOException {
        for (String cgroup : testbed.cgroups()) {
            Path dir = Path.of(cgroup);
            if (Files.exists(dir.resolve("cpu.cfs_quota_us"))) {
                long period =
                        Long.parseLong(Files.readString(dir.resolve("cpu.cfs_period_us")).trim());
                long quota =
                        Long.parseLong(Files.readString(dir.resolve("cpu.cfs_quota_us")).trim());
                if (quota > 0) {
                    long scaled = Math.max(1000, Math.round((double) quota * PERIOD_US / period));
                    // A smaller period first would briefly allow more than one period's quota.
                    Files.writeString(dir.resolve("cpu.cfs_quota_us"), Long.toString(scaled));
                    Files.writeString(dir.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
                }
            } else if (Files.exists(dir.resolve("cpu.max"))) {
                String[] max = Files.readString(dir.resolve("cpu.max")).trim().split("\\s+");
                if (!max[0].equals("max")) {
                    long scaled =
                            Math.max(
                                    1000,
                                    Math.round(
                                            Double.parseDouble(max[0])
                                                    * PERIOD_US
                                                    / Double.parseDouble(max[1])));
                    Files.writeString(dir.resolve("cpu.max"), scaled + " " + PERIOD_US);
                }
            }
        }
        progress.accept(
                "testbed: the nodes' CPU quotas over a "
                        + PERIOD_US / 1000
                        + " ms period (accelerators at the highest CPU weight, TaskManagers at a"
                        + " quarter of it)");
    }

    public static String format(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** The points as CSV, one line per pair and point. */
    public static String csv(List<Point> points) {
        StringBuilder sb =
                new StringBuilder(
                        "dimension,value,dispatch,batch,frames,results,lost,duplicates,dmr_pipeline,dmr_prediction,p50_ms,p99_ms,mean_batch,round,frames_counted,dmr_every_frame\n");
        for (Point p : points) {
            PipelineBench.PolicyRun r = p.run();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%s,%s,%s,%s,%d,%d,%d,%d,%.4f,%.4f,%d,%d,%.2f,%d,%d,%.4f%n",
                            p.dimension(),
                            format(p.value()),
                            r.dispatch(),
                            r.batch(),
                            r.sent(),
                            r.results(),
                            p.lost(),
                            p.duplicates(),
                            r.missRate(),
                            r.simMissRate(),
                            r.p50Ms(),
                            r.p99Ms(),
                            r.meanBatch(),
                            p.round(),
                            p.counted(),
                            p.allFrames()));
        }
        return sb.toString();
    }

    /**
     * Each run's {@link Window}s as CSV: when in the run (seconds from its first frame) its frames
     * missed, and whether its DMR counts the window.
     */
    public static String windowsCsv(List<Point> points) {
        StringBuilder sb =
                new StringBuilder(
                        "dimension,value,dispatch,batch,round,from_s,frames,missed,dmr,counted\n");
        for (Point p : points) {
            for (Window w : p.windows()) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "%s,%s,%s,%s,%d,%d,%d,%d,%.4f,%b%n",
                                p.dimension(),
                                format(p.value()),
                                p.run().dispatch(),
                                p.run().batch(),
                                p.round(),
                                w.startMs() / 1000,
                                w.frames(),
                                w.missed(),
                                w.dmr(),
                                w.counted()));
            }
        }
        return sb.toString();
    }

    /**
     * The points as a Markdown table (pipeline / prediction DMR per pair and point, a repeated
     * run's point marked with its round), and, when a pair ran more than once at a point, a second
     * table of each pair's mean at each point ({@link #means}).
     */
    /**
     * The runs that a process dying disturbed, one row each, after the sweep's table: empty when
     * none was.
     */
    public static String disturbedMarkdown(List<Disturbed> disturbed) {
        if (disturbed.isEmpty()) {
            return "";
        }
        StringBuilder sb =
                new StringBuilder(
                        "\nRuns disturbed by a process dying, not in the table: the pair ran again"
                                + " once the cluster was whole.\n\n"
                                + "| point | dispatch / batching | run | what died | what the run gave |\n"
                                + "|---|---|---|---|---|\n");
        for (Disturbed d : disturbed) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s %s | %s | %d | %s | %s |%n",
                            d.dimension(),
                            format(d.value()),
                            d.pair(),
                            d.attempt(),
                            d.reason(),
                            d.outcome()));
        }
        return sb.toString();
    }

    public static String markdown(List<Point> points) {
        StringBuilder sb =
                new StringBuilder(
                        "| point | dispatch / batching | frames | results | lost | dup | DMR pipeline | DMR prediction | difference (pts) | frames counted | DMR, every frame | p50 ms | p99 ms | misses by reason | misses by task | where tasks ran |\n"
                                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Point p : points) {
            PipelineBench.PolicyRun r = p.run();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s %s%s | %s | %d | %d | %d | %d | %s | %s | %.2f | %d | %s | %d | %d | %s | %s | %s |%n",
                            p.dimension(),
                            format(p.value()),
                            p.round() > 1 ? " #" + p.round() : "",
                            p.pair(),
                            r.sent(),
                            r.results(),
                            p.lost(),
                            p.duplicates(),
                            PipelineBench.percent(r.missRate()),
                            Double.isNaN(r.simMissRate())
                                    ? "-"
                                    : PipelineBench.percent(r.simMissRate()),
                            Double.isNaN(r.simMissRate())
                                    ? Double.NaN
                                    : Math.abs(r.missRate() - r.simMissRate()) * 100,
                            p.counted(),
                            PipelineBench.percent(p.allFrames()),
                            r.p50Ms(),
                            r.p99Ms(),
                            r.missReasons() == null ? "-" : r.missReasons(),
                            r.missesByTask() == null ? "-" : r.missesByTask(),
                            r.nodeOfTask() == null
                                    ? "-"
                                    : r.nodeOfTask().toString().replace("|", "/")));
        }
        List<Mean> means = means(points);
        if (means.stream().anyMatch(m -> m.runs() > 1)) {
            sb.append(
                    "\nEach pair's mean over its runs at each point:\n\n"
                            + "| point | dispatch / batching | runs | DMR pipeline, mean | min - max | DMR prediction, mean | difference of the means (pts) | lowest mean at the point |\n"
                            + "|---|---|---|---|---|---|---|---|\n");
            Map<Double, Double> lowestAt = new HashMap<>();
            for (Mean m : means) {
                lowestAt.merge(m.value(), m.pipeline(), Math::min);
            }
            for (Mean m : means) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "| %s %s | %s | %d | %s | %s - %s | %s | %s | %s |%n",
                                m.dimension(),
                                format(m.value()),
                                m.pair(),
                                m.runs(),
                                PipelineBench.percent(m.pipeline()),
                                PipelineBench.percent(m.min()),
                                PipelineBench.percent(m.max()),
                                Double.isNaN(m.prediction())
                                        ? "-"
                                        : PipelineBench.percent(m.prediction()),
                                Double.isNaN(m.prediction())
                                        ? "-"
                                        : String.format(
                                                Locale.ROOT,
                                                "%.2f",
                                                Math.abs(m.pipeline() - m.prediction()) * 100),
                                m.pipeline() <= lowestAt.get(m.value()) ? "yes" : "no"));
            }
        }
        return sb.toString();
    }

    /**
     * Reads back the runs that {@link #csv} and {@link #windowsCsv} wrote, columns found by their
     * header's names. What only the Markdown table holds (misses by reason and by task, where the
     * tasks ran) is not in the CSV: the runs read back have none ({@code null}), and {@link
     * #markdown} shows "-" for them.
     *
     * @param source names the files in errors
     * @throws IllegalArgumentException when a column is missing or a line does not parse
     */
    public static List<Point> read(String source, String csv, String windowsCsv) {
        Map<String, List<Window>> windowsOf = new HashMap<>();
        if (windowsCsv != null) {
            Columns w = new Columns(source + " (windows)", windowsCsv);
            for (String[] row : w.rows) {
                windowsOf
                        .computeIfAbsent(
                                runKey(
                                        w.get(row, "value"),
                                        w.get(row, "dispatch"),
                                        w.get(row, "batch"),
                                        w.get(row, "round")),
                                k -> new ArrayList<>())
                        .add(
                                new Window(
                                        w.number(row, "from_s").longValue() * 1000,
                                        w.number(row, "frames").longValue(),
                                        w.number(row, "missed").longValue(),
                                        Boolean.parseBoolean(w.get(row, "counted"))));
            }
        }
        Columns c = new Columns(source, csv);
        List<Point> out = new ArrayList<>();
        for (String[] row : c.rows) {
            PipelineBench.PolicyRun run =
                    new PipelineBench.PolicyRun(
                            c.get(row, "dispatch"),
                            c.get(row, "batch"),
                            c.number(row, "frames").longValue(),
                            c.number(row, "results").longValue(),
                            c.number(row, "dmr_pipeline"),
                            c.number(row, "p50_ms").longValue(),
                            c.number(row, "p99_ms").longValue(),
                            c.number(row, "mean_batch"),
                            c.number(row, "dmr_prediction"),
                            -1,
                            null,
                            null,
                            null);
            String value = c.get(row, "value");
            int round = c.number(row, "round").intValue();
            out.add(
                    new Point(
                            c.get(row, "dimension"),
                            Double.parseDouble(value),
                            run,
                            c.number(row, "lost").longValue(),
                            c.number(row, "duplicates").longValue(),
                            round,
                            c.number(row, "frames_counted").longValue(),
                            c.number(row, "dmr_every_frame"),
                            windowsOf.getOrDefault(
                                    runKey(
                                            value,
                                            run.dispatch(),
                                            run.batch(),
                                            Integer.toString(round)),
                                    List.of())));
        }
        return out;
    }

    /** One run of a sweep as both CSV files name it: the point, the pair and the round. */
    private static String runKey(String value, String dispatch, String batch, String round) {
        return value + "," + dispatch + "," + batch + "," + round;
    }

    /**
     * Sweeps run apart (the same catalog and code, at other times) as one: every sweep's runs, each
     * pair's runs at each point numbered 1, 2, ... in the order of the sweeps, the points in the
     * order they first appear.
     *
     * @throws IllegalArgumentException when the sweeps swept different dimensions
     */
    public static List<Point> merge(List<List<Point>> sweeps) {
        List<Point> all = new ArrayList<>();
        sweeps.forEach(all::addAll);
        if (all.stream().map(Point::dimension).distinct().count() > 1) {
            throw new IllegalArgumentException(
                    "the sweeps vary different dimensions ("
                            + all.stream().map(Point::dimension).distinct().toList()
                            + "): only sweeps of one dimension can be merged");
        }
        Map<Double, Integer> pointOrder = new LinkedHashMap<>();
        all.forEach(p -> pointOrder.putIfAbsent(p.value(), pointOrder.size()));
        Map<String, Integer> rounds = new HashMap<>();
        List<Point> out = new ArrayList<>();
        for (Point p : all) {
            out.add(p.inRound(rounds.merge(p.pointAndPair(), 1, Integer::sum)));
        }
        out.sort(java.util.Comparator.comparing(p -> pointOrder.get(p.value())));
        return out;
    }

    /** A CSV file of ours: a header, then lines of plain comma-separated fields (no quoting). */
    private static final class Columns {
        final String source;
        final Map<String, Integer> index = new HashMap<>();
        final List<String[]> rows = new ArrayList<>();

        Columns(String source, String text) {
            this.source = source;
            String[] lines = text.strip().split("\r?\n");
            String[] header = lines[0].split(",", -1);
            for (int i = 0; i < header.length; i++) {
                index.put(header[i].strip(), i);
            }
            for (int i = 1; i < lines.length; i++) {
                if (lines[i].isBlank()) {
                    continue;
                }
                String[] row = lines[i].split(",", -1);
                if (row.length != header.length) {
                    throw new IllegalArgumentException(
                            source
                                    + ": line "
                                    + (i + 1)
                                    + " has "
                                    + row.length
                                    + " fields, the header "
                                    + header.length);
                }
                rows.add(row);
            }
        }

        String get(String[] row, String column) {
            Integer i = index.get(column);
            if (i == null) {
                throw new IllegalArgumentException(source + ": no column '" + column + "'");
            }
            return row[i].strip();
        }

        Double number(String[] row, String column) {
            String v = get(row, column);
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        source + ": column '" + column + "' holds '" + v + "', not a number");
            }
        }
    }

    /**
     * One pair at one point over its runs: mean, lowest and highest pipeline DMR, and the mean
     * prediction (NaN when no run had one).
     */
    public record Mean(
            String dimension,
            double value,
            String pair,
            int runs,
            double pipeline,
            double min,
            double max,
            double prediction) {}

    /** Each pair's mean at each point, in the order the points and pairs first ran. */
    public static List<Mean> means(List<Point> points) {
        Map<String, List<Point>> groups = new LinkedHashMap<>();
        for (Point p : points) {
            groups.computeIfAbsent(p.pointAndPair(), k -> new ArrayList<>()).add(p);
        }
        List<Mean> out = new ArrayList<>();
        for (List<Point> g : groups.values()) {
            DoubleSummaryStatistics pipeline =
                    g.stream().mapToDouble(p -> p.run().missRate()).summaryStatistics();
            DoubleSummaryStatistics prediction =
                    g.stream()
                            .mapToDouble(p -> p.run().simMissRate())
                            .filter(d -> !Double.isNaN(d))
                            .summaryStatistics();
            Point first = g.get(0);
            out.add(
                    new Mean(
                            first.dimension(),
                            first.value(),
                            first.pair(),
                            g.size(),
                            pipeline.getAverage(),
                            pipeline.getMin(),
                            pipeline.getMax(),
                            prediction.getCount() == 0 ? Double.NaN : prediction.getAverage()));
        }
        return out;
    }
}
