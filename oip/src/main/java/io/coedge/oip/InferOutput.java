package io.coedge.oip;

import com.google.protobuf.ByteString;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** One output tensor as received: raw little-endian bytes and shape. */
public record InferOutput(String name, String datatype, long[] shape, ByteString data) {

    /** A read-only view of FP32 contents, without copying. */
    public FloatBuffer floats() {
        if (!datatype.equals("FP32")) {
            throw new IllegalStateException("output '" + name + "' is " + datatype + ", not FP32");
        }
        return data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    public float[] toFloatArray() {
        FloatBuffer f = floats();
        float[] out = new float[f.remaining()];
        f.get(out);
        return out;
    }
}
