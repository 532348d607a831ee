package io.coedge.benchmarks;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.ModelSpec;
import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.SidecarSupervisor;
import io.coedge.deploy.local.LocalPipeline;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.jobs.CoEdgeJob;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.camera.SceneRenderer;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.results.ResultsTable;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.oip.InferInput;
import io.coedge.oip.InferRequest;
import io.coedge.oip.OipClient;
import io.coedge.operators.dispatch.TopologyBuilder;
import io.coedge.operators.pre.Preprocessor;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Model;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Topology;
import io.coedge.scheduler.sim.Scenario;
import io.coedge.scheduler.sim.Simulator;
import io.coedge.stats.Latencies;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Benchmarks of the real pipeline (embedded Kafka, sidecar processes, the job on a MiniCluster),
 * each comparing against a baseline measured in the same run.
 */
public final class PipelineBench {

    /** One policy pair's run on the real pipeline, with the simulator's prediction for it. */
    public record PolicyRun(
            String dispatch,
            String batch,
            long sent,
            long results,
            double missRate,
            long p50Ms,
            long p99Ms,
            double meanBatch,
            double simMissRate,
            long overheadP50Ms,
            Map<String, String> nodeOfTask,
            Map<String, Long> missReasons,
            Map<String, Long> missesByTask) {}

    /** Pipeline throughput against the sidecar's own capacity for the same model and batch size. */
    public record Throughput(
            String model, int batch, double sidecarFps, double pipelineFps, long frames) {
        public double ratio() {
            return pipelineFps / sidecarFps;
        }
    }

    /**
     * Each model alone on one idle sidecar of this machine: the median run per batch size, and the
     * spread of the runs (slowest / median), what the simulator's nodes run at when alone.
     */
    public record Calibration(Map<String, LatencyProfile> medians, double spread) {}

    private Calibration calibration = new Calibration(Map.of(), 1.1);
    private final KafkaClients kafka;
    private final Path work;
    private final Consumer<String> progress;
    private int runs;

    public PipelineBench(KafkaClients kafka, Path work, Consumer<String> progress) {
        this.kafka = kafka;
        this.work = work;
        this.progress = progress;
    }

    /**
     * Runs the catalog's cameras for {@code duration} under each policy pair, one after the other
     * on the same sidecars, and simulates each pair with the node profiles the run measured.
     */
    public List<PolicyRun> policies(
            CatalogText catalogText,
            List<String[]> pairs,
            Duration duration,
            Duration warmUp,
            Path models)
            throws Exception {
        Catalog catalog = catalogText.parse();
        List<PolicyRun> out = new ArrayList<>();
        try (SidecarSupervisor sidecars =
                PipelineRuns.startSidecars(catalog, models, work, progress)) {
            // Each model alone on one sidecar, before the warm-up: the warm-up run then absorbs
            // what the
            // calibration's long batches leave behind (the first pair after it missed 4-7% where it
            // missed
            // about 1% when run second).
            calibration =
                    calibrate(
                            sidecars.addresses().get(catalog.nodes().get(0).id()),
                            catalog.models(),
                            progress);
            if (!warmUp.isZero() && !pairs.isEmpty()) {
                // Whichever pair runs first would otherwise also pay for this JVM's JIT compiling
                // the job
                // and the clients, and for the sidecars' first real runs: a run that is not
                // reported.
                progress.accept(warmUpLine(pairs.get(0), warmUp));
                runPair(
                        catalogText,
                        catalog,
                        pairs.get(0)[0],
                        pairs.get(0)[1],
                        warmUp,
                        models,
                        sidecars.addresses());
            }

            for (String[] pair : pairs) {
                out.add(
                        runPair(
                                catalogText,
                                catalog,
                                pair[0],
                                pair[1],
                                duration,
                                models,
                                sidecars.addresses()));
            }
        }
        return out;
    }

