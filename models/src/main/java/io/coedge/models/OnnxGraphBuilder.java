package io.coedge.models;

import com.google.protobuf.ByteString;
import io.coedge.models.onnx.AttributeProto;
import io.coedge.models.onnx.GraphProto;
import io.coedge.models.onnx.ModelProto;
import io.coedge.models.onnx.NodeProto;
import io.coedge.models.onnx.OperatorSetIdProto;
import io.coedge.models.onnx.TensorProto;
import io.coedge.models.onnx.TensorShapeProto;
import io.coedge.models.onnx.TypeProto;
import io.coedge.models.onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Writes ONNX inference graphs. The generated models use its layer helpers with seeded random
 * weights; converters (e.g. {@link io.coedge.models.tfjs.TfjsConverter}) use the generic part:
 * given weights ({@link #floatTensor}, {@link #longTensor}), any operator ({@link #op}) and inputs
 * and outputs of any shape. Each helper returns the name of the tensor it produced.
 */
public final class OnnxGraphBuilder {
    public static final String BATCH_DIM = "batch";
    private static final int IR_VERSION = 8;
    private static final int OPSET = 17;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final SplittableRandom random;
    private int counter;

    OnnxGraphBuilder(String name, long seed) {
        graph.setName(name);
        this.random = new SplittableRandom(seed);
    }

    /** A builder for graphs whose weights are all given (no random weights). */
    public OnnxGraphBuilder(String name) {
        this(name, 0);
    }

    /**
     * Declares an input of any element type ({@link TensorProto.DataType} number); a dimension of
     * -1 is symbolic: {@value #BATCH_DIM} for the first, {@code d<i>} for the others.
     */
    public String input(String name, int elemType, long[] dims) {
        graph.addInput(valueInfo(name, elemType, dims));
        return name;
    }

    /** Declares an output; dimensions as in {@link #input(String, int, long[])}. */
    public void output(String tensor, int elemType, long[] dims) {
        graph.addOutput(valueInfo(tensor, elemType, dims));
    }

    /** A float32 initializer with the given values (row-major). */
    public String floatTensor(long[] dims, float[] values) {
        return constant(dims, values);
    }

    /** An int64 initializer with the given values (row-major). */
    public String longTensor(long[] dims, long[] values) {
        return int64Constant(dims, values);
    }

    /** Any operator of the default domain with {@code outputs} outputs; returns their names. */
    public String[] op(String op, String[] inputs, int outputs, AttributeProto... attributes) {
        String base = op.toLowerCase() + "_" + (counter++);
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(base);
        String[] names = new String[outputs];
        for (int i = 0; i < outputs; i++) {
            names[i] = outputs == 1 ? base : base + ":" + i;
            node.addOutput(names[i]);
        }
        for (String in : inputs) {
            node.addInput(in);
        }
        for (AttributeProto a : attributes) {
            node.addAttribute(a);
        }
        graph.addNode(node);
        return names;
    }

    /** A one-output operator; {@code ""} as an input name skips an optional input. */
    public String op(String op, String[] inputs, AttributeProto... attributes) {
        return op(op, inputs, 1, attributes)[0];
    }

    /**
     * A one-output operator whose output gets the given name, for graphs rebuilt node for node from
     * a reference (conformance graphs whose outputs are named).
     */
    public String namedOp(String op, String output, String[] inputs, AttributeProto... attributes) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output);
        for (String in : inputs) {
            node.addInput(in);
        }
        node.addOutput(output);
        for (AttributeProto a : attributes) {
            node.addAttribute(a);
        }
        graph.addNode(node);
        return output;
    }

    /** Renames nothing: adds {@code Identity(tensor)} named {@code name} (graph outputs). */
    public String identity(String tensor, String name) {
        graph.addNode(
                NodeProto.newBuilder()
                        .setOpType("Identity")
                        .setName(name)
                        .addInput(tensor)
                        .addOutput(name));
        return name;
    }

    public static AttributeProto intsAttr(String name, long... values) {
        return ints(name, values);
    }

    public static AttributeProto intAttribute(String name, long value) {
        return intAttr(name, value);
    }

    public static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    public static AttributeProto stringAttr(String name, String value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value))
                .build();
    }

    /** Declares a float input whose first dimension is the dynamic batch. */
    String input(String name, long... dimsAfterBatch) {
        graph.addInput(valueInfo(name, dimsAfterBatch));
        return name;
    }

    void output(String tensor, long... dimsAfterBatch) {
        graph.addOutput(valueInfo(tensor, dimsAfterBatch));
    }

    /** Conv with bias; He-normal weights keep activations near unit variance layer after layer. */
    String conv(String x, int in, int out, int kernel, int stride) {
        String w =
                weights(
                        new long[] {out, in, kernel, kernel},
                        Math.sqrt(2.0 / (in * kernel * kernel)));
        String b = constant(new long[] {out}, new float[out]);
        int pad = kernel / 2;
        return node(
                "Conv",
                new String[] {x, w, b},
                ints("kernel_shape", kernel, kernel),
                ints("strides", stride, stride),
                ints("pads", pad, pad, pad, pad));
    }

    String relu(String x) {
        return node("Relu", new String[] {x});
    }

    /** SiLU, YOLOv8's activation: x * sigmoid(x). */
    String silu(String x) {
        return mul(x, sigmoid(x));
    }

    String sigmoid(String x) {
        return node("Sigmoid", new String[] {x});
    }

    String mul(String a, String b) {
        return node("Mul", new String[] {a, b});
    }

    String add(String a, String b) {
        return node("Add", new String[] {a, b});
    }

    String maxPool2(String x) {
        return node("MaxPool", new String[] {x}, ints("kernel_shape", 2, 2), ints("strides", 2, 2));
    }

    String globalAveragePool(String x) {
        return node("GlobalAveragePool", new String[] {x});
    }

    String flatten(String x) {
        return node("Flatten", new String[] {x}, intAttr("axis", 1));
    }

    /** Fully connected layer: y = x W^T + b with W of shape [out, in]. */
    String dense(String x, int in, int out, double gain) {
        String w = weights(new long[] {out, in}, gain * Math.sqrt(1.0 / in));
        String b = constant(new long[] {out}, new float[out]);
        return node("Gemm", new String[] {x, w, b}, intAttr("transB", 1));
    }

    /** Reshapes [N, C, H, W] to [N, C, H*W]. */
    String flattenSpatial(String x, int channels) {
        String shape = int64Constant(new long[] {3}, new long[] {0, channels, -1});
        return node("Reshape", new String[] {x, shape});
    }

    String concat(int axis, String... xs) {
        return node("Concat", xs, intAttr("axis", axis));
    }

    String constant(long[] dims, float[] values) {
        String name = "c" + (counter++);
        ByteBuffer raw =
                ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        raw.flip();
        graph.addInitializer(
                TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addAllDims(boxed(dims))
                        .setRawData(ByteString.copyFrom(raw)));
        return name;
    }

    public ModelProto build(String docString) {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("coedge-models")
                .setProducerVersion("1")
                .setDocString(docString)
                .setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .build();
    }

    private String weights(long[] dims, double std) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return constant(dims, values);
    }

    private String int64Constant(long[] dims, long[] values) {
        String name = "c" + (counter++);
        ByteBuffer raw =
                ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        raw.flip();
        graph.addInitializer(
                TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(TensorProto.DataType.INT64_VALUE)
                        .addAllDims(boxed(dims))
                        .setRawData(ByteString.copyFrom(raw)));
        return name;
    }

    private String node(String op, String[] inputs, AttributeProto... attributes) {
        String out = op.toLowerCase() + "_" + (counter++);
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(out).addOutput(out);
        for (String in : inputs) {
            node.addInput(in);
        }
        for (AttributeProto a : attributes) {
            node.addAttribute(a);
        }
        graph.addNode(node);
        return out;
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a =
                AttributeProto.newBuilder()
                        .setName(name)
                        .setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    private static ValueInfoProto valueInfo(String name, long[] dimsAfterBatch) {
        long[] dims = new long[dimsAfterBatch.length + 1];
        dims[0] = -1;
        System.arraycopy(dimsAfterBatch, 0, dims, 1, dimsAfterBatch.length);
        return valueInfo(name, TensorProto.DataType.FLOAT_VALUE, dims);
    }

    private static ValueInfoProto valueInfo(String name, int elemType, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (dims[i] >= 0) {
                d.setDimValue(dims[i]);
            } else {
                d.setDimParam(i == 0 ? BATCH_DIM : "d" + i);
            }
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        TypeProto.newBuilder()
                                .setTensorType(
                                        TypeProto.Tensor.newBuilder()
                                                .setElemType(elemType)
                                                .setShape(shape)))
                .build();
    }

    private static Iterable<Long> boxed(long[] dims) {
        return java.util.Arrays.stream(dims).boxed().toList();
    }
}
