package io.coedge.sidecar.testutils;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferInput;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/** Deterministic input frames and reference outputs computed in-process with ONNX Runtime. */
public final class Frames {
    private Frames() {}

    public static long elementsPerFrame(ModelGenerator.GeneratedModel m) {
        long n = 1;
        for (long d : m.inputDims()) {
            n *= d;
        }
        return n;
    }

    /** {@code batch} frames of values in [0, 1), as normalised pixels are, from a seed. */
    public static float[] random(ModelGenerator.GeneratedModel m, int batch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[Math.toIntExact(elementsPerFrame(m) * batch)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) r.nextDouble();
        }
        return out;
    }

    public static long[] shape(ModelGenerator.GeneratedModel m, int batch) {
        long[] shape = new long[m.inputDims().length + 1];
        shape[0] = batch;
        System.arraycopy(m.inputDims(), 0, shape, 1, m.inputDims().length);
        return shape;
    }

    public static InferInput input(ModelGenerator.GeneratedModel m, int batch, float[] values) {
        return InferInput.fp32(m.inputName(), shape(m, batch), values);
    }

    public static float[] slice(float[] values, int frame, int batch) {
        int per = values.length / batch;
        float[] out = new float[per];
        System.arraycopy(values, frame * per, out, 0, per);
        return out;
    }

    /** The same model file run in this JVM, without the sidecar: the reference answer. */
    public static float[] reference(ModelGenerator.GeneratedModel m, int batch, float[] values)
            throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                OrtSession s =
                        env.createSession(m.directory().resolve("1/model.onnx").toString(), o);
                OnnxTensor t =
                        OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape(m, batch));
                OrtSession.Result r = s.run(Map.of(m.inputName(), t))) {
            FloatBuffer f = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[f.remaining()];
            f.get(out);
            return out;
        }
    }

    public static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    public static Path modelFile(ModelGenerator.GeneratedModel m) {
        return m.directory().resolve("1/model.onnx");
    }
}