    private PolicyRun runPair(
            CatalogText catalogText,
            Catalog catalog,
            String dispatch,
            String batch,
            Duration duration,
            Path models,
            Map<String, String> sidecars)
            throws Exception {
        int run = ++runs;
        TopicsConfig topics = PipelineRuns.createTopics(kafka, "bench" + run);
        progress.accept(
                "run "
                        + run
                        + ": "
                        + dispatch
                        + " dispatch, "
                        + batch
                        + " batching, "
                        + duration.toSeconds()
                        + " s");
        try (NodeWatch watch = new NodeWatch(kafka.properties(), topics.nodeProfiles());
                LocalPipeline pipeline =
                        PipelineRuns.startPipeline(
                                kafka,
                                catalogText,
                                topics,
                                dispatch,
                                batch,
                                sidecars,
                                models,
                                work,
                                0,
                                watch,
                                progress)) {
            CameraSimulator cameras =
                    PipelineRuns.synthetic(catalog, topics.frames(), duration, run);
            long cpu0 = PipelineRuns.processCpuNanos();
            long wall0 = System.nanoTime();
            CameraSimulator.Report sent = PipelineRuns.send(kafka, cameras);
            // This JVM (the job, Kafka, the cameras) takes part of the machine the sidecars share.
            double jobCores =
                    (double) (PipelineRuns.processCpuNanos() - cpu0)
                            / Math.max(1, System.nanoTime() - wall0);
            Latencies overheads = new Latencies();
            List<Long> ingests = new ArrayList<>();
            Map<String, Long> reasons = new java.util.TreeMap<>();
            Map<String, Long> missesByTask = new java.util.TreeMap<>();
            Map<String, Map<String, Long>> nodesOfTask = new LinkedHashMap<>();
            ResultsTable table =
                    PipelineRuns.readResults(
                            kafka,
                            topics,
                            catalog,
                            sent.sent(),
                            r -> {
                                Long overhead = PipelineRuns.overheadMs(r);
                                if (overhead != null) {
                                    overheads.record(overhead);
                                }
                                if (r.dispatchTs() != null) {
                                    ingests.add(r.dispatchTs() - r.captureTs());
                                }
                                nodesOfTask
                                        .computeIfAbsent(r.task(), t -> new LinkedHashMap<>())
                                        .merge(r.node(), 1L, Long::sum);
                                if (r.status() != FrameResult.Status.OK) {
                                    String why =
                                            r.reason() == null
                                                    ? r.status().name()
                                                    : r.reason().split(":", 2)[0];
                                    reasons.merge(why, 1L, Long::sum);
                                    missesByTask.merge(r.task(), 1L, Long::sum);
                                }
                            },
                            () -> watch.poll(Duration.ZERO));
            List<ResultsTable.Row> rows = table.rows();
            ResultsTable.Row all = rows.get(rows.size() - 1);
            Map<String, NodeStatus> statuses = watch.poll(Duration.ofMillis(100));
            long[] ingest = ingests.stream().mapToLong(Long::longValue).sorted().toArray();
            Latencies ingestMs = new Latencies();
            ingests.forEach(ingestMs::record);
            double cores = Math.max(0.5, Runtime.getRuntime().availableProcessors() - jobCores);
            List<Long> ingestSamples =
                    java.util.Arrays.stream(ingest)
                            .map(ms -> Math.max(0, ms) * 1000)
                            .boxed()
                            .toList();
            Scenario simulated =
                    benchScenario(catalog, statuses, duration, ingestSamples, calibration, cores);
            progress.accept(
                    String.format(
                            java.util.Locale.ROOT,
                            "run %d simulated with: sidecars sharing %.2f cores, ingest p50 %.1f ms"
                                    + " (p99 %.1f ms),"
                                    + " execution noise %.2f, slow runs %.0f%% x %.2f, overhead per call by node %s",
                            run,
                            cores,
                            (double) ingestMs.percentile(0.5),
                            (double) ingestMs.percentile(0.99),
                            simulated.execNoise(),
                            simulated.execSlow().share() * 100,
                            simulated.execSlow().factor(),
                            simulated.pipeline().nodeOverheads().entrySet().stream()
                                    .map(
                                            e ->
                                                    e.getKey()
                                                            + "="
                                                            + e.getValue().batchMicros() / 1000
                                                            + "ms")
                                    .toList()));
            double sim =
                    new Simulator(
                                    simulated,
                                    DispatchPolicies.byName(dispatch),
                                    Scenario.BatchSettings.defaults().policy(batch))
                            .run()
                            .dmr();
            Map<String, String> placement = new LinkedHashMap<>();
            nodesOfTask.forEach((task, counts) -> placement.put(task, describe(counts)));
            PolicyRun result =
                    new PolicyRun(
                            dispatch,
                            batch,
                            sent.sent(),
                            table.frames(),
                            all.missRate(),
                            all.p50Ms(),
                            all.p99Ms(),
                            all.meanBatch(),
                            sim,
                            overheads.count() == 0 ? -1 : overheads.percentile(0.5),
                            placement,
                            reasons,
                            missesByTask);
            progress.accept(
                    String.format(
                            java.util.Locale.ROOT,
                            "run %d: DMR %.2f%% (simulator %.2f%%, the sidecars with %.2f cores), p50 %d ms, p99 %d ms, %d/%d results",
                            run,
                            result.missRate() * 100,
                            sim * 100,
                            cores,
                            result.p50Ms(),
                            result.p99Ms(),
                            result.results(),
                            result.sent()));
            return result;
        }
    }

