package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import io.coedge.catalog.CatalogText;
import io.coedge.format.DeadLetter;
import io.coedge.format.ErrorCode;
import io.coedge.format.FrameResult;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.operators.pre.DecodeBudget;
import io.coedge.testing.TestImages;
import io.coedge.testing.TestSidecars;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The node batcher against a real sidecar (ONNX Runtime) serving a uint8-input model: uint8 tensors
 * end to end (issue 13/14), and frames at the size limit confined to themselves (issue 17 item 1):
 * sixteen frames, eight of them 7680x4320, give sixteen outcomes and the eight ordinary ones are
 * OK.
 */
class PreprocessingIsolationITCase {
    static final CatalogText CATALOG =
            new CatalogText(
                    "u8.yaml",
                    """
      nodes: [{id: edge-1, sidecar: "127.0.0.1:1"}]
      models:
        - {name: u8net, maxBatch: 8,
           input: {name: images, width: 16, height: 16, layout: NHWC, dtype: uint8},
           postprocess: {type: classification, topK: 1, labels: [r, g, b]}}
      tasks:
        - {id: colours, model: u8net, cameras: [cam-1], fps: 1, deadlineMs: 600000, origin: edge-1}
      """);

    @TempDir static Path dir;
    static TestSidecars sidecars;

    @BeforeAll
    static void sidecar() throws Exception {
        Path model = dir.resolve("models").resolve("u8net").resolve("1");
        Files.createDirectories(model);
        Files.write(model.resolve("model.onnx"), meanColourModel(16, 16));
        sidecars = new TestSidecars(dir.resolve("models"), List.of("edge-1"));
    }

    @AfterAll
    static void stop() {
        sidecars.close();
    }

    /**
     * An ONNX model taking uint8 NHWC images [N, h, w, 3] and returning each channel's mean as
     * float [N, 3]: Cast, Transpose, GlobalAveragePool, Flatten. Written field by field with
     * protobuf's CodedOutputStream (onnx.proto's field numbers), so the test needs no generated
     * ONNX classes.
     */
    static byte[] meanColourModel(int w, int h) throws IOException {
        byte[] cast = node("Cast", "images", "f", attrInt("to", 1));
        byte[] transpose = node("Transpose", "f", "nchw", attrInts("perm", 0, 3, 1, 2));
        byte[] pool = node("GlobalAveragePool", "nchw", "pooled");
        byte[] flatten = node("Flatten", "pooled", "scores", attrInt("axis", 1));
        byte[] graph =
                message(
                        o -> {
                            for (byte[] n : List.of(cast, transpose, pool, flatten)) {
                                o.writeByteArray(1, n);
                            }
                            o.writeString(2, "u8net");
                            o.writeByteArray(11, valueInfo("images", 2, h, w, 3));
                            o.writeByteArray(12, valueInfo("scores", 1, 3));
                        });
        return message(
                o -> {
                    o.writeInt64(1, 8); // ir_version
                    o.writeByteArray(
                            8,
                            message(
                                    op -> {
                                        op.writeString(1, "");
                                        op.writeInt64(2, 17);
                                    }));
                    o.writeByteArray(7, graph);
                });
    }

    interface Fields {
        void write(CodedOutputStream o) throws IOException;
    }

