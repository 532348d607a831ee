package io.coedge.benchmarks;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.NodeSpec;
import io.coedge.catalog.TaskSpec;
import io.coedge.deploy.SidecarSupervisor;
import io.coedge.deploy.local.LocalPipeline;
import io.coedge.format.FrameResult;
import io.coedge.jobs.CoEdgeJob;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.results.ResultsTable;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The steps every bench of the local pipeline takes around a run: the catalog's sidecars, a run's
 * own topics, the catalog's synthetic cameras, and reading the results back.
 */
final class PipelineRuns {
    private PipelineRuns() {}

    /** One sidecar process per catalog node, on its catalog port, serving {@code models}. */
    static SidecarSupervisor startSidecars(
            Catalog catalog, Path models, Path work, Consumer<String> progress) throws Exception {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (NodeSpec n : catalog.nodes()) {
            ports.put(n.id(), n.sidecarPort());
        }
        LocalPipeline.ensureModels(models, progress);
        return SidecarSupervisor.startLocal(
                models, ports, work.resolve("logs"), Duration.ofMinutes(3), progress);
    }

    /** The four topics of one run, named {@code <prefix>.frames} and so on, created. */
    static TopicsConfig createTopics(KafkaClients kafka, String prefix) throws Exception {
        TopicsConfig topics = TopicsConfig.prefixed(prefix, 3);
        TopicAdmin.createAll(kafka.properties(), topics);
        return topics;
    }

    /**
     * The local pipeline on a run's topics (web UI on the benches' port 18081, Prometheus reporter
     * on {@code metricsPort}, 0 for none), returned once every catalog node reports healthy on
     * {@code watch}.
     */
    static LocalPipeline startPipeline(
            KafkaClients kafka,
            CatalogText catalogText,
            TopicsConfig topics,
            String dispatch,
            String batch,
            Map<String, String> sidecars,
            Path models,
            Path work,
            int metricsPort,
            NodeWatch watch,
            Consumer<String> progress)
            throws Exception {
        LocalPipeline pipeline =
                LocalPipeline.start(
                        catalogText,
                        kafka,
                        topics,
                        dispatch,
                        batch,
                        CoEdgeJob.Delivery.EXACTLY_ONCE,
                        sidecars,
                        models,
                        work,
                        18081,
                        metricsPort,
                        progress);
        try {
            watch.awaitHealthy(
                    catalogText.parse().nodes().stream().map(NodeSpec::id).toList(),
                    Duration.ofMinutes(2));
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
        return pipeline;
    }

    /**
     * A frame's time outside queueing and inference, ms: capture to dispatch plus inference end to
     * emit; null for a frame that was not inferred (not OK, or without those timestamps).
     */
    static Long overheadMs(FrameResult r) {
        if (r.status() != FrameResult.Status.OK
                || r.dispatchTs() == null
                || r.inferenceEndTs() == null) {
            return null;
        }
        return (r.dispatchTs() - r.captureTs()) + (r.emitTs() - r.inferenceEndTs());
    }

    /** CPU time this JVM has used so far, ns. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Every camera of the catalog for {@code duration}, drawn scenes at the catalog's rates. */
    static CameraSimulator synthetic(
            Catalog catalog, String framesTopic, Duration duration, long seed) {
        CameraSimulator cameras =
                new CameraSimulator(
                        CameraSpec.fromCatalog(catalog, null, null),
                        new CameraSimulator.Options(
                                framesTopic, duration, 0, null, 30, seed, null, 0));
        cameras.prepare(m -> {});
        return cameras;
    }

    /** Runs prepared cameras to their end through a producer of their own. */
    static CameraSimulator.Report send(KafkaClients kafka, CameraSimulator cameras) {
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(
                        CameraSimulator.producerProperties(kafka.properties()),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            return cameras.run(producer, r -> {});
        }
    }

    /**
     * Reads committed results until {@code expected} are in, or the catalog's longest deadline plus
     * 30 s have passed; {@code each} sees every result, {@code between} runs between polls.
     */
    static ResultsTable readResults(
            KafkaClients kafka,
            TopicsConfig topics,
            Catalog catalog,
            long expected,
            Consumer<FrameResult> each,
            Runnable between)
            throws Exception {
        long maxDeadline =
                catalog.tasks().stream().mapToLong(TaskSpec::deadlineMs).max().orElse(1000);
        try (ResultsReader reader = new ResultsReader(kafka.properties(), topics.results(), true)) {
            long until =
                    System.nanoTime() + Duration.ofMillis(maxDeadline).plusSeconds(30).toNanos();
            while (reader.table().frames() < expected && System.nanoTime() < until) {
                reader.poll(Duration.ofMillis(200), each);
                between.run();
            }
            return reader.table();
        }
    }
}