    private static String describe(Map<String, Long> counts) {
        StringBuilder sb = new StringBuilder();
        counts.forEach(
                (node, n) ->
                        sb.append(sb.length() == 0 ? "" : " ").append(node).append('=').append(n));
        return sb.toString();
    }

    /**
     * The same catalog and pair in the simulator, which runs the job's own node engine and
     * re-planner, fed what this run measured: each model's runs alone on this machine ({@link
     * #calibrate}), the nodes sharing the cores this JVM (job, Kafka, cameras) left them as the
     * sidecars do, the overhead each batcher measured around its calls, and each frame's time from
     * capture to the dispatcher drawn from the times this run's frames took.
     */
    static Scenario benchScenario(
            Catalog catalog,
            Map<String, NodeStatus> statuses,
            Duration duration,
            List<Long> ingestSamplesMicros,
            Calibration calibration,
            double sidecarCores) {
        return benchScenario(
                catalog,
                statuses,
                duration,
                ingestSamplesMicros,
                calibration,
                List.of(
                        new Scenario.Host(
                                "this machine",
                                sidecarCores,
                                catalog.nodes().stream().map(NodeSpec::id).toList())));
    }

    /**
     * {@link #benchScenario(Catalog, Map, Duration, List, Calibration, double)} with the machines
     * the nodes share given: none on the testbed, where each node runs in its own CPU cgroup and
     * its sidecar's measured profiles already are its speed at its CPU share.
     */
    static Scenario benchScenario(
            Catalog catalog,
            Map<String, NodeStatus> statuses,
            Duration duration,
            List<Long> ingestSamplesMicros,
            Calibration calibration,
            List<Scenario.Host> hosts) {
        long now = statuses.values().stream().mapToLong(NodeStatus::timestamp).max().orElse(0);
        Topology reported = new TopologyBuilder(catalog, Long.MAX_VALUE / 4).build(statuses, now);
        List<NodeProfile> nodes = new ArrayList<>();
        Map<String, Scenario.Overhead> overheads = new LinkedHashMap<>();
        for (NodeProfile n : reported.nodes()) {
            NodeStatus s = statuses.get(n.name());
            Map<Model, LatencyProfile> compute = new LinkedHashMap<>();
            Latencies overhead = new Latencies();
            if (s != null) {
                s.models()
                        .forEach(
                                (model, ms) -> {
                                    LatencyProfile alone = calibration.medians().get(model);
                                    // A reported size costs at most its frames one by one, as the
                                    // dispatcher bounds it: sizes that rarely run keep the figures
                                    // of a contended warm-up (docs/PERFORMANCE.md, tenth session).
                                    compute.put(
                                            new Model(model),
                                            alone != null
                                                    ? alone
                                                    : n.profiles()
                                                            .get(new Model(model))
                                                            .atMostSingles());
                                    if (ms.sidecar() != null
                                            && ms.sidecar().overheadMicros() >= 0) {
                                        overhead.record(ms.sidecar().overheadMicros());
                                    }
                                });
            }
            nodes.add(new NodeProfile(n.name(), compute, 0, n.healthy()));
            overheads.put(n.name(), new Scenario.Overhead(overhead.percentile(0.5), 0, 0));
        }
        double noise = Math.min(0.95, Math.max(0, calibration.spread() - 1));
        // During the run the sidecars' windows of ten runs showed a wider spread (p99 / median)
        // than each
        // model alone: one run in ten stalled behind the other sidecars and this JVM. That many
        // slow runs.
        List<Double> spreads = new ArrayList<>();
        statuses.values()
                .forEach(
                        st ->
                                st.models()
                                        .values()
                                        .forEach(
                                                ms -> {
                                                    NodeStatus.Compute c = ms.sidecar();
                                                    if (c != null
                                                            && c.p50Micros().length
                                                                    == c.p99Micros().length) {
                                                        for (int i = 0;
                                                                i < c.p50Micros().length;
                                                                i++) {
                                                            if (c.p50Micros()[i] > 0
                                                                    && c.p99Micros()[i] > 0) {
                                                                spreads.add(
                                                                        (double) c.p99Micros()[i]
                                                                                / c.p50Micros()[i]);
                                                            }
                                                        }
                                                    }
                                                }));
        double contended =
                spreads.isEmpty() ? 1 : spreads.stream().sorted().toList().get(spreads.size() / 2);
        Scenario.SlowRuns slow =
                contended > calibration.spread()
                        ? new Scenario.SlowRuns(0.1, contended / calibration.spread())
                        : Scenario.SlowRuns.NONE;
        Scenario.Pipeline pipeline =
                new Scenario.Pipeline(
                        Scenario.Overhead.NONE,
                        overheads,
                        1_000_000,
                        io.coedge.jobs.CoEdgeJob.replanning(5_000),
                        0,
                        ingestSamplesMicros,
                        hosts);
        return new Scenario(
                "bench",
                duration.toNanos() / 1000,
                1,
                noise,
                nodes,
                reported.links(),
                reported.tasks().stream().map(t -> new Scenario.SimTask(t, 0)).toList(),
                List.of(),
                null,
                Scenario.BatchSettings.defaults(),
                slow,
                pipeline);
    }

