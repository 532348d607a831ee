package io.coedge.models;

import com.google.protobuf.TextFormat;
import io.coedge.models.onnx.ModelProto;
import io.coedge.oip.v2.config.DataType;
import io.coedge.oip.v2.config.ModelConfig;
import io.coedge.oip.v2.config.ModelDynamicBatching;
import io.coedge.oip.v2.config.ModelInput;
import io.coedge.oip.v2.config.ModelOutput;
import io.coedge.oip.v2.config.ModelQueuePolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a Triton-layout model repository with the talk's four models (YOLO big and small, VGG,
 * ResNet) and seeded random weights: {@code DIR/<model>/1/model.onnx} and {@code
 * DIR/<model>/config.pbtxt}. The same seed always yields the same bytes.
 */
public final class ModelGenerator {

    /** How large the networks are: {@code FULL} for the demo, {@code TINY} for fast tests. */
    public enum Scale {
        FULL,
        TINY
    }

    /** What was written for one model, so callers can build requests without reading the config. */
    public record GeneratedModel(
            String name,
            String inputName,
            long[] inputDims,
            String outputName,
            long[] outputDims,
            int maxBatchSize,
            Path directory) {}

    public static final List<String> MODEL_NAMES =
            List.of("yolo-big", "yolo-small", "vgg", "resnet");
    public static final int YOLO_CLASSES = 80;
    public static final int CIFAR_CLASSES = 10;
    private static final int MAX_QUEUE_SIZE = 64;

    private final long seed;
    private final Scale scale;

    public ModelGenerator(long seed, Scale scale) {
        this.seed = seed;
        this.scale = scale;
    }

    public List<GeneratedModel> generateAll(Path out) throws IOException {
        List<GeneratedModel> models = new ArrayList<>();
        for (String name : MODEL_NAMES) {
            models.add(generate(name, out));
        }
        return models;
    }

    public GeneratedModel generate(String name, Path out) throws IOException {
        long modelSeed = seed * 31 + name.hashCode();
        boolean tiny = scale == Scale.TINY;
        return switch (name) {
            case "yolo-big" ->
                    yolo(
                            name,
                            out,
                            modelSeed,
                            tiny ? 64 : 320,
                            tiny ? new int[] {4, 8, 8, 16, 16} : new int[] {64, 128, 256, 384, 384},
                            tiny ? 8 : 192,
                            true);
            case "yolo-small" ->
                    yolo(
                            name,
                            out,
                            modelSeed,
                            tiny ? 64 : 224,
                            tiny ? new int[] {4, 4, 8, 8, 8} : new int[] {64, 128, 256, 320, 320},
                            tiny ? 8 : 160,
                            false);
            case "vgg" ->
                    vgg(
                            name,
                            out,
                            modelSeed,
                            tiny ? new int[] {4, 8, 8} : new int[] {128, 256, 512});
            case "resnet" ->
                    resnet(
                            name,
                            out,
                            modelSeed,
                            tiny ? new int[] {4, 8, 8} : new int[] {64, 128, 256});
            default ->
                    throw new IllegalArgumentException(
                            "unknown model '" + name + "', expected one of " + MODEL_NAMES);
        };
    }

    /**
     * Convolutional backbone with SiLU, three detection heads at strides 8, 16 and 32, concatenated
     * to YOLOv8's [N, 4 + classes, anchors]: rows 0-3 are box centre x, y, width, height in input
     * pixels, the remaining rows class scores in (0, 1).
     */
    private GeneratedModel yolo(
            String name, Path out, long modelSeed, int size, int[] c, int headWidth, boolean deep)
            throws IOException {
        OnnxGraphBuilder g = new OnnxGraphBuilder(name, modelSeed);
        String x = g.input("images", 3, size, size);
        x = g.silu(g.conv(x, 3, c[0], 3, 2));
        x = g.silu(g.conv(x, c[0], c[1], 3, 2));
        x = g.silu(g.conv(x, c[1], c[1], 3, 1));
        if (deep) {
            x = g.silu(g.conv(x, c[1], c[1], 3, 1));
        }
        String p3 = g.silu(g.conv(x, c[1], c[2], 3, 2));
        if (deep) {
            p3 = g.silu(g.conv(p3, c[2], c[2], 3, 1));
        }
        x = g.silu(g.conv(p3, c[2], c[2], 3, 1));
        String p4 = g.silu(g.conv(x, c[2], c[3], 3, 2));
        x = g.silu(g.conv(p4, c[3], c[3], 3, 1));
        String p5 = g.silu(g.conv(x, c[3], c[4], 3, 2));
        int rows = 4 + YOLO_CLASSES;
        String h3 = head(g, p3, c[2], headWidth, rows);
        String h4 = head(g, p4, c[3], headWidth, rows);
        String h5 = head(g, p5, c[4], headWidth, rows);
        String raw = g.sigmoid(g.concat(2, h3, h4, h5));
        float[] scaleRows = new float[rows];
        for (int i = 0; i < rows; i++) {
            scaleRows[i] = i < 4 ? size : 1f;
        }
        String y = g.mul(raw, g.constant(new long[] {1, rows, 1}, scaleRows));
        int anchors =
                (size / 8) * (size / 8) + (size / 16) * (size / 16) + (size / 32) * (size / 32);
        g.output(y, rows, anchors);
        return write(
                name,
                out,
                g.build("CoEdge synthetic YOLO, YOLOv8 output layout, seeded random weights"),
                "images",
                new long[] {3, size, size},
                y,
                new long[] {rows, anchors},
                8);
    }

