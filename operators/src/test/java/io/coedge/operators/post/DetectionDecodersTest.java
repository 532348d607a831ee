package io.coedge.operators.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.FrameResult.Detection;
import io.coedge.operators.pre.Letterbox;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each decoder on output tensors built by hand, with known boxes. */
class DetectionDecodersTest {
    private static final Letterbox IDENTITY = new Letterbox(1, 1, 0, 0, 640, 640);

    /** A 1280x960 frame letterboxed into 640x640: scale 0.5, 80 pixels of padding above. */
    private static final Letterbox HALF = new Letterbox(0.5, 0.5, 0, 80, 1280, 960);

    private static ModelSpec spec(
            String type,
            int width,
            int height,
            String coordinates,
            List<String> outputs,
            List<Integer> strides,
            int regMax,
            String boxFormat) {
        return new ModelSpec(
                "m",
                new ModelSpec.InputSpec("input", width, height, 3),
                new ModelSpec.Preprocess(
                        "letterbox",
                        1 / 255.0,
                        List.of(0.0, 0.0, 0.0),
                        List.of(1.0, 1.0, 1.0),
                        "RGB"),
                new ModelSpec.Postprocess(
                        type,
                        List.of("cat", "dog"),
                        0.25,
                        0.45,
                        5,
                        100,
                        coordinates,
                        outputs,
                        strides,
                        regMax,
                        boxFormat,
                        0.5),
                8);
    }

    private static ModelSpec spec(String type, String coordinates) {
        return spec(type, 640, 640, coordinates, List.of(), List.of(8, 16, 32), 0, "xyxy");
    }

    private static void assertBox(Detection d, String label, double score, double... box) {
        assertThat(d.label()).isEqualTo(label);
        assertThat(d.score()).isCloseTo(score, within(1e-5));
        assertThat(new double[] {d.x1(), d.y1(), d.x2(), d.y2()})
                .containsExactly(box, within(1e-3));
    }

    @Test
    void yolov5ScoresObjectnessTimesClassAndMapsNormalisedBoxesToTheSourceFrame() {
        // [2 images, 3 anchors, 5 + 2 classes]: cx, cy, w, h (normalised), objectness, cat, dog
        float[] rows = {
            // image 0
            0.5f, 0.5f, 0.25f, 0.125f, 0.9f, 0.1f, 0.8f, // dog 0.72
            0.51f, 0.5f, 0.25f, 0.125f, 0.8f, 0.1f, 0.7f, // overlaps it, dog 0.56: suppressed
            0.1f, 0.1f, 0.1f, 0.1f, 0.2f, 1.0f, 0.0f, // objectness below 0.25
            // image 1
            0.25f, 0.25f, 0.1f, 0.1f, 0.5f, 0.6f, 0.1f, // cat 0.3
            0f, 0f, 0f, 0f, 0f, 0f, 0f,
            0f, 0f, 0f, 0f, 0f, 0f, 0f,
        };
        List<OutputTensor> out = List.of(new OutputTensor("output", new long[] {2, 3, 7}, rows));
        DetectionDecoder decoder = DetectionDecoder.of(spec("yolov5", "normalized"));

        List<Detection> first = decoder.decode(out, 0, HALF);
        List<Detection> second = decoder.decode(out, 1, IDENTITY);

        // model pixels (240, 280)-(400, 360) -> source ((240-0)/0.5, (280-80)/0.5) ...
        assertThat(first).hasSize(1);
        assertBox(first.get(0), "dog", 0.72, 480, 400, 800, 560);
        assertThat(first.get(0).classId()).isEqualTo(1);
        assertThat(second).hasSize(1);
        assertBox(second.get(0), "cat", 0.3, 128, 128, 192, 192);
    }

    @Test
    void yolov8ReadsTheSecondImageOfABatchThroughTheInterface() {
        // [2 images, 4 + 2 classes, 2 anchors], channel-major per image
        float[] values = {
            // image 0: nothing above threshold
            10,
            20,
            4,
            4,
            0.1f,
            0.1f,
            0.1f,
            0.2f,
            0.1f,
            0.1f,
            0.1f,
            0.2f,
            // image 1: anchor 1 is a cat at (100, 50) 20x10
            0,
            100,
            0,
            50,
            0,
            20,
            0,
            10,
            0.1f,
            0.9f,
            0.1f,
            0.3f,
        };
        List<OutputTensor> out = List.of(new OutputTensor("output0", new long[] {2, 6, 2}, values));
        DetectionDecoder decoder = DetectionDecoder.of(spec("yolov8", "pixels"));

        assertThat(decoder.decode(out, 0, IDENTITY)).isEmpty();
        List<Detection> found = decoder.decode(out, 1, IDENTITY);
        assertThat(found).hasSize(1);
        assertBox(found.get(0), "cat", 0.9, 90, 45, 110, 55);
    }