    /**
     * Runs each model at each batch size (powers of two up to its largest) on one sidecar while the
     * others idle, and reads what the sidecar itself timed (its median and p99 per batch size,
     * compute only: the call's overhead the batchers measure and report on their own).
     */
    static Calibration calibrate(String address, List<ModelSpec> models, Consumer<String> progress)
            throws Exception {
        Map<String, LatencyProfile> medians = new LinkedHashMap<>();
        List<Double> spreads = new ArrayList<>();
        try (OipClient client = OipClient.builder(address).maxMessageBytes(256 << 20).build()) {
            for (ModelSpec model : models) {
                List<Integer> sizes = new ArrayList<>();
                for (int b = 1;
                        b <= model.maxBatch();
                        b = b == model.maxBatch() ? b + 1 : Math.min(b * 2, model.maxBatch())) {
                    sizes.add(b);
                    InferRequest request = batchRequest(model, b);
                    for (int i = 0; i < 13; i++) {
                        client.infer(request).get(); // 3 to settle, then the sidecar's window of 10
                    }
                }
                var profile = client.profile(model.name());
                // Only the sizes run here: the window of another size still holds runs of the
                // pipeline before.
                java.util.TreeMap<Integer, Long> p50 =
                        new java.util.TreeMap<>(
                                profile.p50MicrosByBatchSize().isEmpty()
                                        ? profile.p99MicrosByBatchSize()
                                        : profile.p50MicrosByBatchSize());
                p50.keySet().retainAll(sizes);
                p50.forEach(
                        (b, median) -> {
                            Long p99 = profile.p99MicrosByBatchSize().get(b);
                            if (p99 != null && median > 0) {
                                spreads.add((double) p99 / median);
                            }
                        });
                medians.put(model.name(), LatencyProfile.fromMeasured(p50, model.maxBatch()));
                progress.accept(
                        "calibrated "
                                + model.name()
                                + " alone (sidecar's median compute): "
                                + p50
                                + " us by batch size");
            }
        }
        double spread =
                spreads.isEmpty()
                        ? 1.1
                        : spreads.stream().sorted().toList().get(spreads.size() / 2);
        return new Calibration(medians, spread);
    }

