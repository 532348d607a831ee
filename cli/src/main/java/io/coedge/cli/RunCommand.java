package io.coedge.cli;

import io.coedge.catalog.CatalogText;
import io.coedge.deploy.local.LocalPipeline;
import io.coedge.kafka.KafkaReachability;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.KafkaClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run CoEdgeJob on a local Flink MiniCluster (web UI on 127.0.0.1) against any Kafka, starting one",
            "sidecar process per node of the catalog unless --sidecar says where it runs."
        })
final class RunCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            defaultValue = "config/demo.yaml",
            description = "Task catalog (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(
            names = "--sidecar",
            paramLabel = "NODE=HOST:PORT",
            description = "A node's sidecar that already runs (repeatable).")
    Map<String, String> sidecars = new LinkedHashMap<>();

    @Option(
            names = "--models",
            defaultValue = ".coedge/models",
            description =
                    "Model repository for started sidecars; generated when empty (default: ${DEFAULT-VALUE}).")
    Path models;

    @Option(names = "--duration", description = "Stop after this long (default: until Ctrl-C).")
    Duration duration;

    @Mixin KafkaOptions kafka;

    @Mixin LocalPipelineOptions options;

    @Override
    public Integer call() throws Exception {
        CatalogText catalog = CatalogText.read(Home.resolve(config));
        KafkaClients clients = kafka.clients();
        KafkaReachability.check(clients, 10_000);
        TopicAdmin.createAll(clients.properties(), kafka.topics());
        Progress progress = Progress.line("run");
        Path work = Home.workDir();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // Ctrl-C or SIGTERM: the JVM exits once its shutdown hooks return, so this one waits for
        // the
        // pipeline's close (job cancelled, sidecars stopped; the sidecars' own hook stops them
        // anyway).
        Thread onSignal =
                new Thread(
                        () -> {
                            stop.countDown();
                            try {
                                closed.await(20, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "coedge-run-stop");
        try {
            try (LocalPipeline pipeline =
                    options.start(
                            catalog,
                            clients,
                            kafka.topics(),
                            sidecars,
                            Home.resolveWork(models),
                            work,
                            progress::update)) {
                Runtime.getRuntime().addShutdownHook(onSignal);
                System.err.printf(
                        "coedge run: job %s running; web UI http://127.0.0.1:%d; results on %s (%s); Ctrl-C stops it%n",
                        pipeline.job().getJobID(),
                        options.webPort,
                        kafka.resultsTopic,
                        clients.describe());
                if (duration == null) {
                    stop.await();
                } else {
                    stop.await(duration.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
