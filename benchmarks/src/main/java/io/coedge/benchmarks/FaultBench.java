package io.coedge.benchmarks;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.ClusterState;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.JobArguments;
import io.coedge.format.FrameHeaders;
import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.stats.Latencies;
import io.coedge.topics.TopicsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The outside fault run of issue 17 as a benchmark, on the process cluster of {@code coedge cluster
 * up --kafka} with its supervisor ({@link BenchCluster}): the job is submitted in one delivery
 * mode, an independent producer (this JVM, the catalog's cameras) sends N frames at F frames/s, and
 * at fixed points of the run one TaskManager is SIGKILLed (at 20% of the frames), one sidecar is
 * SIGKILLed (50%) and a sidecar is SIGSTOPped for 10 s, then SIGCONTed (80%); the supervisor
 * restarts what was killed, as Kubernetes would. A {@code read_committed} consumer of the results
 * and dead-letter topics records each result and when it became visible ({@link FaultAccounting}).
 * With both modes, they run one after the other on the same cluster, each with its own topics.
 */
public final class FaultBench {

    /** How long the frozen sidecar stays stopped. */
    public static final Duration FREEZE = Duration.ofSeconds(10);

    /** No new result for this long after the last frame was sent ends the wait for the rest. */
    private static final Duration STALL = Duration.ofSeconds(120);

    /** Read this long after the last frame ended, for late duplicates. */
    private static final Duration LINGER = Duration.ofSeconds(5);

    /**
     * @param catalogFile the catalog (its nodes, models and cameras)
     * @param frames frames the producer sends per mode
     * @param fps frames per second over all cameras
     * @param checkpointMs the job's checkpoint interval
     * @param jar the job jar
     * @param models model repository for the sidecars
     * @param dir work folder: the cluster's configuration and logs
     */
    public record Options(
            Path catalogFile,
            Catalog catalog,
            int frames,
            double fps,
            long checkpointMs,
            Path jar,
            Path models,
            Path dir) {
        public Options {
            if (frames < 10) {
                throw new IllegalArgumentException("--frames must be at least 10, not " + frames);
            }
            if (!(fps > 0) || fps > 1000) {
                throw new IllegalArgumentException("--fps must be in (0, 1000], not " + fps);
            }
        }
    }

    /** One mode's run: its figures, the faults as injected, the job's restarts. */
    public record Run(
            String delivery,
            FaultAccounting.Report report,
            long timelineStartMs,
            List<String> notes,
            long jobRestarts) {}

    private final Options options;
    private final Consumer<String> progress;

    public FaultBench(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Starts the cluster, runs each mode ({@code exactly-once}, {@code low-latency}), stops it. */
    public List<Run> run(List<String> deliveries) throws Exception {
        List<NodeSpec> nodes = options.catalog().nodes();
        if (nodes.size() < 2) {
            throw new IllegalArgumentException(
                    "the fault run needs a catalog of at least two nodes (it kills one node's"
                            + " TaskManager and another's sidecar)");
        }
        List<Run> runs = new ArrayList<>();
        try (BenchCluster cluster =
                BenchCluster.start(
                        nodes,
                        options.catalogFile(),
                        options.dir().resolve("cluster"),
                        options.models(),
                        progress)) {
            for (String delivery : deliveries) {
                runs.add(runOne(cluster, delivery));
            }
        }
        return runs;
    }

    private Run runOne(BenchCluster cluster, String delivery) throws Exception {
        String name = "faults-" + delivery + "-" + Long.toString(System.currentTimeMillis(), 36);
        List<NodeSpec> nodes = options.catalog().nodes();
        List<String> nodeIds = nodes.stream().map(NodeSpec::id).toList();
        TopicsConfig topics = TopicsConfig.prefixed(name, nodes.size());
        Properties client = cluster.client();
        TopicAdmin.createAll(client, topics);
        FlinkSession rest = cluster.session();
        String jobId;
        try (NodeWatch watch = new NodeWatch(client, topics.nodeProfiles())) {
            watch.poll(Duration.ofMillis(100));
            List<String> jobArgs =
                    new ArrayList<>(
                            List.of(
                                    "--config",
                                    options.catalogFile().toString(),
                                    "--bootstrap",
                                    cluster.bootstrap(),
                                    "--delivery",
                                    delivery,
                                    "--checkpoint-ms",
                                    Long.toString(options.checkpointMs())));
            jobArgs.addAll(JobArguments.topics(topics));
            jobArgs.addAll(List.of("--name", name));
            jobId =
                    rest.submit(
                            options.jar(),
                            JobArguments.ENTRY_CLASS,
                            jobArgs,
                            m -> progress.accept(delivery + ": " + m));
            rest.awaitRunning(jobId, Duration.ofMinutes(5));
            progress.accept(delivery + ": job " + jobId + " running; waiting for healthy nodes");
            watch.awaitHealthy(nodeIds, Duration.ofMinutes(5));
        }

        FaultAccounting acc = new FaultAccounting();
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> reading =
                CompletableFuture.runAsync(() -> read(client, topics, acc, stop));
        List<CameraSpec> cameras = CameraSpec.fromCatalog(options.catalog(), null, null);
        double perCamera = options.fps() / cameras.size();
        CameraSimulator producer =
                new CameraSimulator(
                        CameraSpec.fromCatalog(options.catalog(), null, perCamera),
                        new CameraSimulator.Options(
                                topics.frames(), null, options.frames(), null, 5, 7, null, 0));
        producer.prepare(m -> {});
        List<String> notes = new ArrayList<>();
        long restarts = 0;
        try {
            long t0 = System.currentTimeMillis();
            CompletableFuture<CameraSimulator.Report> sending =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try (KafkaProducer<byte[], byte[]> p =
                                        new KafkaProducer<>(
                                                CameraSimulator.producerProperties(client),
                                                new ByteArraySerializer(),
                                                new ByteArraySerializer())) {
                                    return producer.run(p, r -> {});
                                }
                            });
            double seconds = options.frames() / options.fps();
            String tmNode = nodeIds.get(1 % nodeIds.size());
            String killedSidecarNode = nodeIds.get(2 % nodeIds.size());
            String frozenSidecarNode = nodeIds.get(0);
            List<Scheduled> schedule =
                    List.of(
                            new Scheduled(
                                    t0 + Math.round(seconds * 0.2 * 1000),
                                    "TaskManager " + tmNode + " SIGKILL",
                                    () -> {
                                        ClusterState.Proc p =
                                                cluster.process("taskmanager", tmNode);
                                        cluster.kill(p);
                                        return 0L;
                                    }),
                            new Scheduled(
                                    t0 + Math.round(seconds * 0.5 * 1000),
                                    "sidecar " + killedSidecarNode + " SIGKILL",
                                    () -> {
                                        cluster.kill(cluster.process("sidecar", killedSidecarNode));
                                        return 0L;
                                    }),
                            new Scheduled(
                                    t0 + Math.round(seconds * 0.8 * 1000),
                                    "sidecar " + frozenSidecarNode + " SIGSTOP 10 s",
                                    () -> {
                                        ClusterState.Proc p =
                                                cluster.process("sidecar", frozenSidecarNode);
                                        cluster.freeze(p);
                                        try {
                                            Thread.sleep(FREEZE.toMillis());
                                        } finally {
                                            cluster.thaw(p);
                                        }
                                        return FREEZE.toMillis();
                                    }));
            int next = 0;
            long nextProgress = t0 + 5000;
            long lastChange = System.currentTimeMillis();
            int lastResults = -1;
            while (true) {
                long now = System.currentTimeMillis();
                if (next < schedule.size() && now >= schedule.get(next).atMs()) {
                    Scheduled s = schedule.get(next++);
                    long start = System.currentTimeMillis();
                    try {
                        long lasted = s.action().call();
                        acc.fault(new FaultAccounting.Fault(s.name(), start, start + lasted));
                        progress.accept(
                                String.format(
                                        Locale.ROOT,
                                        "%s: %s at %.1f s",
                                        delivery,
                                        s.name(),
                                        (start - t0) / 1000.0));
                    } catch (Exception e) {
                        notes.add(s.name() + " not injected: " + e.getMessage());
                        progress.accept(delivery + ": " + s.name() + " not injected: " + e);
                    }
                    continue;
                }
                int results = acc.results();
                if (results != lastResults) {
                    lastResults = results;
                    lastChange = now;
                }
                if (now >= nextProgress) {
                    nextProgress = now + 5000;
                    restarts = Math.max(restarts, restartsOf(rest, jobId));
                    progress.accept(
                            String.format(
                                    Locale.ROOT,
                                    "%s: %.0f s: sent %d of %d, frames with a result %d, results %d, waiting %d",
                                    delivery,
                                    (now - t0) / 1000.0,
                                    acc.sentCount(),
                                    options.frames(),
                                    acc.committed(),
                                    results,
                                    acc.open()));
                }
                if (sending.isDone() && next == schedule.size()) {
                    if (acc.open() == 0) {
                        break;
                    }
                    if (now - lastChange > STALL.toMillis()) {
                        notes.add(
                                "stopped waiting: no new result for "
                                        + STALL.toSeconds()
                                        + " s, "
                                        + acc.open()
                                        + " frames without one");
                        break;
                    }
                }
                Thread.sleep(100);
            }
            CameraSimulator.Report sent = sending.get();
            progress.accept(delivery + ": producer: " + sent.describe());
            Thread.sleep(LINGER.toMillis());
        } finally {
            stop.set(true);
            reading.get();
        }
        restarts = Math.max(restarts, restartsOf(rest, jobId));
        try {
            rest.cancel(jobId);
        } catch (IOException e) {
            notes.add("job " + jobId + " not cancelled: " + e.getMessage());
        }
        FaultAccounting.Report report = acc.report();
        progress.accept(delivery + ": " + oneLine(report));
        return new Run(delivery, report, acc.timelineStartMs(), notes, restarts);
    }

    /** The job's numRestarts metric (Flink's REST API caches metrics for up to 10 s). */
    private static long restartsOf(FlinkSession rest, String jobId) {
        try {
            return rest.restarts(jobId);
        } catch (IOException e) {
            return 0;
        }
    }

    private record Scheduled(long atMs, String name, java.util.concurrent.Callable<Long> action) {}

    /**
     * Reads frames (what was sent: id and capture time), results and dead letters, read_committed,
     * each record stamped with the time it was received, until {@code stop}.
     */
    private static void read(
            Properties client, TopicsConfig topics, FaultAccounting acc, AtomicBoolean stop) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("group.id", "coedge-bench-faults-" + UUID.randomUUID());
        p.setProperty("auto.offset.reset", "earliest");
        p.setProperty("isolation.level", "read_committed");
        p.setProperty("enable.auto.commit", "false");
        p.setProperty("max.partition.fetch.bytes", Integer.toString(20 << 20));
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.frames(), topics.results(), topics.deadLetters()));
            while (!stop.get()) {
                var records = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (r.topic().equals(topics.results())) {
                        try {
                            FrameResult result = ResultCodec.fromJson(r.value());
                            acc.result(
                                    result.frameId(),
                                    result.captureTs(),
                                    result.status().name(),
                                    now);
                        } catch (IOException e) {
                            // not a result: not counted
                        }
                    } else {
                        String id = frameId(r);
                        if (id == null) {
                            continue;
                        }
                        if (r.topic().equals(topics.frames())) {
                            String ts = header(r, FrameHeaders.TIMESTAMP);
                            acc.sent(id, ts == null ? now : Long.parseLong(ts));
                        } else {
                            acc.deadLetter(id, now);
                        }
                    }
                }
            }
        }
    }

    /** camera#sequence, as the job names frames (FrameDecoder). */
    private static String frameId(ConsumerRecord<byte[], byte[]> r) {
        String seq = header(r, FrameHeaders.SEQUENCE);
        return r.key() == null || seq == null
                ? null
                : new String(r.key(), StandardCharsets.UTF_8) + "#" + seq;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null
                ? null
                : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String oneLine(FaultAccounting.Report r) {
        return String.format(
                Locale.ROOT,
                "sent %d, committed %d, dead letters %d, duplicates %d, lost %d; capture -> visible p50/p99 %d/%d ms (outside faults %d/%d ms)",
                r.sent(),
                r.committed(),
                r.deadLetters(),
                r.duplicates(),
                r.lost(),
                r.latency().percentile(0.5),
                r.latency().percentile(0.99),
                r.latencyOutsideFaults().percentile(0.5),
                r.latencyOutsideFaults().percentile(0.99));
    }

    /** The report: counts, recovery per fault, latency, per mode. */
    public static String markdown(Options options, List<Run> runs, String load) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Fault run on the process cluster (%s): %d frames at %.1f frames/s per mode,"
                                + " checkpoints every %d ms; %s; %s UTC.%n%n",
                        options.catalogFile().getFileName(),
                        options.frames(),
                        options.fps(),
                        options.checkpointMs(),
                        load,
                        Instant.now().toString().substring(0, 16).replace('T', ' ')));
        sb.append(
                "| mode | sent | committed | dead letters | duplicates | lost | job restarts | capture -> visible p50 / p99 ms | outside fault windows p50 / p99 ms | statuses |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : runs) {
            FaultAccounting.Report r = run.report();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| `%s` | %d | %d | %d | %d | %d | %d | %s | %s | %s |%n",
                            run.delivery(),
                            r.sent(),
                            r.committed(),
                            r.deadLetters(),
                            r.duplicates(),
                            r.lost(),
                            run.jobRestarts(),
                            pct(r.latency()),
                            pct(r.latencyOutsideFaults()),
                            r.statuses().entrySet().stream()
                                    .sorted(Map.Entry.comparingByKey())
                                    .map(e -> e.getKey() + " " + e.getValue())
                                    .collect(Collectors.joining(", "))));
        }
        sb.append(
                "\n| mode | fault | at (s from first frame) | first result visible after it | longest pause in visible results | results flow again after | first result of a frame captured after it |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (Run run : runs) {
            for (FaultAccounting.Recovery rec : run.report().recoveries()) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "| `%s` | %s | %.1f | %s | %s | %s | %s |%n",
                                run.delivery(),
                                rec.fault().name(),
                                (rec.fault().startMs() - run.timelineStartMs()) / 1000.0,
                                seconds(rec.firstVisibleAfterMs()),
                                seconds(rec.longestPauseMs()),
                                seconds(rec.visibleAgainMs()),
                                seconds(rec.firstCapturedAfterVisibleMs())));
            }
        }
        for (Run run : runs) {
            for (String note : run.notes()) {
                sb.append("\n- `").append(run.delivery()).append("`: ").append(note);
            }
        }
        sb.append('\n');
        return sb.toString();
    }

    /** One line per second: frames captured, first results visible, duplicates visible. */
    public static String csv(Run run) {
        StringBuilder sb = new StringBuilder("second,captured,visible_first,visible_duplicates\n");
        for (FaultAccounting.Second s : run.report().timeline()) {
            sb.append(s.second())
                    .append(',')
                    .append(s.captured())
                    .append(',')
                    .append(s.visibleFirst())
                    .append(',')
                    .append(s.visibleDuplicates())
                    .append('\n');
        }
        return sb.toString();
    }

    private static String pct(Latencies l) {
        return l.count() == 0
                ? "—"
                : l.percentile(0.5) + " / " + l.percentile(0.99) + " (n=" + l.count() + ")";
    }

    private static String seconds(long ms) {
        return ms < 0 ? "never" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