    /**
     * A batch of {@code batch} copies of one real pre-processed street frame, for calls straight to
     * a sidecar.
     */
    private static InferRequest batchRequest(ModelSpec model, int batch) throws Exception {
        Preprocessor pre = new Preprocessor(model);
        float[] one = pre.apply(new SceneRenderer(1, 320, 240).jpeg(0, 0.85f)).floats();
        ByteBuffer bytes =
                ByteBuffer.allocateDirect(batch * one.length * Float.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < batch; i++) {
            bytes.asFloatBuffer().position(i * one.length).put(one);
        }
        long[] shape = {batch, 3, model.input().height(), model.input().width()};
        return InferRequest.builder(model.name())
                .input(InferInput.fp32(model.input().name(), shape, bytes))
                .build();
    }

    /**
     * One node, one model, a backlog of frames with lax deadlines: how fast the whole pipeline
     * drains it, against how fast the same sidecar runs the same model at the same batch size when
     * called directly, back to back, from one caller (measured before and after, averaged).
     */
    public Throughput throughput(
            Path models, String model, int batch, int frames, Duration directFor) throws Exception {
        LocalPipeline.ensureModels(models, progress);
        int size = model.equals("yolo-big") ? 320 : model.equals("yolo-small") ? 224 : 32;
        String input = model.startsWith("yolo") ? "images" : "input";
        String post =
                model.startsWith("yolo")
                        ? "{type: yolo, labels: [person]}"
                        : "{type: classification, labels: [a, b, c, d, e, f, g, h, i, j]}";
        CatalogText catalogText =
                new CatalogText(
                        "throughput.yaml",
                        """
        nodes: [{id: edge-1, sidecar: "127.0.0.1:8401"}]
        models: [{name: %s, maxBatch: %d, input: {name: %s, width: %d, height: %d}, postprocess: %s}]
        tasks: [{id: T, model: %s, cameras: [c1, c2, c3, c4], fps: 50, deadlineMs: 600000, origin: edge-1, frame: {width: 320, height: 240}}]
        """
                                .formatted(model, batch, input, size, size, post, model));
        Catalog catalog = catalogText.parse();
        try (SidecarSupervisor sidecars =
                SidecarSupervisor.startLocal(
                        models,
                        Map.of("edge-1", 8401),
                        work.resolve("logs"),
                        Duration.ofMinutes(3),
                        progress)) {
            String address = sidecars.addresses().get("edge-1");
            double before = direct(address, catalog.model(model).orElseThrow(), batch, directFor);
            progress.accept(
                    String.format(
                            java.util.Locale.ROOT,
                            "sidecar alone: %.1f frames/s at batch %d",
                            before,
                            batch));

            int run = ++runs;
            TopicsConfig topics = TopicsConfig.prefixed("tput" + run, 1);
            TopicAdmin.createAll(kafka.properties(), topics);
            CameraSimulator cameras =
                    new CameraSimulator(
                            CameraSpec.fromCatalog(catalog, null, 1000.0),
                            new CameraSimulator.Options(
                                    topics.frames(), null, frames, null, 10, 1, null, 0));
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(
                            CameraSimulator.producerProperties(kafka.properties()),
                            new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                cameras.run(producer, r -> {});
            }
            progress.accept(frames + " frames queued in Kafka; starting the job to drain them");
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            long n = 0;
            try (LocalPipeline pipeline =
                            LocalPipeline.start(
                                    catalogText,
                                    kafka,
                                    topics,
                                    "coedge",
                                    "coedge",
                                    CoEdgeJob.Delivery.EXACTLY_ONCE,
                                    sidecars.addresses(),
                                    models,
                                    work,
                                    18081,
                                    0,
                                    progress);
                    ResultsReader reader =
                            new ResultsReader(kafka.properties(), topics.results(), true)) {
                long until = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                List<Long> emits = new ArrayList<>();
                while (reader.table().frames() < frames && System.nanoTime() < until) {
                    reader.poll(Duration.ofMillis(200), r -> emits.add(r.emitTs()));
                }
                long[] e = emits.stream().mapToLong(Long::longValue).sorted().toArray();
                n = e.length;
                // Skip the first batches: they overlap the job's start-up and the sidecar's first
                // calls.
                int skip = Math.min(e.length / 10, 4 * batch);
                first = e[skip];
                last = e[e.length - 1];
                n = e.length - skip;
            }
            double pipeline = (n - 1) * 1000.0 / Math.max(1, last - first);
            double after = direct(address, catalog.model(model).orElseThrow(), batch, directFor);
            progress.accept(
                    String.format(
                            java.util.Locale.ROOT,
                            "pipeline: %.1f frames/s; sidecar alone after: %.1f frames/s",
                            pipeline,
                            after));
            return new Throughput(model, batch, (before + after) / 2, pipeline, n);
        }
    }

