package io.coedge.oip;

/**
 * Shape arithmetic shared by the sidecar and its callers. Kept apart from ONNX Runtime types so
 * that a Flink job, which carries only the client, can use it.
 */
public final class TensorShapes {
    private TensorShapes() {}

    /** {@code dims} with a batch dimension of {@code batch} in front. */
    public static long[] withBatch(long batch, long[] dims) {
        long[] shape = new long[dims.length + 1];
        shape[0] = batch;
        System.arraycopy(dims, 0, shape, 1, dims.length);
        return shape;
    }

    /** How many elements a tensor of this shape holds. */
    public static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * How many bytes a tensor of this shape holds at {@code elementBytes} per element, checked: a
     * negative dimension is an {@link IllegalArgumentException}, a count past {@code
     * Long.MAX_VALUE} an {@link ArithmeticException} (never a wrapped, small number). Shapes come
     * from callers, so every product over them goes through here or {@link #elements}.
     */
    public static long byteSize(long[] shape, int elementBytes) {
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d);
            }
        }
        return Math.multiplyExact(elements(shape), (long) elementBytes);
    }
}
