package io.coedge.models.tfjs;

import java.util.Arrays;
import java.util.List;

/**
 * Evaluates, at conversion time, the ops of a TensorFlow graph whose inputs are all constants: the
 * shape arithmetic that converters (e.g. onnx-tf) leave in a graph. Element-wise ops take operands
 * of one shape or a scalar; integers are computed as longs.
 */
final class ConstantFolding {
    private ConstantFolding() {}

    static TfTensor fold(TfjsGraphModel.Node n, List<TfTensor> in) {
        return switch (n.op()) {
            case "Identity" -> in.get(0);
            case "Add", "AddV2", "Sub", "Mul" -> elementwise(n, in.get(0), in.get(1));
            case "Cast" -> {
                TfTensor x = in.get(0);
                yield n.type("DstT", "DT_FLOAT").equals("DT_FLOAT")
                        ? TfTensor.ofFloats(x.shape(), x.asFloats())
                        : TfTensor.ofLongs(x.shape(), x.asLongs());
            }
            case "Reshape" -> {
                TfTensor x = in.get(0);
                long[] dims = in.get(1).asLongs().clone();
                int unknown = -1;
                long known = 1;
                for (int i = 0; i < dims.length; i++) {
                    if (dims[i] < 0) {
                        unknown = i;
                    } else {
                        known *= dims[i];
                    }
                }
                if (unknown >= 0) {
                    dims[unknown] = x.size() / Math.max(known, 1);
                }
                yield new TfTensor(x.isFloat(), dims, x.floats(), x.longs());
            }
            case "Pack", "ConcatV2" -> {
                List<TfTensor> parts = n.op().equals("Pack") ? in : in.subList(0, in.size() - 1);
                for (TfTensor t : parts) {
                    if (t.rank() > (n.op().equals("Pack") ? 0 : 1)) {
                        throw new TfjsConversionException(
                                "node '"
                                        + n.name()
                                        + "' ("
                                        + n.op()
                                        + "): folding is implemented for scalars and vectors only");
                    }
                }
                boolean isFloat = parts.stream().anyMatch(TfTensor::isFloat);
                int total = parts.stream().mapToInt(TfTensor::size).sum();
                float[] f = new float[total];
                long[] l = new long[total];
                int k = 0;
                for (TfTensor t : parts) {
                    for (int i = 0; i < t.size(); i++, k++) {
                        f[k] = t.asFloats()[i];
                        l[k] = t.asLongs()[i];
                    }
                }
                long[] shape = {total};
                yield isFloat ? TfTensor.ofFloats(shape, f) : TfTensor.ofLongs(shape, l);
            }
            case "SparseToDense" -> sparseToDense(n, in);
            default ->
                    throw new TfjsConversionException(
                            "node '" + n.name() + "' (" + n.op() + "): cannot be folded");
        };
    }

    private static TfTensor elementwise(TfjsGraphModel.Node n, TfTensor a, TfTensor b) {
        boolean aScalar = a.size() == 1;
        boolean bScalar = b.size() == 1;
        if (!aScalar && !bScalar && !Arrays.equals(a.shape(), b.shape())) {
            throw new TfjsConversionException(
                    "node '"
                            + n.name()
                            + "' ("
                            + n.op()
                            + "): constant operands "
                            + a
                            + " and "
                            + b
                            + " do not have one shape");
        }
        TfTensor shapeOf = aScalar && !bScalar ? b : a;
        int size = Math.max(a.size(), b.size());
        if (a.isFloat() || b.isFloat()) {
            float[] x = a.asFloats();
            float[] y = b.asFloats();
            float[] out = new float[size];
            for (int i = 0; i < size; i++) {
                float p = x[aScalar ? 0 : i];
                float q = y[bScalar ? 0 : i];
                out[i] =
                        switch (n.op()) {
                            case "Sub" -> p - q;
                            case "Mul" -> p * q;
                            default -> p + q;
                        };
            }
            return TfTensor.ofFloats(shapeOf.shape(), out);
        }
        long[] x = a.longs();
        long[] y = b.longs();
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            long p = x[aScalar ? 0 : i];
            long q = y[bScalar ? 0 : i];
            out[i] =
                    switch (n.op()) {
                        case "Sub" -> p - q;
                        case "Mul" -> p * q;
                        default -> p + q;
                    };
        }
        return TfTensor.ofLongs(shapeOf.shape(), out);
    }

    /** SparseToDense(indices, output_shape, values, default). */
    private static TfTensor sparseToDense(TfjsGraphModel.Node n, List<TfTensor> in) {
        TfTensor indices = in.get(0);
        long[] shape = in.get(1).asLongs();
        TfTensor vals = in.get(2);
        TfTensor dflt = in.get(3);
        int size = Math.toIntExact(TfTensor.elements(shape));
        boolean isFloat = vals.isFloat() || dflt.isFloat();
        float[] f = new float[size];
        long[] l = new long[size];
        Arrays.fill(f, (float) dflt.scalar());
        Arrays.fill(l, (long) dflt.scalar());
        long[] idx = indices.asLongs();
        int rank = shape.length;
        int count = indices.rank() == 2 ? (int) indices.shape()[0] : idx.length;
        int perIndex = indices.rank() == 2 ? (int) indices.shape()[1] : 1;
        if (perIndex != rank && !(perIndex == 1 && rank == 1)) {
            throw new TfjsConversionException(
                    "node '" + n.name() + "' (SparseToDense): indices do not match output rank");
        }
        for (int i = 0; i < count; i++) {
            long offset = 0;
            for (int d = 0; d < rank; d++) {
                offset = offset * shape[d] + idx[i * perIndex + d];
            }
            int v = vals.size() == 1 ? 0 : i;
            f[(int) offset] = vals.asFloats()[v];
            l[(int) offset] = vals.asLongs()[v];
        }
        return isFloat ? TfTensor.ofFloats(shape, f) : TfTensor.ofLongs(shape, l);
    }
}