    private static String head(OnnxGraphBuilder g, String x, int in, int width, int rows) {
        String h = g.silu(g.conv(x, in, width, 3, 1));
        return g.flattenSpatial(g.conv(h, width, rows, 1, 1), rows);
    }

    /**
     * VGG for CIFAR-10: three blocks of two 3x3 convs and a 2x2 max pool, then two dense layers.
     */
    private GeneratedModel vgg(String name, Path out, long modelSeed, int[] c) throws IOException {
        OnnxGraphBuilder g = new OnnxGraphBuilder(name, modelSeed);
        String x = g.input("input", 3, 32, 32);
        int in = 3;
        for (int width : c) {
            x = g.relu(g.conv(x, in, width, 3, 1));
            x = g.relu(g.conv(x, width, width, 3, 1));
            x = g.maxPool2(x);
            in = width;
        }
        int flat = in * 4 * 4;
        int hidden = Math.max(16, c[2]);
        x = g.relu(g.dense(g.flatten(x), flat, hidden, Math.sqrt(2)));
        String y = g.dense(x, hidden, CIFAR_CLASSES, 1);
        g.output(y, CIFAR_CLASSES);
        return write(
                name,
                out,
                g.build("CoEdge synthetic VGG (CIFAR-10 layout), seeded random weights"),
                "input",
                new long[] {3, 32, 32},
                y,
                new long[] {CIFAR_CLASSES},
                16);
    }

    /**
     * ResNet for CIFAR-10: stem, three stages of two basic residual blocks, global pooling, dense.
     */
    private GeneratedModel resnet(String name, Path out, long modelSeed, int[] c)
            throws IOException {
        OnnxGraphBuilder g = new OnnxGraphBuilder(name, modelSeed);
        String x = g.input("input", 3, 32, 32);
        x = g.relu(g.conv(x, 3, c[0], 3, 1));
        int in = c[0];
        for (int stage = 0; stage < c.length; stage++) {
            int stride = stage == 0 ? 1 : 2;
            x = basicBlock(g, x, in, c[stage], stride);
            x = basicBlock(g, x, c[stage], c[stage], 1);
            in = c[stage];
        }
        x = g.flatten(g.globalAveragePool(x));
        String y = g.dense(x, in, CIFAR_CLASSES, 1);
        g.output(y, CIFAR_CLASSES);
        return write(
                name,
                out,
                g.build("CoEdge synthetic ResNet (CIFAR-10 layout), seeded random weights"),
                "input",
                new long[] {3, 32, 32},
                y,
                new long[] {CIFAR_CLASSES},
                16);
    }

    private static String basicBlock(OnnxGraphBuilder g, String x, int in, int out, int stride) {
        String h = g.relu(g.conv(x, in, out, 3, stride));
        // The second conv is scaled down so that the residual sum keeps unit variance.
        h = g.conv(h, out, out, 3, 1);
        String shortcut = (in == out && stride == 1) ? x : g.conv(x, in, out, 1, stride);
        return g.relu(g.add(h, g.mul(shortcut, g.constant(new long[] {1}, new float[] {0.7f}))));
    }

    private GeneratedModel write(
            String name,
            Path root,
            ModelProto model,
            String inputName,
            long[] inputDims,
            String outputTensor,
            long[] outputDims,
            int maxBatch)
            throws IOException {
        String outputName = name.startsWith("yolo") ? "output0" : "logits";
        // Rename the graph's output tensor to its public name.
        ModelProto.Builder b = model.toBuilder();
        var graph = b.getGraphBuilder();
        for (var node : graph.getNodeBuilderList()) {
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals(outputTensor)) {
                    node.setOutput(i, outputName);
                }
            }
        }
        graph.getOutputBuilder(0).setName(outputName);
        Path dir = root.resolve(name);
        Files.createDirectories(dir.resolve("1"));
        try (OutputStream os = Files.newOutputStream(dir.resolve("1").resolve("model.onnx"))) {
            b.build().writeTo(os);
        }
        ModelConfig config =
                ModelConfig.newBuilder()
                        .setName(name)
                        .setPlatform("onnxruntime_onnx")
                        .setMaxBatchSize(maxBatch)
                        .addInput(
                                ModelInput.newBuilder()
                                        .setName(inputName)
                                        .setDataType(DataType.TYPE_FP32)
                                        .setFormat(ModelInput.Format.FORMAT_NCHW)
                                        .addAllDims(boxed(inputDims)))
                        .addOutput(
                                ModelOutput.newBuilder()
                                        .setName(outputName)
                                        .setDataType(DataType.TYPE_FP32)
                                        .addAllDims(boxed(outputDims)))
                        .setDynamicBatching(
                                ModelDynamicBatching.newBuilder()
                                        .setDefaultQueuePolicy(
                                                ModelQueuePolicy.newBuilder()
                                                        .setMaxQueueSize(MAX_QUEUE_SIZE)))
                        .build();
        Files.writeString(
                dir.resolve("config.pbtxt"),
                TextFormat.printer().printToString(config),
                StandardCharsets.UTF_8);
        return new GeneratedModel(
                name, inputName, inputDims, outputName, outputDims, maxBatch, dir);
    }

    private static List<Long> boxed(long[] dims) {
        return java.util.Arrays.stream(dims).boxed().toList();
    }
}
