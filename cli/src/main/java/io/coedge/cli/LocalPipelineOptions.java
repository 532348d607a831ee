package io.coedge.cli;

import io.coedge.catalog.CatalogText;
import io.coedge.deploy.local.LocalPipeline;
import io.coedge.jobs.CoEdgeJob;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** The options of the local pipeline that {@code coedge run} and {@code coedge demo} share. */
final class LocalPipelineOptions {
    @Option(
            names = "--dispatch",
            defaultValue = "coedge",
            description = "coedge, no-offloading or naive-global (default: ${DEFAULT-VALUE}).")
    String dispatch;

    @Option(
            names = "--delivery",
            defaultValue = "exactly-once",
            paramLabel = "MODE",
            converter = DeliveryConverter.class,
            description = DeliveryConverter.DESCRIPTION)
    CoEdgeJob.Delivery delivery;

    @Option(
            names = "--batch",
            defaultValue = "coedge",
            description =
                    "coedge, fifo, triton, deepstream or clockwork (default: ${DEFAULT-VALUE}).")
    String batch;

    @Option(
            names = "--web-port",
            defaultValue = "8081",
            description = "Flink web UI port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int webPort;

    @Option(
            names = "--metrics-port",
            defaultValue = "9249",
            description =
                    "Flink's Prometheus reporter port on 127.0.0.1, /metrics (0: none; default:"
                            + " ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(
            names = "--restart-sidecars",
            description = "Restart a node's sidecar process when it dies.")
    boolean restartSidecars;

    /**
     * Starts the local pipeline with these options: sidecar processes for the nodes {@code
     * sidecars} does not name, restarted when they die if {@code --restart-sidecars} says so.
     */
    LocalPipeline start(
            CatalogText catalog,
            KafkaClients clients,
            TopicsConfig topics,
            Map<String, String> sidecars,
            Path models,
            Path work,
            Consumer<String> progress)
            throws Exception {
        LocalPipeline pipeline =
                LocalPipeline.start(
                        catalog,
                        clients,
                        topics,
                        dispatch,
                        batch,
                        delivery,
                        sidecars,
                        models,
                        work,
                        webPort,
                        metricsPort,
                        progress);
        if (restartSidecars) {
            try {
                pipeline.restartDeadSidecars(progress);
            } catch (RuntimeException e) {
                pipeline.close();
                throw e;
            }
        }
        return pipeline;
    }
}