    @Test
    void end2endRowsNeedNoSuppressionAndSkipPadding() {
        // [1 image, 4 rows, 6]: x1, y1, x2, y2, score, class
        float[] rows = {
            10, 10, 50, 50, 0.9f, 1,
            12, 12, 52, 52, 0.8f, 1, // overlaps the first: the model already chose to keep it
            0, 0, 0, 0, 0, -1, // padding
            5, 5, 6, 6, 0.1f, 0, // below threshold
        };
        List<OutputTensor> out = List.of(new OutputTensor("dets", new long[] {1, 4, 6}, rows));

        List<Detection> found = DetectionDecoder.of(spec("end2end", "pixels")).decode(out, 0, HALF);

        assertThat(found).hasSize(2);
        assertBox(found.get(0), "dog", 0.9, 20, 0, 100, 0);
        assertBox(found.get(1), "dog", 0.8, 24, 0, 104, 0);
    }

    private static OutputTensor int64(String name, long[] shape, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return OutputTensor.of(name, "INT64", shape, b.flip());
    }

    @Test
    void end2endFourOutputsAreFoundByNameAndHonourTheCount() {
        // TensorFlow style: boxes y1, x1, y2, x2 normalised; 2 images x 3 rows
        List<OutputTensor> out =
                List.of(
                        int64("num_detections", new long[] {2}, 1, 2),
                        new OutputTensor(
                                "detection_boxes",
                                new long[] {2, 3, 4},
                                new float[] {
                                    0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.5f, 0.6f, 0.6f, 0, 0, 0, 0, 0,
                                    0, 0.5f, 0.25f, 0.5f, 0.5f, 1, 1, 0.2f, 0.2f, 0.3f, 0.3f
                                }),
                        new OutputTensor(
                                "detection_scores",
                                new long[] {2, 3},
                                new float[] {0.9f, 0.8f, 0, 0.7f, 0.6f, 0.99f}),
                        int64("detection_classes", new long[] {2, 3}, 0, 1, 0, 1, 0, 0));
        DetectionDecoder decoder =
                DetectionDecoder.of(
                        spec("end2end", 640, 640, "normalized", List.of(), List.of(8), 0, "yxyx"));

        List<Detection> first = decoder.decode(out, 0, IDENTITY);
        List<Detection> second = decoder.decode(out, 1, IDENTITY);

        assertThat(first).hasSize(1); // the count says 1: the 0.8 row is not valid
        assertBox(first.get(0), "cat", 0.9, 128, 64, 256, 192);
        assertThat(second).hasSize(2); // the 0.99 row is beyond the count of 2
        assertBox(second.get(0), "dog", 0.7, 0, 0, 160, 320);
        assertBox(second.get(1), "cat", 0.6, 320, 320, 640, 640);
    }

    /** NanoDet on a 32x32 input, strides 8 and 16 (4x4 and 2x2 cells), 2 classes, 4 bins. */
    private static final int BINS = 4;

    private static float[][] nanodetLevel(int cells) {
        return new float[][] {new float[cells * 2], new float[cells * 4 * BINS]};
    }

    private static void side(float[] dist, int cell, int side, float... logits) {
        System.arraycopy(logits, 0, dist, cell * 4 * BINS + side * BINS, BINS);
    }

    private static List<float[][]> nanodetLevels() {
        float[][] s8 = nanodetLevel(16);
        float[][] s16 = nanodetLevel(4);
        float ln3 = (float) Math.log(3);
        // stride 8, cell 5 = row 1, col 1: anchor (12, 12); a dog
        s8[0][5 * 2 + 1] = 0.9f;
        side(s8[1], 5, 0, 0, 0, 0, 0); // left: uniform -> 1.5 bins = 12 px
        side(s8[1], 5, 1, 0, ln3, -100, -100); // top: 1/4, 3/4 -> 0.75 bins = 6 px
        side(s8[1], 5, 2, 0, ln3, -100, -100); // right: 6 px
        side(s8[1], 5, 3, 0, 0, 0, 0); // bottom: 12 px
        // stride 16, cell 3 = row 1, col 1: anchor (24, 24); a cat, uniform: 24 px each side
        s16[0][3 * 2] = 0.6f;
        return List.of(s8, s16);
    }

    private static void assertNanodet(List<Detection> found) {
        assertThat(found).hasSize(2);
        assertBox(found.get(0), "dog", 0.9, 0, 6, 18, 24);
        assertBox(found.get(1), "cat", 0.6, 0, 0, 32, 32); // clamped to the input
    }

