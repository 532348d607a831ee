package io.coedge.deploy.local;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.SidecarSupervisor;
import io.coedge.deploy.metrics.PrometheusReporting;
import io.coedge.jobs.CoEdgeJob;
import io.coedge.models.ModelGenerator;
import io.coedge.operators.batch.BatcherConfig;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * CoEdgeJob on a local Flink MiniCluster (web UI on 127.0.0.1), with one sidecar process per node
 * unless the caller says where the sidecars are: what {@code coedge run} and {@code coedge demo}
 * start.
 */
public final class LocalPipeline implements AutoCloseable {
    private final SidecarSupervisor sidecars;
    private final JobClient job;

    private LocalPipeline(SidecarSupervisor sidecars, JobClient job) {
        this.sidecars = sidecars;
        this.job = job;
    }

    /**
     * @param delivery the results sink's delivery mode ({@code --delivery})
     * @param sidecarAddresses node -> host:port of sidecars already running; the others are started
     * @param models model repository for started sidecars; generated there when empty
     * @param workDir logs and generated files
     * @param metricsPort Flink's Prometheus reporter on 127.0.0.1 (the MiniCluster has one metric
     *     registry: one port for the JobManager and its TaskManager); 0 starts none
     */
    public static LocalPipeline start(
            CatalogText catalogText,
            KafkaClients kafka,
            TopicsConfig topics,
            String dispatch,
            String batch,
            CoEdgeJob.Delivery delivery,
            Map<String, String> sidecarAddresses,
            Path models,
            Path workDir,
            int webPort,
            int metricsPort,
            Consumer<String> progress)
            throws Exception {
        Catalog catalog = catalogText.parse();
        Map<String, Integer> toStart = new LinkedHashMap<>();
        for (NodeSpec n : catalog.nodes()) {
            if (!sidecarAddresses.containsKey(n.id())) {
                toStart.put(n.id(), n.sidecarPort());
            }
        }
        SidecarSupervisor started = null;
        Map<String, String> addresses = new LinkedHashMap<>(sidecarAddresses);
        if (!toStart.isEmpty()) {
            ensureModels(models, progress);
            progress.accept(
                    "starting "
                            + toStart.size()
                            + " sidecars (one per node; warm-up measures every batch size)");
            started =
                    SidecarSupervisor.startLocal(
                            models,
                            toStart,
                            workDir.resolve("logs"),
                            Duration.ofMinutes(3),
                            progress);
            addresses.putAll(started.addresses());
        }
        try {
            Configuration conf = new Configuration();
            conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            conf.set(RestOptions.ADDRESS, "127.0.0.1");
            conf.set(RestOptions.PORT, webPort);
            // Every other server of the MiniCluster on loopback too: the BLOB server listens on
            // the JobManager's bind host (all interfaces unless set), RPC on both bind hosts.
            conf.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
            conf.set(JobManagerOptions.ADDRESS, "127.0.0.1");
            conf.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
            conf.set(TaskManagerOptions.HOST, "127.0.0.1");
            if (metricsPort > 0) {
                conf.addAll(
                        Configuration.fromMap(
                                PrometheusReporting.config(
                                        "127.0.0.1", String.valueOf(metricsPort))));
            }
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
            env.setParallelism(catalog.nodes().size());
            env.enableCheckpointing(2000);
            CoEdgeJob job =
                    new CoEdgeJob(
                            new CoEdgeJob.Options(
                                    catalogText,
                                    dispatch,
                                    BatcherConfig.defaults(catalogText, batch, true)
                                            .withSidecars(addresses),
                                    CoEdgeJob.DEFAULT_STALE_AFTER_MS));
            job.build(
                    CoEdgeJob.kafkaSources(env, kafka.properties(), topics, "coedge-local"),
                    CoEdgeJob.kafkaSinks(
                            kafka.properties(),
                            topics,
                            "coedge-local-" + System.currentTimeMillis(),
                            delivery));
            progress.accept(
                    "starting the Flink job on a MiniCluster (web UI http://127.0.0.1:"
                            + webPort
                            + (metricsPort > 0
                                    ? ", metrics http://127.0.0.1:" + metricsPort + "/metrics"
                                    : "")
                            + ")");
            JobClient client =
                    env.executeAsync("CoEdge (" + dispatch + " dispatch, " + batch + " batching)");
            return new LocalPipeline(started, client);
        } catch (Exception e) {
            if (started != null) {
                started.close();
            }
            throw e;
        }
    }

    /** Writes the generated model repository when {@code dir} holds no model yet. */
    public static void ensureModels(Path dir, Consumer<String> progress) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    return;
                }
            }
        }
        progress.accept(
                "generating models into "
                        + dir
                        + " (yolo-big, yolo-small, vgg, resnet; seeded random weights)");
        new ModelGenerator(42, ModelGenerator.Scale.FULL).generateAll(dir);
    }

    public JobClient job() {
        return job;
    }

    /**
     * Restarts a sidecar process this pipeline started whenever it exits (what {@code
     * --restart-sidecars} asks for); sidecars given by address are someone else's to supervise.
     */
    public LocalPipeline restartDeadSidecars(Consumer<String> progress) {
        if (sidecars != null) {
            sidecars.restartDeadSidecars(progress);
        }
        return this;
    }

    @Override
    public void close() {
        try {
            job.cancel().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // The job may already have ended (or the JVM is stopping); the sidecars are stopped
            // regardless.
        }
        if (sidecars != null) {
            sidecars.close();
        }
    }
}
