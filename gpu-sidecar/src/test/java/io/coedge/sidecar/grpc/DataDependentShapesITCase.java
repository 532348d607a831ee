package io.coedge.sidecar.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.coedge.models.OnnxGraphBuilder;
import io.coedge.models.onnx.TensorProto;
import io.coedge.oip.InferInput;
import io.coedge.oip.InferOutput;
import io.coedge.oip.InferRequest;
import io.coedge.oip.InferResult;
import io.coedge.oip.ModelProfile;
import io.coedge.sidecar.runtime.ModelInstance;
import io.coedge.sidecar.testutils.RunningSidecar;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models whose output shape depends on their input data are served by the real gRPC server: the
 * ONNX conformance graphs {@code nonmaxsuppression_center_point_box_format} and {@code
 * reshape_reordered_all_dims} (rebuilt here node for node), a Reshape whose synthetic warm-up fails
 * (allowzero: the zero-filled shape input is not reshapable), and the same Reshape warmed up by
 * config.pbtxt {@code model_warmup} with real data.
 */
class DataDependentShapesITCase {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;

    @TempDir static Path repo;
    static RunningSidecar sidecar;

    private static void write(String model, OnnxGraphBuilder graph) throws Exception {
        Path dir = Files.createDirectories(repo.resolve(model).resolve("1"));
        Files.write(
                dir.resolve("model.onnx"), graph.build("DataDependentShapesITCase").toByteArray());
    }

    private static OnnxGraphBuilder reshape(String name, long allowZero) {
        OnnxGraphBuilder g = new OnnxGraphBuilder(name);
        String data = g.input("data", FLOAT, new long[] {2, 3, 4});
        String shape = g.input("shape", INT64, new long[] {3});
        g.namedOp(
                "Reshape",
                "reshaped",
                new String[] {data, shape},
                OnnxGraphBuilder.intAttribute("allowzero", allowZero));
        g.output("reshaped", FLOAT, new long[] {4, 2, 3});
        return g;
    }

    private static OnnxGraphBuilder nonMaxSuppression() {
        OnnxGraphBuilder g = new OnnxGraphBuilder("nms");
        String[] inputs = {
            g.input("boxes", FLOAT, new long[] {1, 6, 4}),
            g.input("scores", FLOAT, new long[] {1, 1, 6}),
            g.input("max_output_boxes_per_class", INT64, new long[] {1}),
            g.input("iou_threshold", FLOAT, new long[] {1}),
            g.input("score_threshold", FLOAT, new long[] {1})
        };
        g.namedOp(
                "NonMaxSuppression",
                "selected_indices",
                inputs,
                OnnxGraphBuilder.intAttribute("center_point_box", 1));
        g.output("selected_indices", INT64, new long[] {3, 3});
        return g;
    }

    @BeforeAll
    static void start() throws Exception {
        // onnx/backend/test/data/node/test_nonmaxsuppression_center_point_box_format
        write("nonmaxsuppression_center_point_box_format", nonMaxSuppression());
        // onnx/backend/test/data/node/test_reshape_reordered_all_dims
        write("reshape_reordered_all_dims", reshape("reshape", 0));
        // allowzero: the synthetic (zero) shape input asks for an empty tensor: warm-up fails
        write("reshape_allowzero", reshape("reshape_allowzero", 1));
        write("reshape_warmed", reshape("reshape_warmed", 1));
        Files.createDirectories(repo.resolve("reshape_warmed/warmup"));
        Files.write(repo.resolve("reshape_warmed/warmup/shape.bin"), int64Bytes(4, 2, 3));
        Files.writeString(
                repo.resolve("reshape_warmed/config.pbtxt"),
                """
                name: "reshape_warmed"
                platform: "onnxruntime_onnx"
                max_batch_size: 0
                model_warmup [{
                  name: "real shape"
                  batch_size: 0
                  inputs { key: "data" value { data_type: TYPE_FP32 dims: [2, 3, 4] random_data: true } }
                  inputs { key: "shape" value { data_type: TYPE_INT64 dims: [3] input_data_file: "shape.bin" } }
                  count: 2
                }]
                """);
        sidecar = RunningSidecar.start(repo);
    }

