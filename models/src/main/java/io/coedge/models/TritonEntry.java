package io.coedge.models;

import com.google.protobuf.TextFormat;
import io.coedge.models.tfjs.TfjsConverter;
import io.coedge.oip.v2.config.DataType;
import io.coedge.oip.v2.config.ModelConfig;
import io.coedge.oip.v2.config.ModelDynamicBatching;
import io.coedge.oip.v2.config.ModelInput;
import io.coedge.oip.v2.config.ModelOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a converted model as a Triton repository entry: {@code <out>/<name>/1/model.onnx}, {@code
 * <out>/<name>/config.pbtxt} (platform {@code onnxruntime_onnx}, {@code max_batch_size}, dims
 * without the batch, {@code label_filename: "labels.txt"} on every output when labels are given)
 * and {@code <out>/<name>/labels.txt}.
 */
public final class TritonEntry {
    public static final String LABELS_FILE = "labels.txt";

    private TritonEntry() {}

    /** The 80 COCO class names in the order COCO-trained detectors use (darknet's coco.names). */
    public static List<String> cocoNames() throws IOException {
        try (InputStream in = TritonEntry.class.getResourceAsStream("coco.names")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> !l.isBlank())
                    .toList();
        }
    }

    public static Path write(
            Path out,
            String name,
            TfjsConverter.Result model,
            int maxBatchSize,
            List<String> labels)
            throws IOException {
        Path dir = out.resolve(name);
        Files.createDirectories(dir.resolve("1"));
        try (OutputStream os = Files.newOutputStream(dir.resolve("1").resolve("model.onnx"))) {
            model.model().writeTo(os);
        }
        ModelConfig.Builder config =
                ModelConfig.newBuilder()
                        .setName(name)
                        .setPlatform("onnxruntime_onnx")
                        .setMaxBatchSize(maxBatchSize)
                        .setDynamicBatching(ModelDynamicBatching.newBuilder());
        for (TfjsConverter.Port p : model.inputs()) {
            long[] dims = withoutBatch(p.dims());
            config.addInput(
                    ModelInput.newBuilder()
                            .setName(p.name())
                            .setDataType(DataType.TYPE_FP32)
                            .setFormat(format(dims))
                            .addAllDims(boxed(dims)));
        }
        for (TfjsConverter.Port p : model.outputs()) {
            ModelOutput.Builder o =
                    ModelOutput.newBuilder()
                            .setName(p.name())
                            .setDataType(DataType.TYPE_FP32)
                            .addAllDims(boxed(withoutBatch(p.dims())));
            if (labels != null) {
                o.setLabelFilename(LABELS_FILE);
            }
            config.addOutput(o);
        }
        Files.writeString(
                dir.resolve("config.pbtxt"),
                TextFormat.printer().printToString(config.build()),
                StandardCharsets.UTF_8);
        if (labels != null) {
            Files.write(dir.resolve(LABELS_FILE), labels, StandardCharsets.UTF_8);
        }
        return dir;
    }

    /** NHWC when the last of three dims is a channel count (1, 3, 4) and the first is not. */
    static ModelInput.Format format(long[] dims) {
        if (dims.length != 3) {
            return ModelInput.Format.FORMAT_NONE;
        }
        boolean lastIsChannels = dims[2] == 1 || dims[2] == 3 || dims[2] == 4;
        boolean firstIsChannels = dims[0] == 1 || dims[0] == 3 || dims[0] == 4;
        if (lastIsChannels && !firstIsChannels) {
            return ModelInput.Format.FORMAT_NHWC;
        }
        if (firstIsChannels && !lastIsChannels) {
            return ModelInput.Format.FORMAT_NCHW;
        }
        return ModelInput.Format.FORMAT_NONE;
    }

    private static long[] withoutBatch(long[] dims) {
        return Arrays.copyOfRange(dims, 1, dims.length);
    }

    private static List<Long> boxed(long[] dims) {
        return Arrays.stream(dims).boxed().toList();
    }
}
