package io.coedge.benchmarks;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.TaskSpec;
import io.coedge.deploy.SidecarSupervisor;
import io.coedge.deploy.local.LocalPipeline;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.camera.VideoProducer;
import io.coedge.kafka.results.ResultsTable;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.operators.pre.ImageDecoder;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One change to the pipeline measured against its absence: the same catalog and policies on the
 * same sidecars, in one process, rounds alternately in arm A and arm B (ABBA..., so a drift of the
 * machine over the run falls on both arms alike), after an unreported warm-up round. Per-frame
 * overhead is the pipeline's time outside queueing and inference: (dispatch - capture) + (emit -
 * inference end), the figure the policies bench reports; beside it each round's deadline-miss rate.
 *
 * <p>Two uses: {@code coedge bench metrics} (Flink's Prometheus reporter, scraped every second,
 * against none; the job's metrics are registered in both arms, Flink keeps them without a reporter)
 * and {@code coedge bench decode} (the node's JPEG decoding through libjpeg-turbo against the
 * ImageIO fallback, with the catalog's tasks fed by video cameras).
 */
public final class PipelineAbBench {

    /**
     * One arm: with Flink's Prometheus reporter (scraped every second) or not, and the node's JPEG
     * decoder forced to ImageIO ({@link ImageDecoder#FORCE_IMAGEIO}) or not.
     */
    public record Arm(String label, boolean reporter, boolean imageIo) {}

    /** One run of the catalog in one arm. */
    public record Round(
            int index,
            String arm,
            long sent,
            long results,
            double missRate,
            long samples,
            double p50Ms,
            double meanMs,
            double p99Ms,
            double startWaitP50Ms,
            double startWaitMeanMs,
            double latencyP50Ms,
            double cpuMsPerFrame,
            long scrapes,
            long scrapeBytes) {}

    /** Every round, and the arms pooled. */
    public record Result(String armA, String armB, List<Round> rounds) {
        /** The median of the arm's rounds' medians: each round is one sample of the machine. */
        public double p50(String arm) {
            double[] p =
                    rounds.stream()
                            .filter(r -> r.arm().equals(arm))
                            .mapToDouble(Round::p50Ms)
                            .sorted()
                            .toArray();
            return p.length == 0 ? Double.NaN : Stats.quantile(p, 0.5);
        }

        /** The mean over every frame of the arm's rounds. */
        public double mean(String arm) {
            return weighted(arm, r -> r.meanMs() * r.samples(), Round::samples);
        }

        /** Dispatch to inference start (queueing and pre-processing), mean over every frame. */
        public double startWait(String arm) {
            return weighted(arm, r -> r.startWaitMeanMs() * r.samples(), Round::samples);
        }

        /** This process's CPU time per frame (the job, Kafka and the producer), over the arm. */
        public double cpuPerFrame(String arm) {
            return weighted(arm, r -> r.cpuMsPerFrame() * r.sent(), Round::sent);
        }

        /** The deadline-miss rate over every frame of the arm's rounds. */
        public double missRate(String arm) {
            return weighted(arm, r -> r.missRate() * r.results(), Round::results);
        }

        private double weighted(
                String arm,
                java.util.function.ToDoubleFunction<Round> sum,
                java.util.function.ToLongFunction<Round> count) {
            List<Round> of = rounds.stream().filter(r -> r.arm().equals(arm)).toList();
            long n = of.stream().mapToLong(count).sum();
            return n == 0 ? Double.NaN : of.stream().mapToDouble(sum).sum() / n;
        }
    }

    /** Where the frames come from: the catalog's synthetic cameras, or video files. */
    public sealed interface Cameras {
        /** Every camera of the catalog, drawn scenes at the catalog's frame sizes and rates. */
        record Synthetic() implements Cameras {}

        /**
         * One camera per video, each on the first camera of the next task (so that every task gets
         * one while there are videos), at its task's rate.
         */
        record Videos(List<String> files, String ffmpeg) implements Cameras {}
    }

    private final KafkaClients kafka;
    private final Path work;
    private final Consumer<String> progress;
    private int runs;

    public PipelineAbBench(KafkaClients kafka, Path work, Consumer<String> progress) {
        this.kafka = kafka;
        this.work = work;
        this.progress = progress;
    }

    /**
     * Runs {@code pairs} pairs of rounds (A, B, B, A, A, B, ...) of {@code duration} each, after
     * one unreported warm-up round in arm A.
     */
    public Result run(
            CatalogText catalogText,
            Cameras cameras,
            Arm a,
            Arm b,
            Duration duration,
            int pairs,
            Duration warmUp,
            Path models)
            throws Exception {
        Catalog catalog = catalogText.parse();
        List<Round> rounds = new ArrayList<>();
        try (SidecarSupervisor sidecars =
                PipelineRuns.startSidecars(catalog, models, work, progress)) {
            if (!warmUp.isZero()) {
                progress.accept("warm-up (not reported), " + warmUp.toSeconds() + " s");
                round(catalogText, catalog, cameras, a, warmUp, models, sidecars.addresses());
            }
            for (int i = 0; i < 2 * pairs; i++) {
                Arm arm = (i % 4 == 1) || (i % 4 == 2) ? b : a;
                rounds.add(
                        round(
                                catalogText,
                                catalog,
                                cameras,
                                arm,
                                duration,
                                models,
                                sidecars.addresses()));
            }
        } finally {
            System.clearProperty(ImageDecoder.FORCE_IMAGEIO);
        }
        return new Result(a.label(), b.label(), rounds);
    }

    private Round round(
            CatalogText catalogText,
            Catalog catalog,
            Cameras cameras,
            Arm arm,
            Duration duration,
            Path models,
            Map<String, String> sidecars)
            throws Exception {
        int run = ++runs;
        TopicsConfig topics = PipelineRuns.createTopics(kafka, "ab" + run);
        int metricsPort = arm.reporter() ? freePort() : 0;
        // The job runs in this JVM's MiniCluster: its pre-processors read the property when they
        // open, i.e. when the pipeline below starts.
        System.setProperty(ImageDecoder.FORCE_IMAGEIO, Boolean.toString(arm.imageIo()));
        progress.accept("round " + run + ": " + arm.label() + ", " + duration.toSeconds() + " s");
        AtomicLong scrapes = new AtomicLong();
        AtomicLong scrapeBytes = new AtomicLong();
        ScheduledExecutorService scraper =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "metrics-scraper");
                            t.setDaemon(true);
                            return t;
                        });
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (NodeWatch watch = new NodeWatch(kafka.properties(), topics.nodeProfiles());
                LocalPipeline pipeline =
                        PipelineRuns.startPipeline(
                                kafka,
                                catalogText,
                                topics,
                                "coedge",
                                "coedge",
                                sidecars,
                                models,
                                work,
                                metricsPort,
                                watch,
                                progress)) {
            if (arm.reporter()) {
                scrapeEverySecond(scraper, http, metricsPort, scrapes, scrapeBytes);
            }
            long cpu0 = PipelineRuns.processCpuNanos();
            long sent = send(catalog, cameras, topics, duration, run);
            List<Long> overheads = new ArrayList<>();
            List<Long> startWaits = new ArrayList<>();
            List<Long> latencies = new ArrayList<>();
            ResultsTable table =
                    PipelineRuns.readResults(
                            kafka,
                            topics,
                            catalog,
                            sent,
                            r -> {
                                Long overhead = PipelineRuns.overheadMs(r);
                                if (overhead != null) {
                                    overheads.add(overhead);
                                    startWaits.add(r.inferenceStartTs() - r.dispatchTs());
                                    latencies.add(r.emitTs() - r.captureTs());
                                }
                            },
                            () -> {});
            double cpuMsPerFrame =
                    (PipelineRuns.processCpuNanos() - cpu0) / 1e6 / Math.max(1, sent);
            scraper.shutdownNow();
            List<ResultsTable.Row> rows = table.rows();
            double missRate = rows.isEmpty() ? Double.NaN : rows.get(rows.size() - 1).missRate();
            double[] ms = sorted(overheads);
            double[] waits = sorted(startWaits);
            double[] lat = sorted(latencies);
            Round round =
                    new Round(
                            run,
                            arm.label(),
                            sent,
                            table.frames(),
                            missRate,
                            ms.length,
                            ms.length == 0 ? Double.NaN : Stats.quantile(ms, 0.5),
                            Arrays.stream(ms).average().orElse(Double.NaN),
                            ms.length == 0 ? Double.NaN : Stats.quantile(ms, 0.99),
                            waits.length == 0 ? Double.NaN : Stats.quantile(waits, 0.5),
                            Arrays.stream(waits).average().orElse(Double.NaN),
                            lat.length == 0 ? Double.NaN : Stats.quantile(lat, 0.5),
                            cpuMsPerFrame,
                            scrapes.get(),
                            scrapeBytes.get());
            progress.accept(
                    String.format(
                            Locale.ROOT,
                            "round %d (%s): %d/%d results, DMR %.2f%%, overhead p50 %.1f ms,"
                                    + " mean %.2f ms",
                            run,
                            arm.label(),
                            table.frames(),
                            sent,
                            missRate * 100,
                            round.p50Ms(),
                            round.meanMs()));
            return round;
        } finally {
            scraper.shutdownNow();
        }
    }

    private long send(
            Catalog catalog, Cameras cameras, TopicsConfig topics, Duration duration, int run)
            throws Exception {
        if (cameras instanceof Cameras.Videos videos) {
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(
                            CameraSimulator.producerProperties(kafka.properties()),
                            new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                return sendVideos(catalog, videos, topics, duration, producer);
            }
        }
        return PipelineRuns.send(
                        kafka, PipelineRuns.synthetic(catalog, topics.frames(), duration, run))
                .sent();
    }

    /** One producer per video (each at its own task's rate), run side by side. */
    private long sendVideos(
            Catalog catalog,
            Cameras.Videos videos,
            TopicsConfig topics,
            Duration duration,
            KafkaProducer<byte[], byte[]> producer)
            throws Exception {
        List<VideoProducer> players = new ArrayList<>();
        List<TaskSpec> tasks = catalog.tasks();
        long first = System.currentTimeMillis();
        for (int i = 0; i < videos.files().size(); i++) {
            TaskSpec task = tasks.get(i % tasks.size());
            String camera =
                    i < tasks.size()
                            ? task.cameras().get(0)
                            : task.id() + "-video-" + (i / tasks.size());
            CameraSpec spec =
                    new CameraSpec(
                            camera,
                            task.id(),
                            task.origin(),
                            task.fps(),
                            task.frameWidth(),
                            task.frameHeight());
            VideoProducer player =
                    new VideoProducer(
                            List.of(new VideoProducer.Source(videos.files().get(i), spec)),
                            new VideoProducer.Options(
                                    topics.frames(),
                                    duration,
                                    0,
                                    true,
                                    task.fps(),
                                    3,
                                    null,
                                    null,
                                    first,
                                    videos.ffmpeg()));
            player.prepare(m -> {});
            players.add(player);
        }
        List<Thread> threads = new ArrayList<>();
        AtomicLong sent = new AtomicLong();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (VideoProducer p : players) {
            Thread t =
                    new Thread(
                            () -> {
                                try {
                                    sent.addAndGet(p.run(producer, r -> {}, progress).sent());
                                } catch (RuntimeException e) {
                                    failures.add(e);
                                }
                            },
                            "video-camera");
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(
                    "a video camera failed: " + failures.get(0).getMessage(), failures.get(0));
        }
        return sent.get();
    }

    private static void scrapeEverySecond(
            ScheduledExecutorService scraper,
            HttpClient http,
            int port,
            AtomicLong scrapes,
            AtomicLong bytes) {
        HttpRequest scrape =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(5))
                        .build();
        scraper.scheduleAtFixedRate(
                () -> {
                    try {
                        HttpResponse<byte[]> r =
                                http.send(scrape, HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() == 200) {
                            scrapes.incrementAndGet();
                            bytes.addAndGet(r.body().length);
                        }
                    } catch (IOException e) {
                        // counted by its absence: fewer scrapes than the run's seconds
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                0,
                1,
                TimeUnit.SECONDS);
    }

    private static double[] sorted(List<Long> values) {
        return values.stream().mapToDouble(Long::doubleValue).sorted().toArray();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The bench's table: every round, then the arms pooled and B's difference to A. */
    public static String markdown(Result result) {
        StringBuilder out = new StringBuilder();
        out.append(
                "| round | arm | frames | results | DMR | OK frames measured | overhead p50 ms | mean ms | p99 ms | dispatch -> inference start p50 / mean ms | latency p50 ms | CPU ms per frame | scrapes (KiB each) |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Round r : result.rounds()) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "| %d | %s | %d | %d | %.2f%% | %d | %.1f | %.2f | %.1f | %.1f / %.2f | %.1f | %.1f | %s |%n",
                            r.index(),
                            r.arm(),
                            r.sent(),
                            r.results(),
                            r.missRate() * 100,
                            r.samples(),
                            r.p50Ms(),
                            r.meanMs(),
                            r.p99Ms(),
                            r.startWaitP50Ms(),
                            r.startWaitMeanMs(),
                            r.latencyP50Ms(),
                            r.cpuMsPerFrame(),
                            r.scrapes() > 0
                                    ? r.scrapes()
                                            + " ("
                                            + r.scrapeBytes() / r.scrapes() / 1024
                                            + ")"
                                    : "-"));
        }
        String a = result.armA();
        String b = result.armB();
        out.append(
                String.format(
                        Locale.ROOT,
                        "%nPer-frame overhead, median of the rounds' p50: %s %.2f ms, %s %.2f ms,"
                                + " difference %+.2f ms. Mean over every frame: %.2f ms, %.2f ms,"
                                + " difference %+.2f ms. Dispatch -> inference start (queueing and"
                                + " pre-processing), mean: %.2f ms, %.2f ms. CPU of the job's process per"
                                + " frame: %.2f ms, %.2f ms. DMR: %.2f%%, %.2f%%.%n",
                        a,
                        result.p50(a),
                        b,
                        result.p50(b),
                        result.p50(b) - result.p50(a),
                        result.mean(a),
                        result.mean(b),
                        result.mean(b) - result.mean(a),
                        result.startWait(a),
                        result.startWait(b),
                        result.cpuPerFrame(a),
                        result.cpuPerFrame(b),
                        result.missRate(a) * 100,
                        result.missRate(b) * 100));
        return out.toString();
    }

    /** Quantiles of sorted samples (linear between neighbours). */
    static final class Stats {
        private Stats() {}

        static double quantile(double[] sorted, double q) {
            double pos = q * (sorted.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(sorted.length - 1, lo + 1);
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
        }
    }
}
