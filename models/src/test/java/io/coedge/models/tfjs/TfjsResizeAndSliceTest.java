package io.coedge.models.tfjs;

import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * TensorFlow's resize coordinate rules and StridedSlice masks, on x = [[1, 2], [3, 4]] (NHWC
 * [1,2,2,1]); expected values are TensorFlow's by its definitions (align_corners: source = out *
 * (in-1)/(out-1), bilinear; nearest with align_corners rounds half away from zero; legacy nearest
 * floors out * in/out).
 */
class TfjsResizeAndSliceTest {
    @TempDir Path dir;

    private static final String TRUE = "{\"b\":true}";
    private static final String FALSE = "{\"b\":false}";

    private static String resize(String name, String op, boolean alignCorners) {
        return """
                {"name":"%s","op":"%s","input":["x","size"],"attr":{"align_corners":%s,"half_pixel_centers":%s}}"""
                .formatted(name, op, alignCorners ? TRUE : FALSE, FALSE);
    }

    private static String slice(
            String name, String suffix, int begin, int end, int ellipsis, int newAxis, int shrink) {
        return """
                {"name":"%s","op":"StridedSlice","input":["x","b%s","e%s","s%s"],"attr":{
                 "begin_mask":{"i":"%d"},"end_mask":{"i":"%d"},"ellipsis_mask":{"i":"%d"},
                 "new_axis_mask":{"i":"%d"},"shrink_axis_mask":{"i":"%d"}}}"""
                .formatted(name, suffix, suffix, suffix, begin, end, ellipsis, newAxis, shrink);
    }

    private static String out(String name, int... dims) {
        StringBuilder d = new StringBuilder();
        for (int v : dims) {
            d.append(d.length() == 0 ? "" : ",").append("{\"size\":\"").append(v).append("\"}");
        }
        return "\"%s\":{\"name\":\"%s:0\",\"dtype\":\"DT_FLOAT\",\"tensorShape\":{\"dim\":[%s]}}"
                .formatted(name, name, d);
    }

    @Test
    void resizeModesAndSliceMasksFollowTensorFlow() throws Exception {
        String json =
                """
                {"format":"graph-model",
                 "signature":{"inputs":{"x":{"name":"x:0","dtype":"DT_FLOAT","tensorShape":{"dim":[{"size":"1"},{"size":"2"},{"size":"2"},{"size":"1"}]}}},
                              "outputs":{%s,%s,%s,%s,%s}},
                 "modelTopology":{"node":[
                  {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"}}},
                  {"name":"size","op":"Const"},
                  {"name":"b1","op":"Const"},{"name":"e1","op":"Const"},{"name":"s1","op":"Const"},
                  {"name":"b2","op":"Const"},{"name":"e2","op":"Const"},{"name":"s2","op":"Const"},
                  %s,%s,%s,%s,%s]},
                 "weightsManifest":[{"paths":["w.bin"],"weights":[
                  {"name":"size","shape":[2],"dtype":"int32"},
                  {"name":"b1","shape":[4],"dtype":"int32"},{"name":"e1","shape":[4],"dtype":"int32"},
                  {"name":"s1","shape":[4],"dtype":"int32"},
                  {"name":"b2","shape":[4],"dtype":"int32"},{"name":"e2","shape":[4],"dtype":"int32"},
                  {"name":"s2","shape":[4],"dtype":"int32"}]}]}
                """
                        .formatted(
                                out("bilinearAligned", 1, 3, 3, 1),
                                out("nearest", 1, 3, 3, 1),
                                out("nearestAligned", 1, 3, 3, 1),
                                out("shrink", 1, 2, 1),
                                out("newAxisReversed", 1, 1, 1, 2, 1),
                                resize("bilinearAligned", "ResizeBilinear", true),
                                resize("nearest", "ResizeNearestNeighbor", false),
                                resize("nearestAligned", "ResizeNearestNeighbor", true),
                                // x[:, 1, :, :]
                                slice("shrink", "1", 13, 13, 0, 0, 2),
                                // x[:, newaxis, 1:2, ::-1]
                                slice("newAxisReversed", "2", 9, 9, 0, 2, 0));
        ByteBuffer w = ByteBuffer.allocate(4 * (2 + 6 * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (int v :
                new int[] {
                    3, 3, 0, 1, 0, 0, 0, 2, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 2, 0, 1, 1, 1, -1
                }) {
            w.putInt(v);
        }
        Files.write(dir.resolve("w.bin"), w.array());
        Path file = dir.resolve("model.json");
        Files.writeString(file, json);

        TfjsConverter.Result r = TfjsConverter.convert(file, "modes");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                OrtSession s = env.createSession(r.model().toByteArray(), o);
                OnnxTensor x =
                        OnnxTensor.createTensor(
                                env,
                                FloatBuffer.wrap(new float[] {1, 2, 3, 4}),
                                new long[] {1, 2, 2, 1});
                OrtSession.Result out = s.run(Map.of("x", x))) {
            assertThat(values(out, "bilinearAligned"))
                    .containsExactly(1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4);
            assertThat(values(out, "nearest")).containsExactly(1, 1, 2, 1, 1, 2, 3, 3, 4);
            assertThat(values(out, "nearestAligned")).containsExactly(1, 2, 2, 3, 4, 4, 3, 4, 4);
            assertThat(values(out, "shrink")).containsExactly(3, 4);
            assertThat(shape(out, "shrink")).containsExactly(1, 2, 1);
            assertThat(values(out, "newAxisReversed")).containsExactly(4, 3);
            assertThat(shape(out, "newAxisReversed")).containsExactly(1, 1, 1, 2, 1);
        }
    }

    private static float[] values(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }

    private static long[] shape(OrtSession.Result r, String name) throws Exception {
        return ((OnnxTensor) r.get(name).orElseThrow()).getInfo().getShape();
    }
}
