package io.coedge.benchmarks;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.SidecarSupervisor;
import io.coedge.deploy.local.LocalPipeline;
import io.coedge.format.FrameResult;
import io.coedge.jobs.CoEdgeJob;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
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
import java.util.LinkedHashMap;
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
 * What the job's metrics cost a frame: the same catalog and policies on the same sidecars, run
 * alternately without Flink's Prometheus reporter and with it (scraped every second, as the tests'
 * Prometheus does), in one process. Per-frame overhead is the pipeline's time outside queueing and
 * inference: (dispatch - capture) + (emit - inference end), the figure the policies bench reports.
 * The job's metrics themselves are registered in both arms (Flink keeps them without a reporter);
 * what differs is the reporter and its scrapes.
 *
 * <p>The order is ABBA... (off, on, on, off, ...) so a drift of the machine over the run falls on
 * both arms alike.
 */
public final class MetricsOverheadBench {

    /** One run of the catalog with or without the reporter. */
    public record Round(
            int index,
            boolean reporter,
            long sent,
            long results,
            long samples,
            double p50Ms,
            double meanMs,
            double p99Ms,
            long scrapes,
            long scrapeBytes) {}

    /** Every round, and the arms pooled. */
    public record Result(List<Round> rounds) {
        public double p50(boolean reporter) {
            return pooled(reporter, 0.5);
        }

        public double mean(boolean reporter) {
            return rounds.stream()
                            .filter(r -> r.reporter() == reporter)
                            .mapToDouble(r -> r.meanMs() * r.samples())
                            .sum()
                    / Math.max(
                            1,
                            rounds.stream()
                                    .filter(r -> r.reporter() == reporter)
                                    .mapToLong(Round::samples)
                                    .sum());
        }

        private double pooled(boolean reporter, double q) {
            // The median of the rounds' medians: each round is one sample of the machine's state.
            double[] p =
                    rounds.stream()
                            .filter(r -> r.reporter() == reporter)
                            .mapToDouble(Round::p50Ms)
                            .sorted()
                            .toArray();
            return p.length == 0 ? Double.NaN : Stats.quantile(p, q);
        }
    }

    private final KafkaClients kafka;
    private final Path work;
    private final Consumer<String> progress;
    private int runs;

    public MetricsOverheadBench(KafkaClients kafka, Path work, Consumer<String> progress) {
        this.kafka = kafka;
        this.work = work;
        this.progress = progress;
    }

    /**
     * Runs {@code pairs} pairs of rounds (one without, one with the reporter, in ABBA order) of
     * {@code duration} each, after one unreported warm-up round.
     */
    public Result run(
            CatalogText catalogText, Duration duration, int pairs, Duration warmUp, Path models)
            throws Exception {
        Catalog catalog = catalogText.parse();
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (NodeSpec n : catalog.nodes()) {
            ports.put(n.id(), n.sidecarPort());
        }
        LocalPipeline.ensureModels(models, progress);
        List<Round> rounds = new ArrayList<>();
        try (SidecarSupervisor sidecars =
                SidecarSupervisor.startLocal(
                        models, ports, work.resolve("logs"), Duration.ofMinutes(3), progress)) {
            if (!warmUp.isZero()) {
                progress.accept("warm-up (not reported), " + warmUp.toSeconds() + " s");
                round(catalogText, catalog, false, warmUp, models, sidecars.addresses());
            }
            for (int i = 0; i < 2 * pairs; i++) {
                // off, on, on, off, off, on, ...
                boolean reporter = (i % 4 == 1) || (i % 4 == 2);
                rounds.add(
                        round(
                                catalogText,
                                catalog,
                                reporter,
                                duration,
                                models,
                                sidecars.addresses()));
            }
        }
        return new Result(rounds);
    }