    static byte[] message(Fields fields) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(bytes);
        fields.write(o);
        o.flush();
        return bytes.toByteArray();
    }

    static byte[] node(String op, String input, String output, byte[]... attributes)
            throws IOException {
        return message(
                o -> {
                    o.writeString(1, input);
                    o.writeString(2, output);
                    o.writeString(3, op.toLowerCase() + "_0");
                    o.writeString(4, op);
                    for (byte[] a : attributes) {
                        o.writeByteArray(5, a);
                    }
                });
    }

    static byte[] attrInt(String name, long value) throws IOException {
        return message(
                o -> {
                    o.writeString(1, name);
                    o.writeInt64(3, value);
                    o.writeInt32(20, 2); // INT
                });
    }

    static byte[] attrInts(String name, long... values) throws IOException {
        return message(
                o -> {
                    o.writeString(1, name);
                    for (long v : values) {
                        o.writeInt64(8, v);
                    }
                    o.writeInt32(20, 7); // INTS
                });
    }

    /** A tensor value of {@code elemType} (1 float, 2 uint8) and shape [batch, dims...]. */
    static byte[] valueInfo(String name, int elemType, long... dimsAfterBatch) throws IOException {
        byte[] shape =
                message(
                        s -> {
                            s.writeByteArray(1, message(d -> d.writeString(2, "batch")));
                            for (long v : dimsAfterBatch) {
                                s.writeByteArray(1, message(d -> d.writeInt64(1, v)));
                            }
                        });
        byte[] tensor =
                message(
                        t -> {
                            t.writeInt32(1, elemType);
                            t.writeByteArray(2, shape);
                        });
        return message(
                o -> {
                    o.writeString(1, name);
                    o.writeByteArray(2, message(t -> t.writeByteArray(1, tensor)));
                });
    }

    static KeyedOneInputStreamOperatorTestHarness<Integer, RoutedFrame, FrameResult> harness(
            boolean sharedMemory) throws Exception {
        return BatcherHarness.open(
                BatcherConfig.defaults(CATALOG, "coedge", true)
                        .withSidecars(sidecars.addresses())
                        .withSharedMemory(sharedMemory));
    }

    static RoutedFrame frame(long seq, byte[] image, int w, int h) {
        return BatcherHarness.frame(
                "colours", "cam-1", seq, System.currentTimeMillis(), 600_000, image, w, h);
    }

    static Map<String, String> outcomes(
            KeyedOneInputStreamOperatorTestHarness<Integer, RoutedFrame, FrameResult> h) {
        Map<String, String> byFrame = new java.util.TreeMap<>();
        for (FrameResult r : h.extractOutputValues()) {
            byFrame.put(
                    r.frameId(),
                    r.status()
                            + (r.classes() == null || r.classes().isEmpty()
                                    ? ""
                                    : " " + r.classes().get(0).label())
                            + (r.reason() == null ? "" : " " + r.reason().split(":")[0]));
        }
        var dead = h.getSideOutput(NodeBatcherOperator.DEAD_LETTERS);
        if (dead != null) {
            for (StreamRecord<DeadLetter> d : dead) {
                String id =
                        "cam-1#"
                                + new String(
                                        d.getValue().headers().stream()
                                                .filter(x -> x.key().equals("coedge.frame"))
                                                .findFirst()
                                                .orElseThrow()
                                                .value());
                byFrame.put(id, "DEAD " + d.getValue().code());
            }
        }
        return byFrame;
    }

    @ParameterizedTest(name = "shared memory {0}")
    @ValueSource(booleans = {true, false})
    void uint8TensorsReachAUint8ModelAndKeepTheirColours(boolean sharedMemory) throws Exception {
        byte[] red = TestImages.solid("jpg", 80, 60, Color.RED);
        byte[] blue = TestImages.solid("png", 80, 60, Color.BLUE);
        try (var h = harness(sharedMemory)) {
            for (long seq = 1; seq <= 6; seq++) {
                h.processElement(frame(seq, seq % 2 == 0 ? blue : red, 80, 60), 0);
            }
            h.endInput();

            assertThat(outcomes(h))
                    .containsExactlyEntriesOf(
                            new java.util.TreeMap<>(
                                    Map.of(
                                            "cam-1#1", "OK r",
                                            "cam-1#2", "OK b",
                                            "cam-1#3", "OK r",
                                            "cam-1#4", "OK b",
                                            "cam-1#5", "OK r",
                                            "cam-1#6", "OK b")));
        }
    }

    /** A 7680x4320 JPEG (the decoder's pixel limit), a gradient so it is not trivially small. */
    static byte[] maximumSizeJpeg() throws IOException {
        BufferedImage image = new BufferedImage(7680, 4320, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, Color.RED, 7680, 4320, new Color(255, 40, 0)));
        g.fillRect(0, 0, 7680, 4320);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    static long heapPeakBytes() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed())
                .sum();
    }

    static void resetHeapPeaks() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /**
     * Issue 17 item 1: eight frames at the pixel limit among eight ordinary ones. Each gets its own
     * outcome; the large ones decode at 1/8 (libjpeg-turbo) or subsampled (ImageIO) within the
     * node's decode budget; with a budget too small for them they become {@code IMAGE_TOO_LARGE}
     * dead letters, and the ordinary frames of the same batches still run.
     */
    @Test
    void framesAtTheSizeLimitDoNotFailTheBatchesAroundThem() throws Exception {
        byte[] large = maximumSizeJpeg();
        byte[] ordinary = TestImages.solid("jpg", 640, 480, Color.BLUE);
        List<RoutedFrame> frames = new ArrayList<>();
        for (long seq = 1; seq <= 16; seq++) {
            frames.add(
                    seq % 2 == 1 ? frame(seq, large, 7680, 4320) : frame(seq, ordinary, 640, 480));
        }

        resetHeapPeaks();
        long before = heapPeakBytes();
        Map<String, String> fits;
        try (var h = harness(true)) {
            for (RoutedFrame f : frames) {
                h.processElement(f, 0);
            }
            h.endInput();
            fits = outcomes(h);
        }
        System.out.printf(
                "16 frames (8 at 7680x4320, %d bytes each): heap high-water %d MiB (%d MiB before)%n",
                large.length, heapPeakBytes() >> 20, before >> 20);

        Map<String, String> tooLarge;
        // Less than one large frame needs (its encoded bytes alone), whichever decoder runs.
        System.setProperty(DecodeBudget.BYTES_PROPERTY, Long.toString(256L << 10));
        try (var h = harness(true)) {
            for (RoutedFrame f : frames) {
                h.processElement(f, 0);
            }
            h.endInput();
            tooLarge = outcomes(h);
        } finally {
            System.clearProperty(DecodeBudget.BYTES_PROPERTY);
        }

        assertThat(fits).hasSize(16);
        assertThat(fits.values()).containsOnly("OK r", "OK b");
        assertThat(tooLarge).hasSize(16);
        assertThat(
                        tooLarge.entrySet().stream()
                                .collect(
                                        Collectors.groupingBy(
                                                Map.Entry::getValue, Collectors.counting())))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("OK b", 8L, "DEAD " + ErrorCode.IMAGE_TOO_LARGE, 8L));
    }
}