    @Test
    void nanodetDecodesPerStrideDistributionsFoundByShape() {
        List<float[][]> levels = nanodetLevels();
        List<OutputTensor> out = new ArrayList<>();
        // as NanoDet-m's TensorFlow.js graph: distributions and scores in no useful order
        out.add(new OutputTensor("Identity_3:0", new long[] {1, 16, 16}, levels.get(0)[1]));
        out.add(new OutputTensor("Identity_1:0", new long[] {1, 4, 2}, levels.get(1)[0]));
        out.add(new OutputTensor("Identity:0", new long[] {1, 16, 2}, levels.get(0)[0]));
        out.add(new OutputTensor("Identity_4:0", new long[] {1, 4, 16}, levels.get(1)[1]));
        ModelSpec spec = spec("nanodet", 32, 32, "pixels", List.of(), List.of(8, 16), 0, "xyxy");

        assertNanodet(DetectionDecoder.of(spec).decode(out, 0, new Letterbox(1, 1, 0, 0, 32, 32)));
    }

    @Test
    void nanodetReadsNamedOutputsAndTheConcatenatedExport() {
        List<float[][]> levels = nanodetLevels();
        Letterbox identity = new Letterbox(1, 1, 0, 0, 32, 32);
        List<OutputTensor> named =
                List.of(
                        new OutputTensor("a", new long[] {1, 16, 2}, levels.get(0)[0]),
                        new OutputTensor("b", new long[] {1, 16, 16}, levels.get(0)[1]),
                        new OutputTensor("c", new long[] {1, 4, 2}, levels.get(1)[0]),
                        new OutputTensor("d", new long[] {1, 4, 16}, levels.get(1)[1]));
        ModelSpec byName =
                spec(
                        "nanodet",
                        32,
                        32,
                        "pixels",
                        List.of("a", "b", "c", "d"),
                        List.of(8, 16),
                        3,
                        "xyxy");
        assertNanodet(DetectionDecoder.of(byName).decode(named, 0, identity));

        // NanoDet's ONNX export: [1, 16 + 4 rows, 2 classes + 16 bins]
        float[] rows = new float[20 * 18];
        int r = 0;
        for (float[][] level : levels) {
            int cells = level[0].length / 2;
            for (int i = 0; i < cells; i++, r++) {
                System.arraycopy(level[0], i * 2, rows, r * 18, 2);
                System.arraycopy(level[1], i * 16, rows, r * 18 + 2, 16);
            }
        }
        ModelSpec concatenated =
                spec("nanodet", 32, 32, "pixels", List.of(), List.of(8, 16), 0, "xyxy");
        assertNanodet(
                DetectionDecoder.of(concatenated)
                        .decode(
                                List.of(new OutputTensor("output", new long[] {1, 20, 18}, rows)),
                                0,
                                identity));
    }

    @Test
    void aLayoutThatDoesNotFitTheCatalogIsAClearError() {
        List<OutputTensor> wrong =
                List.of(new OutputTensor("out", new long[] {1, 7}, new float[7]));

        assertThatThrownBy(
                        () ->
                                DetectionDecoder.of(spec("yolov5", "pixels"))
                                        .decode(wrong, 0, IDENTITY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out[1, 7]")
                .hasMessageContaining("[N, anchors, 5 + classes]");
        assertThatThrownBy(
                        () ->
                                DetectionDecoder.of(
                                                spec(
                                                        "nanodet",
                                                        32,
                                                        32,
                                                        "pixels",
                                                        List.of(),
                                                        List.of(8, 16),
                                                        0,
                                                        "xyxy"))
                                        .decode(wrong, 0, IDENTITY))
                .hasMessageContaining(
                        "nanodet: cannot tell the distribution's bins from out[1, 7]");
    }

    @Test
    void halfFloatsAndIntegersWidenExactly() {
        ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        half.putShort((short) 0x3c00)
                .putShort((short) 0xc000)
                .putShort((short) 0x3555)
                .putShort((short) 0x0001);
        OutputTensor t = OutputTensor.of("h", "FP16", new long[] {4}, half.flip());

        assertThat(t.values()[0]).isEqualTo(1f);
        assertThat(t.values()[1]).isEqualTo(-2f);
        assertThat(t.values()[2]).isCloseTo(0.33325f, within(1e-5f));
        assertThat(t.values()[3]).isEqualTo(0x1p-24f);
        assertThat(int64("n", new long[] {2}, 3, -1).values()).containsExactly(3f, -1f);
    }
}
