package io.coedge.operators.post;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * One output tensor of a batch as the decoders read it: its name, its full shape (batch first) and
 * its values widened to float, image after image.
 */
public record OutputTensor(String name, long[] shape, float[] values) {

    /** Images in the batch: the first dimension (1 for a scalar). */
    public int batch() {
        return shape.length == 0 ? 1 : (int) shape[0];
    }

    /** Values per image. */
    public int perImage() {
        return batch() == 0 ? 0 : values.length / batch();
    }

    /** Where image {@code image}'s values start. */
    public int offset(int image) {
        return image * perImage();
    }

    /** The size of dimension {@code d} counted from the end ({@code 1} = last), 1 if absent. */
    public long fromEnd(int d) {
        return shape.length >= d ? shape[shape.length - d] : 1;
    }

    /**
     * Reads a little-endian tensor of an Open Inference Protocol datatype (FP32, FP16, FP64, INT64,
     * INT32, INT16, INT8, UINT8, BOOL): detectors with NMS inside often answer integer classes and
     * counts.
     */
    public static OutputTensor of(String name, String datatype, long[] shape, ByteBuffer data) {
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int size =
                switch (datatype) {
                    case "FP32", "INT32" -> 4;
                    case "FP16", "INT16" -> 2;
                    case "FP64", "INT64" -> 8;
                    case "INT8", "UINT8", "BOOL" -> 1;
                    default ->
                            throw new IllegalArgumentException(
                                    "output '"
                                            + name
                                            + "' has datatype "
                                            + datatype
                                            + ", which no decoder reads");
                };
        float[] out = new float[b.remaining() / size];
        for (int i = 0; i < out.length; i++) {
            out[i] =
                    switch (datatype) {
                        case "FP32" -> b.getFloat();
                        case "INT32" -> b.getInt();
                        case "FP16" -> halfToFloat(b.getShort());
                        case "INT16" -> b.getShort();
                        case "FP64" -> (float) b.getDouble();
                        case "INT64" -> b.getLong();
                        case "INT8" -> b.get();
                        default -> b.get() & 0xff;
                    };
        }
        return new OutputTensor(name, shape.clone(), out);
    }

    /** IEEE 754 binary16 to float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The tensor named {@code name}, or a clear error listing the ones there are. */
    static OutputTensor named(List<OutputTensor> outputs, String name) {
        return outputs.stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "the model has no output '"
                                                + name
                                                + "'; it has "
                                                + outputs.stream()
                                                        .map(OutputTensor::name)
                                                        .toList()));
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
