package io.coedge.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.format.FrameResult;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.models.NpmPackages;
import io.coedge.models.PretrainedModels;
import io.coedge.models.TritonEntry;
import io.coedge.models.tfjs.TfjsConverter;
import io.coedge.testing.TestKafka;
import io.coedge.testing.TestMedia;
import io.coedge.testing.TestSidecars;
import io.coedge.topics.TopicsConfig;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real detectors on real input, end to end: darknet's four photos and three vtest.avi frames
 * through Kafka, the Flink job and a real sidecar serving YOLOv5s and NanoDet-m as the converter
 * makes them (npm packages cached in {@code $COEDGE_CACHE/npm}, media in {@code $COEDGE_MEDIA}).
 *
 * <p>The reference is the model run directly in ONNX Runtime on the same JPEG bytes, with its own
 * simple pre- and post-processing written here (Java2D area-average resize, YOLOv5's centred
 * letterbox with grey 114 or NanoDet's stretch, RGB/255; the outputs decoded and NMS'd here), none
 * of the job's classes: every box it finds with score >= 0.5 must be in the pipeline's result with
 * the same class and IoU >= 0.9 (boxes under 16 model-input pixels, tiny people far away: every
 * corner within 1.5 model-input pixels). On dog.jpg YOLOv5s finds the dog, the bicycle and the
 * truck; on the vtest.avi frames both find persons.
 */
class RealDetectorsITCase {
    private static final double MIN_SCORE = 0.5;
    private static final double MIN_IOU = 0.9;

    /**
     * Boxes whose smaller side is under this many model-input pixels (a person 9 px wide in
     * kite.jpg is 3.6 px at YOLOv5s' input) are held to their corners instead of IoU: within {@link
     * #TINY_SHIFT} model-input pixels, what two correct resize filters may differ by.
     */
    private static final double TINY = 16;

    private static final double TINY_SHIFT = 1.5;
    private static final int[] VTEST_FRAMES = {100, 400, 700};

    /**
     * @param px source-frame pixels per model-input pixel (0 for the pipeline's boxes)
     */
    record Box(int cls, double score, double x1, double y1, double x2, double y2, double px) {
        /** Smaller side in model-input pixels. */
        double inputSide() {
            return Math.min(x2 - x1, y2 - y1) / px;
        }

        /** Largest corner difference in model-input pixels. */
        double cornerShift(Box o) {
            double d =
                    Math.max(
                            Math.max(Math.abs(x1 - o.x1), Math.abs(y1 - o.y1)),
                            Math.max(Math.abs(x2 - o.x2), Math.abs(y2 - o.y2)));
            return d / px;
        }

        double iou(Box o) {
            double w = Math.max(0, Math.min(x2, o.x2) - Math.max(x1, o.x1));
            double h = Math.max(0, Math.min(y2, o.y2) - Math.max(y1, o.y1));
            double inter = w * h;
            double union = (x2 - x1) * (y2 - y1) + (o.x2 - o.x1) * (o.y2 - o.y1) - inter;
            return union <= 0 ? 0 : inter / union;
        }
    }

    @Test
    void everyBoxOnnxRuntimeFindsIsInThePipelinesResult(@TempDir Path dir) throws Exception {
        List<String> labels = TritonEntry.cocoNames();
        Path models = dir.resolve("models");
        for (String name : List.of("yolov5s", "nanodet-m")) {
            Path json =
                    PretrainedModels.modelJson(
                            PretrainedModels.byName(name),
                            NpmPackages.defaultCache(),
                            System.out::println);
            TritonEntry.write(models, name, TfjsConverter.convert(json, name), 4, labels);
        }
        Path images = dir.resolve("images");
        Files.createDirectories(images);
        Map<String, String> names = new HashMap<>(); // content digest -> file name
        for (String photo :
                List.of(TestMedia.DOG, TestMedia.PERSON, TestMedia.HORSES, TestMedia.KITE)) {
            Files.copy(TestMedia.file(photo), images.resolve(photo));
        }
        extractFrames(TestMedia.vtest(), images);
        List<Path> files;
        try (var s = Files.list(images)) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            names.put(digest(Files.readAllBytes(f)), f.getFileName().toString());
        }

