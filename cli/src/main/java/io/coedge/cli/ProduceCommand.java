package io.coedge.cli;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import io.coedge.kafka.KafkaReachability;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.KafkaClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = {
            "Simulate the catalog's cameras: synthetic street scenes (or --images) as JPEG frames with the CoEdge",
            "headers, paced to the wall clock. Stops after --duration or --count."
        })
final class ProduceCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            defaultValue = "config/demo.yaml",
            description = "Task catalog (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(
            names = "--cameras",
            description =
                    "Number of cameras, spread over the catalog's tasks (default: the catalog's).")
    Integer cameras;

    @Option(names = "--fps", description = "Frames per second per camera (default: each task's).")
    Double fps;

    @Option(
            names = "--duration",
            description = "Stop after this long, e.g. 30s or 2m (default: 60s unless --count).")
    Duration duration;

    @Option(
            names = "--count",
            defaultValue = "0",
            description = "Stop after this many frames in total.")
    long count;

    @Option(
            names = "--images",
            paramLabel = "DIR",
            description = "Replay these JPEG/PNG files instead of drawing scenes.")
    Path images;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Scene seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--loop-frames",
            defaultValue = "30",
            description =
                    "Frames drawn per camera before its scene repeats (default: ${DEFAULT-VALUE}).")
    int loopFrames;

    @Option(
            names = "--deadline-ms",
            description =
                    "Send this relative deadline in every frame (default: the task's, from the catalog).")
    Long deadlineMs;

    @Option(
            names = "--first-sequence",
            description =
                    "Sequence number of each camera's first frame (default: the start time in ms, so runs never reuse a frame identity).")
    Long firstSequence;

    @Mixin KafkaOptions kafka;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Catalog catalog = CatalogLoader.load(Home.resolve(config));
        Duration runFor = duration == null && count <= 0 ? Duration.ofSeconds(60) : duration;
        List<CameraSpec> specs = CameraSpec.fromCatalog(catalog, cameras, fps);
        long first = firstSequence == null ? System.currentTimeMillis() : firstSequence;
        CameraSimulator simulator =
                new CameraSimulator(
                        specs,
                        new CameraSimulator.Options(
                                kafka.framesTopic,
                                runFor,
                                count,
                                images,
                                loopFrames,
                                seed,
                                deadlineMs,
                                first));
        KafkaClients clients = kafka.clients();
        KafkaReachability.check(clients, 10_000);
        TopicAdmin.createAll(clients.properties(), kafka.topics());
        System.err.printf(
                "coedge produce: %d cameras, %.1f frames/s in total, to %s (%s)%n",
                specs.size(), simulator.targetFps(), kafka.framesTopic, clients.describe());
        Progress progress = Progress.line("produce");
        simulator.prepare(progress::update);
        Properties p = CameraSimulator.producerProperties(clients.properties());
        CameraSimulator.Report report;
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            report = simulator.run(producer, r -> progress.update(r.describe()));
        }
        progress.done();
        spec.commandLine().getOut().println("coedge produce: " + report.describe());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