    private Round round(
            CatalogText catalogText,
            Catalog catalog,
            boolean reporter,
            Duration duration,
            Path models,
            Map<String, String> sidecars)
            throws Exception {
        int run = ++runs;
        TopicsConfig topics =
                new TopicsConfig(
                        "metrics" + run + ".frames",
                        "metrics" + run + ".results",
                        "metrics" + run + ".dlq",
                        "metrics" + run + ".profiles",
                        3);
        TopicAdmin.createAll(kafka.properties(), topics);
        int metricsPort = reporter ? freePort() : 0;
        progress.accept(
                "round "
                        + run
                        + (reporter
                                ? ": with the Prometheus reporter on 127.0.0.1:" + metricsPort
                                : ": without a reporter")
                        + ", "
                        + duration.toSeconds()
                        + " s");
        List<String> nodes = catalog.nodes().stream().map(NodeSpec::id).toList();
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
                        LocalPipeline.start(
                                catalogText,
                                kafka,
                                topics,
                                "coedge",
                                "coedge",
                                CoEdgeJob.Delivery.EXACTLY_ONCE,
                                sidecars,
                                models,
                                work,
                                18081,
                                metricsPort,
                                progress)) {
            watch.awaitHealthy(nodes, Duration.ofMinutes(2));
            if (reporter) {
                HttpRequest scrape =
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                                .timeout(Duration.ofSeconds(5))
                                .build();
                scraper.scheduleAtFixedRate(
                        () -> {
                            try {
                                HttpResponse<byte[]> r =
                                        http.send(scrape, HttpResponse.BodyHandlers.ofByteArray());
                                if (r.statusCode() == 200) {
                                    scrapes.incrementAndGet();
                                    scrapeBytes.addAndGet(r.body().length);
                                }
                            } catch (IOException e) {
                                // counted by its absence: scrapes below the run's seconds
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        0,
                        1,
                        TimeUnit.SECONDS);
            }
            CameraSimulator cameras =
                    new CameraSimulator(
                            CameraSpec.fromCatalog(catalog, null, null),
                            new CameraSimulator.Options(
                                    topics.frames(), duration, 0, null, 30, run, null, 0));
            cameras.prepare(m -> {});
            CameraSimulator.Report sent;
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(
                            CameraSimulator.producerProperties(kafka.properties()),
                            new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                sent = cameras.run(producer, r -> {});
            }
            List<Long> overheads = new ArrayList<>();
            long maxDeadline =
                    catalog.tasks().stream().mapToLong(t -> t.deadlineMs()).max().orElse(1000);
            long results;
            try (ResultsReader reader =
                    new ResultsReader(kafka.properties(), topics.results(), true)) {
                long until =
                        System.nanoTime()
                                + Duration.ofMillis(maxDeadline).plusSeconds(30).toNanos();
                while (reader.table().frames() < sent.sent() && System.nanoTime() < until) {
                    reader.poll(
                            Duration.ofMillis(200),
                            r -> {
                                if (r.status() == FrameResult.Status.OK
                                        && r.dispatchTs() != null
                                        && r.inferenceEndTs() != null) {
                                    overheads.add(
                                            (r.dispatchTs() - r.captureTs())
                                                    + (r.emitTs() - r.inferenceEndTs()));
                                }
                            });
                }
                results = reader.table().frames();
            }
            scraper.shutdownNow();
            double[] ms = overheads.stream().mapToDouble(Long::doubleValue).sorted().toArray();
            Round round =
                    new Round(
                            run,
                            reporter,
                            sent.sent(),
                            results,
                            ms.length,
                            ms.length == 0 ? Double.NaN : Stats.quantile(ms, 0.5),
                            Arrays.stream(ms).average().orElse(Double.NaN),
                            ms.length == 0 ? Double.NaN : Stats.quantile(ms, 0.99),
                            scrapes.get(),
                            scrapeBytes.get());
            progress.accept(
                    String.format(
                            Locale.ROOT,
                            "round %d (%s): %d/%d results, overhead p50 %.1f ms, mean %.2f ms,"
                                    + " %d scrapes",
                            run,
                            reporter ? "reporter" : "no reporter",
                            results,
                            sent.sent(),
                            round.p50Ms(),
                            round.meanMs(),
                            scrapes.get()));
            return round;
        } finally {
            scraper.shutdownNow();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The bench's table: every round, then the arms pooled and their difference. */
    public static String markdown(Result result) {
        StringBuilder out = new StringBuilder();
        out.append(
                "| round | Prometheus reporter | frames | results | OK frames measured | overhead p50 ms | mean ms | p99 ms | scrapes (KiB each) |\n");
        out.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Round r : result.rounds()) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "| %d | %s | %d | %d | %d | %.1f | %.2f | %.1f | %s |%n",
                            r.index(),
                            r.reporter() ? "on, scraped every 1 s" : "off",
                            r.sent(),
                            r.results(),
                            r.samples(),
                            r.p50Ms(),
                            r.meanMs(),
                            r.p99Ms(),
                            r.reporter()
                                    ? r.scrapes()
                                            + " ("
                                            + (r.scrapes() == 0
                                                    ? 0
                                                    : r.scrapeBytes() / r.scrapes() / 1024)
                                            + ")"
                                    : "-"));
        }
        out.append(
                String.format(
                        Locale.ROOT,
                        "%nPer-frame overhead, median of the rounds' p50: without %.2f ms, with %.2f ms,"
                                + " added %+.2f ms. Mean over every frame: without %.2f ms, with %.2f ms, added"
                                + " %+.2f ms.%n",
                        result.p50(false),
                        result.p50(true),
                        result.p50(true) - result.p50(false),
                        result.mean(false),
                        result.mean(true),
                        result.mean(true) - result.mean(false)));
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