        String quoted = labels.stream().map(l -> "\"" + l + "\"").collect(Collectors.joining(", "));
        CatalogText catalogText =
                new CatalogText(
                        "real-it.yaml",
                        """
                        nodes:
                          - {id: edge-1, sidecar: "127.0.0.1:1"}
                        models:
                          - name: yolov5s
                            maxBatch: 4
                            input: {name: input_1, width: 640, height: 640, layout: NHWC}
                            preprocess: {resize: letterbox, padValue: 114}
                            postprocess: {type: yolov5, coordinates: normalized, confidence: 0.3, labels: [%s]}
                          - name: nanodet-m
                            maxBatch: 4
                            input: {name: input_1, width: 416, height: 416}
                            preprocess: {resize: stretch}
                            postprocess: {type: nanodet, confidence: 0.3, labels: [%s]}
                        tasks:
                          - {id: big, model: yolov5s, cameras: [cam-big], fps: 2, deadlineMs: 120000, origin: edge-1, frame: {width: 768, height: 576}}
                          - {id: small, model: nanodet-m, cameras: [cam-small], fps: 2, deadlineMs: 120000, origin: edge-1, frame: {width: 768, height: 576}}
                        """
                                .formatted(quoted, quoted));
        Catalog catalog = catalogText.parse();
        TopicsConfig topics =
                new TopicsConfig("real.frames", "real.results", "real.dlq", "real.profiles", 1);
        int frames = 2 * files.size();

        List<FrameResult> results;
        Map<String, byte[]> sent;
        try (TestKafka kafka = TestKafka.start();
                TestSidecars sidecars = new TestSidecars(models, List.of("edge-1"))) {
            JobClient running =
                    new TestJob(kafka, catalogText, topics, sidecars.addresses(), "real")
                            .staleAfterMs(120000)
                            .healthyWithin(Duration.ofSeconds(180))
                            .start();
            try {
                CameraSimulator cameras =
                        new CameraSimulator(
                                CameraSpec.fromCatalog(catalog, null, null),
                                new CameraSimulator.Options(
                                        topics.frames(), null, frames, images, 1, 1, null, 0));
                assertThat(kafka.send(cameras)).isEqualTo(frames);
                results =
                        CoEdgeJobITCase.readResults(
                                kafka.clientProperties(),
                                topics.results(),
                                frames,
                                Duration.ofSeconds(400));
                sent = kafka.framesById(topics.frames(), frames);
            } finally {
                running.cancel().get();
            }
        }

        assertThat(results).extracting(FrameResult::frameId).doesNotHaveDuplicates();
        assertThat(results).hasSize(frames);
        assertThat(results)
                .allSatisfy(
                        r ->
                                assertThat(r.status())
                                        .as(r.frameId() + " " + r.reason())
                                        .isEqualTo(FrameResult.Status.OK));

