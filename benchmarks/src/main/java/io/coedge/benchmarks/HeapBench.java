package io.coedge.benchmarks;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.ClusterState;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.JobArguments;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.camera.SceneRenderer;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.TopicsConfig;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Heap high-water of one node's TaskManager while frames at the decoder's limit (7680x4320 JPEGs,
 * {@code DecoderLimits}) stream through it, beside the same node under ordinary frames at the same
 * rate first (the baseline). One node of the process cluster ({@link BenchCluster}: its own
 * TaskManager process with the cluster's configured heap, its sidecar, Kafka), the catalog's first
 * node and {@code yolo-small}; the TaskManager's GC log is turned on in the running JVM with {@code
 * jcmd VM.log} and read per phase ({@link GcLog}).
 */
public final class HeapBench {
    static final int WIDTH = 7680;
    static final int HEIGHT = 4320;

    /** Keep encoded frames below the decoder's 16 MiB value limit. */
    static final int MAX_ENCODED = 15 << 20;

    /**
     * @param sidecarPort the node's sidecar port
     * @param fps frames per second in each phase
     * @param phase how long each phase sends
     */
    public record Options(
            int sidecarPort, double fps, Duration phase, Path jar, Path models, Path dir) {}

    /** One phase: what was sent, how it ended, the GC log over it. */
    public record Phase(
            String name,
            int width,
            int height,
            int encodedBytes,
            long sent,
            Map<String, Long> statuses,
            GcLog.Summary gc) {}

    /** The run: the TaskManager's configured heap ({@code -Xmx}) and both phases. */
    public record Result(String xmx, List<Phase> phases, String oom) {}

    private final Options options;
    private final Consumer<String> progress;

