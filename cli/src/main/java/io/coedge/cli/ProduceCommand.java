package io.coedge.cli;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import io.coedge.kafka.KafkaReachability;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.camera.OriginRouting;
import io.coedge.kafka.camera.VideoProducer;
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
            "headers, paced to the wall clock. Stops after --duration or --count.",
            "With --video: real cameras from video files (H.264, H.265, MJPEG...; AVI/MP4/MKV) or RTSP/HTTP",
            "streams, decoded by the system's ffmpeg, one camera per --video; files are paced to their frame",
            "rate (or --fps) and stop at their end unless --loop; streams reconnect with back-off.",
            "With --origin-node (or --origin-partitions) each frame goes to the partition the running job reads on",
            "its camera's origin node, as the nodes announce it on the node-profiles topic."
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
            description =
                    "Stop after this long, e.g. 30s or 2m (default: 60s unless --count; with --video: the files' end, never for --loop or streams).")
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

    @Option(
            names = "--video",
            paramLabel = "FILE_OR_URL",
            description =
                    "A video file or stream URL (rtsp://...) to send as one camera (repeatable).")
    List<String> videos;

    @Option(
            names = "--camera",
            paramLabel = "ID",
            description =
                    "Camera id of each --video, in order (repeatable; default: the catalog's cameras, then <task>-cam-<n>). A catalog camera keeps its task and node.")
    List<String> cameraIds;

    @Option(names = "--loop", description = "Play --video files again from the start at their end.")
    boolean loop;

    @Option(
            names = "--quality",
            defaultValue = "3",
            description =
                    "JPEG quality of --video frames, ffmpeg's -q:v scale: 2 (best) to 31 (default: ${DEFAULT-VALUE}).")
    int quality;

    @Option(
            names = "--max-width",
            paramLabel = "W",
            description = "Downscale --video frames wider than W pixels (default: source size).")
    Integer maxWidth;

    @Option(
            names = "--ffmpeg",
            defaultValue = "ffmpeg",
            description =
                    "The ffmpeg executable for --video (default: ${DEFAULT-VALUE} on the PATH).")
    String ffmpeg;

    @Option(
            names = "--origin-node",
            paramLabel = "NODE",
            description =
                    "Be the cameras' producer on this node: only the cameras whose origin it is (all --video cameras), each"
                            + " frame to the partition the job reads on the node. Default: $COEDGE_NODE, which"
                            + " `coedge cluster exec NODE` sets.")
    String originNode;

    @Option(
            names = "--origin-partitions",
            description =
                    "Send each camera's frames to the partition the running job reads on the camera's origin node (the"
                            + " nodes announce it in their statuses); waits until they have. Implied by --origin-node.")
    boolean originPartitions;

    @Option(
            names = "--origin-wait",
            defaultValue = "120s",
            description =
                    "How long --origin-node/--origin-partitions wait for the nodes' announcements (default: ${DEFAULT-VALUE}).")
    Duration originWait;

    @Mixin KafkaOptions kafka;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Catalog catalog = CatalogLoader.load(Home.resolve(config));
        if (videos != null && !videos.isEmpty()) {
            return produceVideo(catalog);
        }
        if (cameraIds != null || loop) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--camera and --loop apply to --video only");
        }
        Duration runFor = duration == null && count <= 0 ? Duration.ofSeconds(60) : duration;
        String node = originNode(catalog);
        List<CameraSpec> specs = CameraSpec.fromCatalog(catalog, cameras, fps);
        if (node != null) {
            specs = specs.stream().filter(c -> c.origin().equals(node)).toList();
            if (specs.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(),
                        "no camera of the catalog has origin "
                                + node
                                + " (--origin-node or $COEDGE_NODE)");
            }
        }
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
                        new KafkaProducer<>(
                                p, new ByteArraySerializer(), new ByteArraySerializer());
                OriginRouting routing = originRouting(node, clients, producer, specs, progress)) {
            if (routing != null) {
                simulator.partitions(routing);
            }
            report = simulator.run(producer, r -> progress.update(r.describe()));
        }
        progress.done();
        spec.commandLine().getOut().println("coedge produce: " + report.describe());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private int produceVideo(Catalog catalog) throws InterruptedException {
        if (images != null) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "give --video or --images, not both");
        }
        List<String> ids = cameraIds == null ? List.of() : cameraIds;
        if (ids.size() > videos.size()) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "--camera given "
                            + ids.size()
                            + " times for "
                            + videos.size()
                            + " --video; give at most one --camera per --video");
        }
        List<CameraSpec> derived = CameraSpec.fromCatalog(catalog, videos.size(), fps);
        List<CameraSpec> all = CameraSpec.fromCatalog(catalog, null, fps);
        List<VideoProducer.Source> sources = new java.util.ArrayList<>();
        for (int i = 0; i < videos.size(); i++) {
            CameraSpec camera = derived.get(i);
            if (i < ids.size()) {
                String id = ids.get(i);
                camera =
                        all.stream()
                                .filter(c -> c.id().equals(id))
                                .findFirst()
                                .orElse(
                                        new CameraSpec(
                                                id,
                                                camera.task(),
                                                camera.origin(),
                                                camera.fps(),
                                                camera.width(),
                                                camera.height()));
            }
            sources.add(new VideoProducer.Source(videos.get(i), camera));
        }
        long first = firstSequence == null ? System.currentTimeMillis() : firstSequence;
        VideoProducer video =
                new VideoProducer(
                        sources,
                        new VideoProducer.Options(
                                kafka.framesTopic,
                                duration,
                                count,
                                loop,
                                fps,
                                quality,
                                maxWidth,
                                deadlineMs,
                                first,
                                ffmpeg));
        Progress progress = Progress.line("produce");
        java.io.PrintWriter err = spec.commandLine().getErr();
        video.prepare(
                line -> {
                    err.println("coedge produce: " + line);
                    err.flush();
                });
        KafkaClients clients = kafka.clients();
        KafkaReachability.check(clients, 10_000);
        TopicAdmin.createAll(clients.properties(), kafka.topics());
        err.printf(
                "coedge produce: %d video cameras to %s (%s)%n",
                sources.size(), kafka.framesTopic, clients.describe());
        err.flush();
        Properties p = CameraSimulator.producerProperties(clients.properties());
        VideoProducer.Report report;
        String node = originNode(catalog);
        try (KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(
                                p, new ByteArraySerializer(), new ByteArraySerializer());
                OriginRouting routing =
                        originRouting(
                                node,
                                clients,
                                producer,
                                sources.stream().map(VideoProducer.Source::camera).toList(),
                                progress)) {
            if (routing != null) {
                video.partitions(routing);
            }
            report =
                    video.run(
                            producer,
                            r -> progress.update(r.describe()),
                            line -> {
                                progress.done();
                                err.println("coedge produce: " + line);
                                err.flush();
                            });
        }
        progress.done();
        var out = spec.commandLine().getOut();
        for (VideoProducer.CameraReport c : report.cameras()) {
            out.printf(
                    java.util.Locale.ROOT,
                    "coedge produce: camera %s (%s): %d decoded, %d sent, %d acked, %d failed, %d dropped, %d reconnects, at most %.1f ms late%s%n",
                    c.camera(),
                    c.input(),
                    c.decoded(),
                    c.sent(),
                    c.acked(),
                    c.failed(),
                    c.dropped(),
                    c.reconnects(),
                    c.lateMaxMs(),
                    c.lastError() == null ? "" : "; last error: " + c.lastError());
        }
        out.println("coedge produce: " + report.describe());
        out.flush();
        return report.failed() > 0 ? 1 : 0;
    }

    /** --origin-node, else $COEDGE_NODE; null when neither names a node. */
    private String originNode(Catalog catalog) {
        String node = originNode;
        if (node == null) {
            String env = System.getenv("COEDGE_NODE");
            node = env == null || env.isBlank() ? null : env.trim();
        }
        if (node != null && catalog.node(node).isEmpty()) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "--origin-node "
                            + node
                            + " is not a node of the catalog; nodes are "
                            + catalog.nodes().stream().map(n -> n.id()).toList());
        }
        return node;
    }

    /**
     * With an origin node or --origin-partitions: follows the nodes' statuses and waits until every
     * camera's origin has announced the source subtask that runs on it; null otherwise.
     */
    private OriginRouting originRouting(
            String node,
            KafkaClients clients,
            KafkaProducer<byte[], byte[]> producer,
            List<CameraSpec> cameras,
            Progress progress)
            throws InterruptedException {
        if (node == null && !originPartitions) {
            return null;
        }
        int partitions = producer.partitionsFor(kafka.framesTopic).size();
        OriginRouting routing =
                new OriginRouting(
                        clients.properties(), kafka.profilesTopic, kafka.framesTopic, partitions);
        try {
            routing.awaitAnnounced(
                    cameras.stream().map(CameraSpec::origin).distinct().toList(),
                    originWait,
                    progress::update);
        } catch (IllegalStateException | InterruptedException e) {
            routing.close();
            throw e;
        }
        progress.done();
        System.err.println(
                "coedge produce: frames to the partition read on their origin node "
                        + routing.partitions()
                        + (node == null ? "" : " (producing on " + node + ")"));
        return routing;
    }
}
