package io.coedge.models.tfjs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-written TensorFlow.js graph models: what the converter writes, and what it refuses. */
class TfjsConverterTest {
    @TempDir Path dir;

    private static final String B64_NHWC = "TkhXQw=="; // "NHWC"
    private static final String B64_SAME = "U0FNRQ=="; // "SAME"
    private static final String B64_BIAS = "Qmlhc0FkZA=="; // "BiasAdd"
    private static final String B64_RELU6 = "UmVsdTY="; // "Relu6"

    /**
     * x [1,3,3,2] NHWC -> _FusedConv2D 1x1 (2->2, BiasAdd, Relu6) -> StridedSlice [..., 1:2] ->
     * Reshape [1, -1] -> output [1, 9].
     */
    private Path model(String lastOp) throws Exception {
        String json =
                """
                {"format":"graph-model","generatedBy":"test","convertedBy":"test",
                 "signature":{"inputs":{"x":{"name":"x:0","dtype":"DT_FLOAT","tensorShape":{"dim":[{"size":"1"},{"size":"3"},{"size":"3"},{"size":"2"}]}}},
                              "outputs":{"y":{"name":"y:0","dtype":"DT_FLOAT","tensorShape":{"dim":[{"size":"1"},{"size":"9"}]}}}},
                 "modelTopology":{"node":[
                  {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"}}},
                  {"name":"w","op":"Const","attr":{}},
                  {"name":"b","op":"Const","attr":{}},
                  {"name":"begin","op":"Const","attr":{}},
                  {"name":"end","op":"Const","attr":{}},
                  {"name":"strides","op":"Const","attr":{}},
                  {"name":"shape","op":"Const","attr":{}},
                  {"name":"conv","op":"_FusedConv2D","input":["x","w","b"],"attr":{
                    "data_format":{"s":"%s"},"padding":{"s":"%s"},"strides":{"list":{"i":["1","1","1","1"]}},
                    "dilations":{"list":{"i":["1","1","1","1"]}},"fused_ops":{"list":{"s":["%s","%s"]}},"num_args":{"i":"1"}}},
                  {"name":"slice","op":"StridedSlice","input":["conv","begin","end","strides"],"attr":{
                    "begin_mask":{"i":"0"},"end_mask":{"i":"0"},"ellipsis_mask":{"i":"1"},"new_axis_mask":{"i":"0"},"shrink_axis_mask":{"i":"0"}}},
                  {"name":"y","op":"%s","input":["slice","shape"],"attr":{}}]},
                 "weightsManifest":[{"paths":["w.bin"],"weights":[
                  {"name":"w","shape":[1,1,2,2],"dtype":"float32"},
                  {"name":"b","shape":[2],"dtype":"float32","quantization":{"dtype":"float16","original_dtype":"float32"}},
                  {"name":"begin","shape":[2],"dtype":"int32"},
                  {"name":"end","shape":[2],"dtype":"int32"},
                  {"name":"strides","shape":[2],"dtype":"int32"},
                  {"name":"shape","shape":[2],"dtype":"int32"}]}]}
                """
                        .formatted(B64_NHWC, B64_SAME, B64_BIAS, B64_RELU6, lastOp);
        ByteBuffer w = ByteBuffer.allocate(16 + 4 + 8 * 4).order(ByteOrder.LITTLE_ENDIAN);
        // HWIO [1,1,2,2]: out0 = 1*in0 + 2*in1, out1 = 3*in0 + 4*in1
        w.putFloat(1).putFloat(3).putFloat(2).putFloat(4);
        w.putShort((short) 0x3c00).putShort((short) 0xbc00); // float16 bias: 1.0, -1.0
        w.putInt(0).putInt(1).putInt(0).putInt(2).putInt(1).putInt(1); // [..., 1:2]
        w.putInt(1).putInt(-1); // Reshape [1, -1]: 1 is the traced batch
        Files.write(dir.resolve("w.bin"), w.array());
        Path file = dir.resolve("model.json");
        Files.writeString(file, json);
        return file;
    }

    @Test
    void convertsAFusedNhwcConvolutionWithItsLayoutsAndADynamicBatch() throws Exception {
        TfjsConverter.Result r = TfjsConverter.convert(model("Reshape"), "tiny");
        assertThat(r.inputs().get(0).dims()).containsExactly(-1, 3, 3, 2);
        assertThat(r.outputs().get(0).dims()).containsExactly(-1, 9);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] x = new float[2 * 3 * 3 * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7) - 2.5f;
        }
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                OrtSession s = env.createSession(r.model().toByteArray(), o);
                OnnxTensor t =
                        OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {2, 3, 3, 2});
                OrtSession.Result out = s.run(Map.of("x", t))) {
            float[][] y = (float[][]) out.get(0).getValue();
            assertThat(y.length).isEqualTo(2);
            for (int n = 0; n < 2; n++) {
                for (int p = 0; p < 9; p++) {
                    float in0 = x[(n * 9 + p) * 2];
                    float in1 = x[(n * 9 + p) * 2 + 1];
                    float expected = Math.min(6, Math.max(0, 3 * in0 + 4 * in1 - 1));
                    assertThat(y[n][p])
                            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6f));
                }
            }
        }
    }

    @Test
    void anUnsupportedOpFailsNamingTheOpAndTheNode() throws Exception {
        Path file = model("Erf");
        assertThatThrownBy(() -> TfjsConverter.convert(file, "tiny"))
                .isInstanceOf(TfjsConversionException.class)
                .hasMessageStartingWith("node 'y' (Erf): op Erf is not supported");
    }

    @Test
    void aMissingWeightShardIsNamed() throws Exception {
        Path file = model("Reshape");
        Files.delete(dir.resolve("w.bin"));
        assertThatThrownBy(() -> TfjsConverter.convert(file, "tiny"))
                .isInstanceOf(TfjsConversionException.class)
                .hasMessageContaining("weight shard w.bin is missing");
    }

    @Test
    void halfFloatsDecode() {
        assertThat(TfjsGraphModel.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(TfjsGraphModel.halfToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(TfjsGraphModel.halfToFloat((short) 0x3555))
                .isCloseTo(0.33325f, org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(TfjsGraphModel.halfToFloat((short) 0x0001)).isEqualTo((float) Math.pow(2, -24));
        assertThat(TfjsGraphModel.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
    }
}