    /**
     * Frames per second of back-to-back batches of {@code batch} real pre-processed frames on the
     * sidecar.
     */
    static double direct(String address, ModelSpec model, int batch, Duration duration)
            throws Exception {
        InferRequest request = batchRequest(model, batch);
        try (OipClient client = OipClient.builder(address).build()) {
            for (int i = 0; i < 3; i++) {
                client.infer(request).get();
            }
            long t0 = System.nanoTime();
            long end = t0 + duration.toNanos();
            long calls = 0;
            while (System.nanoTime() < end) {
                client.infer(request).get();
                calls++;
            }
            return calls * batch / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** The progress line of the unreported warm-up run of {@code pair} (dispatch, batching). */
    static String warmUpLine(String[] pair, Duration warmUp) {
        return "warm-up (not reported): "
                + pair[0]
                + "/"
                + pair[1]
                + " for "
                + warmUp.toSeconds()
                + " s";
    }

    static String percent(double v) {
        return String.format(java.util.Locale.ROOT, "%.2f%%", v * 100);
    }

    /** The policy runs as a Markdown table. */
    public static String markdown(List<PolicyRun> runs) {
        StringBuilder sb =
                new StringBuilder(
                        "| dispatch / batching | frames | results | DMR (pipeline) | DMR (simulator) | p50 ms | p99 ms | mean batch | overhead p50 ms | misses by reason | misses by task | where tasks ran |\n"
                                + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (PolicyRun r : runs) {
            sb.append(
                    String.format(
                            java.util.Locale.ROOT,
                            "| %s / %s | %d | %d | %s | %s | %d | %d | %.2f | %d | %s | %s | %s |%n",
                            r.dispatch(),
                            r.batch(),
                            r.sent(),
                            r.results(),
                            percent(r.missRate()),
                            percent(r.simMissRate()),
                            r.p50Ms(),
                            r.p99Ms(),
                            r.meanBatch(),
                            r.overheadP50Ms(),
                            r.missReasons(),
                            r.missesByTask(),
                            r.nodeOfTask().toString().replace("|", "/")));
        }
        return sb.toString();
    }
}
