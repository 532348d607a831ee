package io.coedge.models.tfjs;

import java.util.Arrays;

/**
 * A constant of a TensorFlow.js graph: its shape and its values, floats for float dtypes, longs for
 * integer and boolean dtypes (row-major).
 */
record TfTensor(boolean isFloat, long[] shape, float[] floats, long[] longs) {

    static TfTensor ofFloats(long[] shape, float[] values) {
        return new TfTensor(true, shape, values, null);
    }

    static TfTensor ofLongs(long[] shape, long[] values) {
        return new TfTensor(false, shape, null, values);
    }

    int size() {
        return isFloat ? floats.length : longs.length;
    }

    int rank() {
        return shape.length;
    }

    long[] asLongs() {
        if (!isFloat) {
            return longs;
        }
        long[] out = new long[floats.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) floats[i];
        }
        return out;
    }

    float[] asFloats() {
        if (isFloat) {
            return floats;
        }
        float[] out = new float[longs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = longs[i];
        }
        return out;
    }

    /** The single value of a scalar (or one-element) constant. */
    double scalar() {
        return isFloat ? floats[0] : longs[0];
    }

    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return (isFloat ? "float" : "int") + Arrays.toString(shape);
    }
}