    public HeapBench(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    public Result run() throws Exception {
        Files.createDirectories(options.dir());
        Path catalogFile = options.dir().resolve("heap.yaml");
        Files.writeString(catalogFile, catalog(options.sidecarPort(), options.fps()));
        Catalog catalog = CatalogText.read(catalogFile).parse();
        progress.accept("rendering " + WIDTH + "x" + HEIGHT + " frames...");
        Path large = options.dir().resolve("frames-8k");
        int encoded = writeLargeFrames(large, 3);
        progress.accept(
                String.format(
                        Locale.ROOT,
                        "3 frames of %dx%d, %.1f MiB each (largest)",
                        WIDTH,
                        HEIGHT,
                        encoded / 1048576.0));
        List<NodeSpec> nodes = catalog.nodes();
        try (BenchCluster cluster =
                BenchCluster.start(
                        nodes,
                        catalogFile,
                        options.dir().resolve("cluster"),
                        options.models(),
                        progress)) {
            String name = "heap-" + Long.toString(System.currentTimeMillis(), 36);
            TopicsConfig topics = TopicsConfig.prefixed(name, 1);
            Properties client = cluster.client();
            TopicAdmin.createAll(client, topics);
            FlinkSession rest = cluster.session();
            String jobId;
            try (NodeWatch watch = new NodeWatch(client, topics.nodeProfiles())) {
                watch.poll(Duration.ofMillis(100));
                jobId =
                        rest.submit(
                                options.jar(),
                                JobArguments.ENTRY_CLASS,
                                List.of(
                                        "--config", catalogFile.toString(),
                                        "--bootstrap", cluster.bootstrap(),
                                        "--frames-topic", topics.frames(),
                                        "--results-topic", topics.results(),
                                        "--dlq-topic", topics.deadLetters(),
                                        "--profiles-topic", topics.nodeProfiles(),
                                        "--partitions", "1",
                                        "--name", name),
                                progress);
                rest.awaitRunning(jobId, Duration.ofMinutes(5));
                watch.awaitHealthy(List.of(nodes.get(0).id()), Duration.ofMinutes(5));
            }
            ClusterState.Proc tm = cluster.process("taskmanager", nodes.get(0).id());
            String xmx =
                    tm.command().stream()
                            .filter(a -> a.startsWith("-Xmx"))
                            .findFirst()
                            .orElse("?")
                            .substring(4);
            Path gcLog = options.dir().resolve("taskmanager-gc.log");
            Files.deleteIfExists(gcLog);
            jcmd(tm.pid(), "VM.log", "output=" + gcLog, "what=gc=info", "decorators=timemillis");
            progress.accept(
                    "GC log of "
                            + tm.name()
                            + " (pid "
                            + tm.pid()
                            + ", -Xmx"
                            + xmx
                            + ") on: "
                            + gcLog);
            List<Phase> phases = new ArrayList<>();
            List<long[]> spans = new ArrayList<>();
            long sequence = 0;
            try (ResultsReader results = new ResultsReader(client, topics.results(), true);
                    KafkaProducer<byte[], byte[]> producer =
                            new KafkaProducer<>(
                                    CameraSimulator.producerProperties(client),
                                    new ByteArraySerializer(),
                                    new ByteArraySerializer())) {
                for (String phase : List.of("ordinary", "maximum-size")) {
                    boolean big = phase.equals("maximum-size");
                    CameraSpec camera =
                            new CameraSpec(
                                    big ? "cam-8k" : "cam-small",
                                    big ? "large" : "ordinary",
                                    nodes.get(0).id(),
                                    options.fps(),
                                    big ? WIDTH : 320,
                                    big ? HEIGHT : 240);
                    CameraSimulator cameras =
                            new CameraSimulator(
                                    List.of(camera),
                                    new CameraSimulator.Options(
                                            topics.frames(),
                                            options.phase(),
                                            0,
                                            big ? large : null,
                                            5,
                                            7,
                                            null,
                                            sequence));
                    cameras.prepare(m -> {});
                    long from = System.currentTimeMillis();
                    progress.accept(phase + " frames for " + options.phase().toSeconds() + " s...");
                    CameraSimulator.Report sent = cameras.run(producer, r -> {});
                    sequence += sent.sent() + 1;
                    Map<String, Long> statuses = new TreeMap<>();
                    long until = System.currentTimeMillis() + 120_000;
                    String task = camera.task();
                    while (statuses.values().stream().mapToLong(Long::longValue).sum() < sent.sent()
                            && System.currentTimeMillis() < until) {
                        results.poll(
                                Duration.ofMillis(200),
                                r -> {
                                    if (r.task().equals(task)) {
                                        statuses.merge(
                                                r.status().name()
                                                        + (r.reason() == null
                                                                ? ""
                                                                : " "
                                                                        + r.reason()
                                                                                .split("[: ]")[0]),
                                                1L,
                                                Long::sum);
                                    }
                                });
                    }
                    long to = System.currentTimeMillis();
                    spans.add(new long[] {from, to});
                    phases.add(
                            new Phase(
                                    phase,
                                    camera.width(),
                                    camera.height(),
                                    big ? encoded : 0,
                                    sent.sent(),
                                    statuses,
                                    null));
                    progress.accept(phase + ": " + sent.sent() + " sent, outcomes " + statuses);
                }
            } finally {
                try {
                    rest.cancel(jobId);
                } catch (IOException e) {
                    progress.accept("job not cancelled: " + e.getMessage());
                }
            }
            List<GcLog.Collection> gc =
                    GcLog.parse(
                            Files.exists(gcLog)
                                    ? Files.readAllLines(gcLog, StandardCharsets.ISO_8859_1)
                                    : List.of());
            List<Phase> withGc = new ArrayList<>();
            for (int i = 0; i < phases.size(); i++) {
                Phase p = phases.get(i);
                withGc.add(
                        new Phase(
                                p.name(),
                                p.width(),
                                p.height(),
                                p.encodedBytes(),
                                p.sent(),
                                p.statuses(),
                                GcLog.summary(gc, spans.get(i)[0], spans.get(i)[1])));
            }
            String oom =
                    Files.readAllLines(Path.of(tm.log()), StandardCharsets.ISO_8859_1).stream()
                            .filter(l -> l.contains("OutOfMemoryError"))
                            .findFirst()
                            .orElse(null);
            return new Result(xmx, withGc, oom);
        }
    }

    /**
     * One node, {@code yolo-small} at 224x224 as in config/demo.yaml, two tasks: ordinary and
     * large.
     */
    static String catalog(int sidecarPort, double fps) {
        return String.format(
                Locale.ROOT,
                """
                nodes:
                  - {id: edge-1, sidecar: "127.0.0.1:%d", accelerator: cpu}
                models:
                  - name: yolo-small
                    maxBatch: 8
                    input: {name: images, width: 224, height: 224}
                    preprocess: {resize: letterbox, scale: 0.00392156862745098}
                    postprocess: {type: yolo, confidence: 0.25, iou: 0.45, labels: [person, bicycle, car]}
                tasks:
                  - {id: ordinary, model: yolo-small, cameras: [cam-small], fps: %s, deadlineMs: 5000, origin: edge-1, frame: {width: 320, height: 240}}
                  - {id: large, model: yolo-small, cameras: [cam-8k], fps: %s, deadlineMs: 5000, origin: edge-1, frame: {width: %d, height: %d}}
                """,
                sidecarPort,
                fps,
                fps,
                WIDTH,
                HEIGHT);
    }

    /**
     * Street scenes at 7680x4320 with sensor-like noise, so they encode to megabytes as a real 8K
     * frame does (a flat synthetic scene would be a few hundred KB); quality lowered until each is
     * under {@link #MAX_ENCODED}. Returns the largest size.
     */
    static int writeLargeFrames(Path dir, int count) throws IOException {
        Files.createDirectories(dir);
        int largest = 0;
        for (int i = 0; i < count; i++) {
            BufferedImage scene = new SceneRenderer(17 + i, WIDTH, HEIGHT).render(i);
            BufferedImage rgb = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(scene, 0, 0, null);
            int[] px = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
            SplittableRandom random = new SplittableRandom(i);
            for (int k = 0; k < px.length; k++) {
                int n = random.nextInt(24) - 12;
                int r = clamp(((px[k] >> 16) & 0xff) + n);
                int g = clamp(((px[k] >> 8) & 0xff) + n);
                int b = clamp((px[k] & 0xff) + n);
                px[k] = (r << 16) | (g << 8) | b;
            }
            byte[] jpeg = null;
            for (float q : new float[] {0.9f, 0.8f, 0.7f, 0.6f, 0.5f}) {
                jpeg = jpeg(rgb, q);
                if (jpeg.length <= MAX_ENCODED) {
                    break;
                }
            }
            Files.write(dir.resolve(String.format(Locale.ROOT, "frame-%d.jpg", i)), jpeg);
            largest = Math.max(largest, jpeg.length);
        }
        return largest;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(255, v);
    }

    private static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static void jcmd(long pid, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        command.add(Long.toString(pid));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0 || !out.contains("successfully")) {
            throw new IOException("jcmd " + String.join(" ", args) + " failed: " + out.strip());
        }
    }

    public static String markdown(Result result, double fps, String load) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "One node's TaskManager (configured heap -Xmx%s), %.1f frames/s per phase; %s.%n%n",
                        result.xmx(),
                        fps,
                        load));
        sb.append(
                "| phase | frame | encoded | sent | outcomes | GCs young / full | heap high-water (before GC) | live (most a full GC left) | heap capacity |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Phase p : result.phases()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %dx%d | %s | %d | %s | %d / %d | %d MB | %d MB | %d MB |%n",
                            p.name(),
                            p.width(),
                            p.height(),
                            p.encodedBytes() == 0
                                    ? "a few KB"
                                    : String.format(
                                            Locale.ROOT, "%.1f MiB", p.encodedBytes() / 1048576.0),
                            p.sent(),
                            p.statuses(),
                            p.gc().young(),
                            p.gc().full(),
                            p.gc().maxBeforeMb(),
                            p.gc().liveMb(),
                            p.gc().heapMb()));
        }
        sb.append(
                result.oom() == null
                        ? "\nNo OutOfMemoryError in the TaskManager's log.\n"
                        : "\nOutOfMemoryError in the TaskManager's log: " + result.oom() + "\n");
        return sb.toString();
    }
}