    @AfterAll
    static void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
    }

    private static byte[] int64Bytes(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    private static InferInput int64(String name, long[] shape, long... values) {
        return new InferInput(name, "INT64", shape, ByteString.copyFrom(int64Bytes(values)));
    }

    private static long[] longs(InferOutput out) {
        LongBuffer b =
                out.data().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        long[] values = new long[b.remaining()];
        b.get(values);
        return values;
    }

    private static InferResult infer(InferRequest request) throws Exception {
        return sidecar.client.infer(request).get(30, TimeUnit.SECONDS);
    }

    private static InferResult nms(long maxBoxes) throws Exception {
        float[] boxes = {
            0.5f, 0.5f, 1.0f, 1.0f, 0.5f, 0.6f, 1.0f, 1.0f, 0.5f, 0.4f, 1.0f, 1.0f,
            0.5f, 10.5f, 1.0f, 1.0f, 0.5f, 10.6f, 1.0f, 1.0f, 0.5f, 100.5f, 1.0f, 1.0f
        };
        return infer(
                InferRequest.builder("nonmaxsuppression_center_point_box_format")
                        .input(InferInput.fp32("boxes", new long[] {1, 6, 4}, boxes))
                        .input(
                                InferInput.fp32(
                                        "scores",
                                        new long[] {1, 1, 6},
                                        new float[] {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f}))
                        .input(int64("max_output_boxes_per_class", new long[] {1}, maxBoxes))
                        .input(InferInput.fp32("iou_threshold", new long[] {1}, new float[] {0.5f}))
                        .input(
                                InferInput.fp32(
                                        "score_threshold", new long[] {1}, new float[] {0.0f}))
                        .build());
    }

    private static InferResult reshape(String model) throws Exception {
        float[] data = new float[24];
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        return infer(
                InferRequest.builder(model)
                        .input(InferInput.fp32("data", new long[] {2, 3, 4}, data))
                        .input(int64("shape", new long[] {3}, 4, 2, 3))
                        .build());
    }

    @Test
    void everyModelIsServedAndReady() {
        assertThat(sidecar.client.serverReady()).isTrue();
        for (String model :
                List.of(
                        "nonmaxsuppression_center_point_box_format",
                        "reshape_reordered_all_dims",
                        "reshape_allowzero",
                        "reshape_warmed")) {
            assertThat(sidecar.client.modelReady(model, "")).as(model).isTrue();
        }
    }

    @Test
    void nonMaxSuppressionAnswersTheConformanceResultAndOtherCounts() throws Exception {
        InferOutput selected = nms(3).output("selected_indices");
        assertThat(selected.datatype()).isEqualTo("INT64");
        assertThat(selected.shape()).containsExactly(3, 3);
        assertThat(longs(selected)).containsExactly(0, 0, 3, 0, 0, 0, 0, 0, 5);

        // Fewer boxes than the graph declares: the answer has its actual shape.
        InferOutput one = nms(1).output("selected_indices");
        assertThat(one.shape()).containsExactly(1, 3);
        assertThat(longs(one)).containsExactly(0, 0, 3);
    }

    @Test
    void reshapeFedAShapeInputAnswersTheConformanceResult() throws Exception {
        InferOutput out = reshape("reshape_reordered_all_dims").output("reshaped");
        assertThat(out.shape()).containsExactly(4, 2, 3);
        float[] values = out.toFloatArray();
        for (int i = 0; i < 24; i++) {
            assertThat(values[i]).isEqualTo(i); // Reshape keeps the row-major order
        }
    }

    @Test
    void aFailedSyntheticWarmUpLeavesTheModelServedWithAProfileToLearnFrom() throws Exception {
        ModelInstance model = sidecar.instance("reshape_allowzero");
        assertThat(model.warmUpFailure()).isPresent();
        assertThat(model.ready()).isTrue();
        // The batcher must see a finite profile, else it would shed every frame and never learn.
        ModelProfile before = sidecar.client.profile("reshape_allowzero");
        assertThat(before.p99MicrosByBatchSize()).containsOnlyKeys(1);

        InferOutput out = reshape("reshape_allowzero").output("reshaped");

        assertThat(out.shape()).containsExactly(4, 2, 3);
        assertThat(out.toFloatArray()[23]).isEqualTo(23f);
        // The real execution is in the window now: its p99 is at least that execution's time.
        assertThat(model.profile().medians()).containsKey(1);
    }

    @Test
    void modelWarmupOfConfigPbtxtRunsItsSamples() throws Exception {
        ModelInstance model = sidecar.instance("reshape_warmed");
        assertThat(model.warmUpFailure()).isEmpty();
        assertThat(sidecar.client.profile("reshape_warmed").p99MicrosByBatchSize())
                .containsOnlyKeys(1);

        assertThat(reshape("reshape_warmed").output("reshaped").shape()).containsExactly(4, 2, 3);
    }
}