        OrtEnvironment ort = OrtEnvironment.getEnvironment();
        Map<String, List<Integer>> foundClasses = new HashMap<>();
        int compared = 0;
        int tiny = 0;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession yolo =
                        ort.createSession(
                                models.resolve("yolov5s/1/model.onnx").toString(), options);
                OrtSession nano =
                        ort.createSession(
                                models.resolve("nanodet-m/1/model.onnx").toString(), options)) {
            System.out.println(
                    "| model | image | class | ONNX Runtime score | ONNX Runtime box"
                            + " | pipeline score | pipeline box | IoU |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            for (FrameResult r :
                    results.stream().sorted(Comparator.comparing(FrameResult::frameId)).toList()) {
                byte[] jpeg = sent.get(r.frameId());
                assertThat(jpeg).as(r.frameId()).isNotNull();
                String image = names.get(digest(jpeg));
                BufferedImage src = ImageIO.read(new ByteArrayInputStream(jpeg));
                boolean big = r.task().equals("big");
                List<Box> expected = big ? yolov5(ort, yolo, src) : nanodet(ort, nano, src);
                String model = big ? "yolov5s" : "nanodet-m";
                foundClasses
                        .computeIfAbsent(model + "/" + image, k -> new ArrayList<>())
                        .addAll(expected.stream().map(Box::cls).toList());
                System.out.printf(
                        Locale.ROOT,
                        "pipeline %s %s: %s%n",
                        model,
                        image,
                        r.detections().stream()
                                .map(
                                        d ->
                                                String.format(
                                                        Locale.ROOT,
                                                        "%s %.2f",
                                                        d.label(),
                                                        d.score()))
                                .toList());
                for (Box e : expected) {
                    Box best = null;
                    double bestIou = 0;
                    for (FrameResult.Detection d : r.detections()) {
                        Box b = new Box(d.classId(), d.score(), d.x1(), d.y1(), d.x2(), d.y2(), 0);
                        if (b.cls() == e.cls() && e.iou(b) > bestIou) {
                            best = b;
                            bestIou = e.iou(b);
                        }
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "| %s | %s | %s | %.3f | %s | %s | %s | %.3f |%n",
                            model,
                            image,
                            labels.get(e.cls()),
                            e.score(),
                            box(e),
                            best == null ? "-" : String.format(Locale.ROOT, "%.3f", best.score()),
                            best == null ? "-" : box(best),
                            bestIou);
                    if (e.inputSide() >= TINY) {
                        assertThat(bestIou)
                                .as(
                                        "%s on %s: %s %s has no match in the pipeline's %s",
                                        model, image, labels.get(e.cls()), e, r.detections())
                                .isGreaterThanOrEqualTo(MIN_IOU);
                    } else {
                        // a one-pixel shift of a box a few pixels wide is a large IoU change
                        assertThat(best)
                                .as("%s on %s: tiny %s %s", model, image, labels.get(e.cls()), e)
                                .isNotNull();
                        assertThat(e.cornerShift(best))
                                .as(
                                        "%s on %s: tiny %s %s vs %s",
                                        model, image, labels.get(e.cls()), e, best)
                                .isLessThanOrEqualTo(TINY_SHIFT);
                        tiny++;
                    }
                    compared++;
                }
            }
        }
        System.out.printf(
                "%d boxes compared, %d of them under %d model-input pixels%n",
                compared, tiny, (int) TINY);
        assertThat(compared).isGreaterThan(10);
        // dog.jpg: dog (16), bicycle (1), truck (7); vtest.avi frames: persons (0)
        assertThat(foundClasses.get("yolov5s/" + TestMedia.DOG)).contains(16, 1, 7);
        for (int f : VTEST_FRAMES) {
            assertThat(foundClasses.get("yolov5s/" + frameName(f))).contains(0);
            assertThat(foundClasses.get("nanodet-m/" + frameName(f))).contains(0);
        }
    }

    private static String box(Box b) {
        return String.format(Locale.ROOT, "%.0f,%.0f,%.0f,%.0f", b.x1(), b.y1(), b.x2(), b.y2());
    }

    private static String frameName(int f) {
        return String.format(Locale.ROOT, "vtest-%03d.jpg", f);
    }

    private static void extractFrames(Path video, Path out) throws Exception {
        for (int f : VTEST_FRAMES) {
            Process p =
                    new ProcessBuilder(
                                    "ffmpeg",
                                    "-nostdin",
                                    "-loglevel",
                                    "error",
                                    "-i",
                                    video.toString(),
                                    "-vf",
                                    "select=eq(n\\," + f + ")",
                                    "-frames:v",
                                    "1",
                                    "-q:v",
                                    "2",
                                    out.resolve(frameName(f)).toString())
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            assertThat(p.exitValue()).as("ffmpeg extracting frame " + f).isZero();
        }
    }

    private static String digest(byte[] bytes) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Area-average resize with Java2D, independent of the job's libjpeg-turbo path. */
    private static BufferedImage resize(BufferedImage src, int w, int h) {
        Image scaled = src.getScaledInstance(w, h, Image.SCALE_AREA_AVERAGING);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(scaled, 0, 0, null);
        g.dispose();
        return out;
    }

    /** YOLOv5s: centred letterbox to 640 with 114 grey, NHWC RGB/255; [25200, 85] decoded. */
    private static List<Box> yolov5(OrtEnvironment ort, OrtSession session, BufferedImage src)
            throws Exception {
        int size = 640;
        double r = Math.min((double) size / src.getWidth(), (double) size / src.getHeight());
        int w = (int) Math.round(src.getWidth() * r);
        int h = (int) Math.round(src.getHeight() * r);
        int padX = (size - w) / 2;
        int padY = (size - h) / 2;
        BufferedImage canvas = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        g.setColor(new java.awt.Color(114, 114, 114));
        g.fillRect(0, 0, size, size);
        g.drawImage(resize(src, w, h), padX, padY, null);
        g.dispose();
        float[] x = new float[size * size * 3];
        for (int y = 0; y < size; y++) {
            for (int c = 0; c < size; c++) {
                int rgb = canvas.getRGB(c, y);
                int o = (y * size + c) * 3;
                x[o] = ((rgb >> 16) & 0xff) / 255f;
                x[o + 1] = ((rgb >> 8) & 0xff) / 255f;
                x[o + 2] = (rgb & 0xff) / 255f;
            }
        }
        float[] out;
        try (OnnxTensor t =
                        OnnxTensor.createTensor(
                                ort, FloatBuffer.wrap(x), new long[] {1, size, size, 3});
                OrtSession.Result res =
                        session.run(Map.of(session.getInputNames().iterator().next(), t))) {
            out = floats((OnnxTensor) res.get(0));
        }
        List<Box> boxes = new ArrayList<>();
        for (int a = 0; a < out.length / 85; a++) {
            int o = a * 85;
            int best = 0;
            for (int k = 1; k < 80; k++) {
                if (out[o + 5 + k] > out[o + 5 + best]) {
                    best = k;
                }
            }
            double score = out[o + 4] * out[o + 5 + best];
            if (score < MIN_SCORE) {
                continue;
            }
            double cx = out[o] * size;
            double cy = out[o + 1] * size;
            double bw = out[o + 2] * size;
            double bh = out[o + 3] * size;
            boxes.add(
                    new Box(
                            best,
                            score,
                            (cx - bw / 2 - padX) / r,
                            (cy - bh / 2 - padY) / r,
                            (cx + bw / 2 - padX) / r,
                            (cy + bh / 2 - padY) / r,
                            1 / r));
        }
        return nms(boxes);
    }

    /**
     * NanoDet-m as @vladmandic/human feeds it (stretch to 416, RGB/255, NCHW); per stride 8, 16, 32
     * the class scores [cells, 80] and the GFL distributions [cells, 4 x 11]: each side is the
     * softmax's expected bin times the stride, from the cell's centre.
     */
    private static List<Box> nanodet(OrtEnvironment ort, OrtSession session, BufferedImage src)
            throws Exception {
        int size = 416;
        BufferedImage in = resize(src, size, size);
        int plane = size * size;
        float[] x = new float[3 * plane];
        for (int y = 0; y < size; y++) {
            for (int c = 0; c < size; c++) {
                int rgb = in.getRGB(c, y);
                int o = y * size + c;
                x[o] = ((rgb >> 16) & 0xff) / 255f;
                x[plane + o] = ((rgb >> 8) & 0xff) / 255f;
                x[2 * plane + o] = (rgb & 0xff) / 255f;
            }
        }
        double sx = (double) src.getWidth() / size;
        double sy = (double) src.getHeight() / size;
        List<Box> boxes = new ArrayList<>();
        try (OnnxTensor t =
                        OnnxTensor.createTensor(
                                ort, FloatBuffer.wrap(x), new long[] {1, 3, size, size});
                OrtSession.Result res =
                        session.run(Map.of(session.getInputNames().iterator().next(), t))) {
            Map<Long, float[]> scores = new HashMap<>();
            Map<Long, float[]> dists = new HashMap<>();
            for (var e : res) {
                OnnxTensor o = (OnnxTensor) e.getValue();
                long[] shape = o.getInfo().getShape();
                (shape[2] == 80 ? scores : dists).put(shape[1], floats(o));
            }
            for (int stride : new int[] {8, 16, 32}) {
                int grid = (size + stride - 1) / stride;
                float[] sc = scores.get((long) grid * grid);
                float[] di = dists.get((long) grid * grid);
                int bins = di.length / (grid * grid) / 4;
                for (int cell = 0; cell < grid * grid; cell++) {
                    int best = 0;
                    for (int k = 1; k < 80; k++) {
                        if (sc[cell * 80 + k] > sc[cell * 80 + best]) {
                            best = k;
                        }
                    }
                    double score = sc[cell * 80 + best];
                    if (score < MIN_SCORE) {
                        continue;
                    }
                    double cx = (cell % grid + 0.5) * stride;
                    double cy = (cell / grid + 0.5) * stride;
                    double[] side = new double[4];
                    for (int s = 0; s < 4; s++) {
                        int o = cell * 4 * bins + s * bins;
                        double max = Double.NEGATIVE_INFINITY;
                        for (int b = 0; b < bins; b++) {
                            max = Math.max(max, di[o + b]);
                        }
                        double sum = 0;
                        double mean = 0;
                        for (int b = 0; b < bins; b++) {
                            double p = Math.exp(di[o + b] - max);
                            sum += p;
                            mean += p * b;
                        }
                        side[s] = mean / sum * stride;
                    }
                    boxes.add(
                            new Box(
                                    best,
                                    score,
                                    (cx - side[0]) * sx,
                                    (cy - side[1]) * sy,
                                    (cx + side[2]) * sx,
                                    (cy + side[3]) * sy,
                                    Math.max(sx, sy)));
                }
            }
        }
        return nms(boxes);
    }

    private static float[] floats(OnnxTensor t) {
        FloatBuffer fb = t.getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    /** Greedy per-class NMS at IoU 0.45, highest score first. */
    private static List<Box> nms(List<Box> boxes) {
        Box[] sorted = boxes.toArray(new Box[0]);
        Arrays.sort(sorted, Comparator.comparingDouble(Box::score).reversed());
        List<Box> kept = new ArrayList<>();
        for (Box b : sorted) {
            if (kept.stream().noneMatch(k -> k.cls() == b.cls() && k.iou(b) > 0.45)) {
                kept.add(b);
            }
        }
        return kept;
    }
}
