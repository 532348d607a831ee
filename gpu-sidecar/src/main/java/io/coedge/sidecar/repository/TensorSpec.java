package io.coedge.sidecar.repository;

import java.util.Arrays;

/**
 * A model input or output. {@code dims} excludes the batch dimension when the model batches
 * (Triton's convention); -1 marks a variable dimension.
 */
public record TensorSpec(String name, Datatype datatype, long[] dims) {

    /** The shape as served in metadata: with a leading -1 for the batch when the model batches. */
    public long[] servedShape(boolean batching) {
        if (!batching) {
            return dims.clone();
        }
        long[] shape = new long[dims.length + 1];
        shape[0] = -1;
        System.arraycopy(dims, 0, shape, 1, dims.length);
        return shape;
    }

    public boolean fixedSize() {
        return Arrays.stream(dims).allMatch(d -> d >= 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t
                && t.name.equals(name)
                && t.datatype == datatype
                && Arrays.equals(t.dims, dims);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + ":" + datatype.oipName() + Arrays.toString(dims);
    }
}
