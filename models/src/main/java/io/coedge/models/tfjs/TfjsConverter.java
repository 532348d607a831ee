package io.coedge.models.tfjs;

import static io.coedge.models.OnnxGraphBuilder.floatAttr;
import static io.coedge.models.OnnxGraphBuilder.intAttribute;
import static io.coedge.models.OnnxGraphBuilder.intsAttr;
import static io.coedge.models.OnnxGraphBuilder.stringAttr;

import io.coedge.models.OnnxGraphBuilder;
import io.coedge.models.onnx.AttributeProto;
import io.coedge.models.onnx.ModelProto;
import io.coedge.models.onnx.TensorProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Converts a TensorFlow.js graph model to ONNX (opset 17) on the project's {@link
 * OnnxGraphBuilder}. The converted model keeps the TensorFlow model's layouts at its inputs and
 * outputs (an NHWC input stays NHWC); inside, NHWC convolutions, pooling and resizing run in ONNX's
 * NCHW between two transposes (ONNX Runtime's transpose optimiser removes the pairs that cancel).
 * The first dimension of every input is the symbolic {@code batch}, so one session serves every
 * batch size; a {@code Reshape} whose target shape starts with the traced batch of 1 keeps the
 * input's batch instead ({@code 0}). Constant sub-graphs (shape arithmetic) are folded at
 * conversion time. An op outside {@link #SUPPORTED_OPS} fails the conversion with the node's name.
 */
public final class TfjsConverter {

    /** The ops this converter translates (plus constant folding of {@link #FOLDED_OPS}). */
    public static final Set<String> SUPPORTED_OPS =
            new TreeSet<>(
                    List.of(
                            "Placeholder",
                            "Const",
                            "Identity",
                            "StopGradient",
                            "Snapshot",
                            "Conv2D",
                            "_FusedConv2D",
                            "DepthwiseConv2dNative",
                            "FusedDepthwiseConv2dNative",
                            "MaxPool",
                            "AvgPool",
                            "Pad",
                            "PadV2",
                            "MirrorPad",
                            "ConcatV2",
                            "Concat",
                            "ResizeBilinear",
                            "ResizeNearestNeighbor",
                            "Reshape",
                            "Transpose",
                            "StridedSlice",
                            "Split",
                            "SplitV",
                            "Pack",
                            "Unpack",
                            "Cast",
                            "Add",
                            "AddV2",
                            "BiasAdd",
                            "Sub",
                            "Mul",
                            "RealDiv",
                            "Div",
                            "Maximum",
                            "Minimum",
                            "Pow",
                            "SquaredDifference",
                            "Sigmoid",
                            "Relu",
                            "Relu6",
                            "Elu",
                            "LeakyRelu",
                            "Tanh",
                            "Exp",
                            "Log",
                            "Sqrt",
                            "Rsqrt",
                            "Neg",
                            "Abs",
                            "Square",
                            "Softplus",
                            "Softmax",
                            "Floor",
                            "Ceil",
                            "MatMul",
                            "_FusedMatMul",
                            "Mean",
                            "SparseToDense",
                            "ExpandDims",
                            "Squeeze"));

    /** Ops evaluated at conversion time when all their inputs are constant. */
    public static final Set<String> FOLDED_OPS =
            new TreeSet<>(
                    List.of(
                            "Add",
                            "AddV2",
                            "Sub",
                            "Mul",
                            "Cast",
                            "Pack",
                            "ConcatV2",
                            "SparseToDense",
                            "Identity",
                            "Reshape"));

    /** One input or output of the converted model: its ONNX name and dims (-1: dynamic). */
    public record Port(String name, long[] dims) {}

    /** The converted model, its inputs and outputs (in the signature's order) and op counts. */
    public record Result(
            ModelProto model, List<Port> inputs, List<Port> outputs, Map<String, Integer> ops) {}

    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;
    private static final long[] NHWC_TO_NCHW = {0, 3, 1, 2};
    private static final long[] NCHW_TO_NHWC = {0, 2, 3, 1};

    /** A value of the graph: a constant known at conversion time, or an ONNX tensor. */
    private record Val(TfTensor constant, String onnx, boolean isFloat) {
        static Val of(TfTensor c) {
            return new Val(c, null, c.isFloat());
        }

        static Val tensor(String onnx, boolean isFloat) {
            return new Val(null, onnx, isFloat);
        }

        boolean isConst() {
            return constant != null;
        }
    }

    private final TfjsGraphModel tf;
    private final Map<String, TfjsGraphModel.Node> nodes;
    private final OnnxGraphBuilder b;
    private final Map<String, Val> values = new HashMap<>();
    private final Set<String> converting = new LinkedHashSet<>();
    private final Map<TfTensor, String> floatInits = new IdentityHashMap<>();
    private final Map<TfTensor, String> longInits = new IdentityHashMap<>();
    private final Map<String, String> nchwOf = new HashMap<>();
    private final Map<String, Integer> opCounts = new java.util.TreeMap<>();

    private TfjsConverter(TfjsGraphModel tf, String name) {
        this.tf = tf;
        this.nodes = tf.byName();
        this.b = new OnnxGraphBuilder(name);
    }

    /** Reads {@code model.json} and its weight shards and converts them. */
    public static Result convert(Path modelJson, String name) throws IOException {
        return new TfjsConverter(TfjsGraphModel.read(modelJson), name).run();
    }

    private Result run() {
        if (tf.outputs.isEmpty() || tf.inputs.isEmpty()) {
            throw new TfjsConversionException(
                    tf.file
                            + ": no signature with inputs and outputs (convert with a TensorFlow.js"
                            + " converter of version 2 or later)");
        }
        List<Port> ins = new ArrayList<>();
        for (TfjsGraphModel.Port p : tf.inputs) {
            String node = nodeOf(p.tensor());
            TfjsGraphModel.Node n = nodes.get(node);
            if (n == null || !n.op().equals("Placeholder")) {
                throw new TfjsConversionException(
                        "signature input " + p.key() + ": " + p.tensor() + " is not a Placeholder");
            }
            String dtype = n.type("dtype", "DT_FLOAT");
            if (!dtype.equals("DT_FLOAT")) {
                throw new TfjsConversionException(
                        "node '"
                                + node
                                + "' (Placeholder): input dtype "
                                + dtype
                                + " is not supported (float32 only)");
            }
            long[] dims = p.shape().clone();
            if (dims.length == 0) {
                throw new TfjsConversionException(
                        "node '" + node + "' (Placeholder): a scalar input cannot carry a batch");
            }
            dims[0] = -1;
            String onnxName = onnxName(p.tensor());
            b.input(onnxName, FLOAT, dims);
            values.put(node, Val.tensor(onnxName, true));
            ins.add(new Port(onnxName, dims));
        }
        List<Port> outs = new ArrayList<>();
        for (TfjsGraphModel.Port p : tf.outputs) {
            Val v = value(p.tensor());
            String onnxName = onnxName(p.tensor());
            long[] dims = p.shape().clone();
            if (dims.length > 0) {
                dims[0] = -1;
            }
            b.identity(tensor(v, v.isFloat()), onnxName);
            b.output(onnxName, v.isFloat() ? FLOAT : INT64, dims);
            outs.add(new Port(onnxName, dims));
        }
        ModelProto model =
                b.build("Converted from the TensorFlow.js graph model " + tf.file.getFileName());
        return new Result(model, ins, outs, opCounts);
    }

    // ---- graph walk ----

    private static String nodeOf(String ref) {
        int colon = ref.indexOf(':');
        return colon < 0 ? ref : ref.substring(0, colon);
    }

    private static int indexOf(String ref) {
        int colon = ref.indexOf(':');
        return colon < 0 ? 0 : Integer.parseInt(ref.substring(colon + 1));
    }

    private static String onnxName(String ref) {
        return indexOf(ref) == 0 ? nodeOf(ref) : nodeOf(ref) + "_" + indexOf(ref);
    }

    private static String key(String node, int index) {
        return index == 0 ? node : node + ":" + index;
    }

    private Val value(String ref) {
        String node = nodeOf(ref);
        int index = indexOf(ref);
        Val v = values.get(key(node, index));
        if (v != null) {
            return v;
        }
        TfjsGraphModel.Node n = nodes.get(node);
        if (n == null) {
            throw new TfjsConversionException("input '" + ref + "' names no node of the graph");
        }
        if (!converting.add(node)) {
            throw new TfjsConversionException("node '" + node + "' is part of a cycle");
        }
        convert(n);
        converting.remove(node);
        v = values.get(key(node, index));
        if (v == null) {
            throw new TfjsConversionException(
                    "node '" + node + "' (" + n.op() + ") has no output " + index);
        }
        return v;
    }

    private Val in(TfjsGraphModel.Node n, int i) {
        if (i >= n.inputs().size()) {
            throw error(n, "expects at least " + (i + 1) + " inputs");
        }
        return value(n.inputs().get(i));
    }

    private TfTensor constIn(TfjsGraphModel.Node n, int i, String what) {
        Val v = in(n, i);
        if (!v.isConst()) {
            throw error(n, "its " + what + " must be a constant");
        }
        return v.constant();
    }

    private static TfjsConversionException error(TfjsGraphModel.Node n, String reason) {
        return new TfjsConversionException("node '" + n.name() + "' (" + n.op() + "): " + reason);
    }

    private void put(TfjsGraphModel.Node n, Val v) {
        values.put(n.name(), v);
    }

    private void put(TfjsGraphModel.Node n, String onnx, boolean isFloat) {
        values.put(n.name(), Val.tensor(onnx, isFloat));
    }

    /** The ONNX tensor of a value; a constant becomes an initializer (float or int64). */
    private String tensor(Val v, boolean asFloat) {
        if (!v.isConst()) {
            return v.onnx();
        }
        TfTensor c = v.constant();
        if (asFloat) {
            return floatInits.computeIfAbsent(c, t -> b.floatTensor(t.shape(), t.asFloats()));
        }
        return longInits.computeIfAbsent(c, t -> b.longTensor(t.shape(), t.asLongs()));
    }

    private String longs(long... values) {
        return b.longTensor(new long[] {values.length}, values);
    }

    private String scalarFloat(float v) {
        return b.floatTensor(new long[0], new float[] {v});
    }

    private String op(String op, String[] inputs, AttributeProto... attrs) {
        return b.op(op, inputs, attrs);
    }

    private String op(String op, String input, AttributeProto... attrs) {
        return b.op(op, new String[] {input}, attrs);
    }

    private String toNchw(String nhwc) {
        String known = nchwOf.get(nhwc);
        return known != null ? known : op("Transpose", nhwc, intsAttr("perm", NHWC_TO_NCHW));
    }

    private String toNhwc(String nchw) {
        String nhwc = op("Transpose", nchw, intsAttr("perm", NCHW_TO_NHWC));
        nchwOf.put(nhwc, nchw);
        return nhwc;
    }

    // ---- ops ----

    private void convert(TfjsGraphModel.Node n) {
        String op = n.op();
        if (op.equals("Const")) {
            TfTensor w = tf.weights.get(n.name());
            if (w == null) {
                throw error(n, "no weight of this name in the weightsManifest");
            }
            put(n, Val.of(w));
            return;
        }
        if (FOLDED_OPS.contains(op) && allConst(n)) {
            put(n, Val.of(ConstantFolding.fold(n, constants(n))));
            return;
        }
        if (!SUPPORTED_OPS.contains(op)) {
            throw error(
                    n,
                    "op "
                            + op
                            + " is not supported by the converter (supported: "
                            + String.join(", ", SUPPORTED_OPS)
                            + ")");
        }
        opCounts.merge(op, 1, Integer::sum);
        switch (op) {
            case "Placeholder" -> throw error(n, "is not an input of the signature");
            case "Identity", "StopGradient", "Snapshot" -> put(n, in(n, 0));
            case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative" ->
                    conv(n);
            case "MaxPool", "AvgPool" -> pool(n);
            case "Pad", "PadV2", "MirrorPad" -> pad(n);
            case "ConcatV2", "Concat" -> concat(n);
            case "ResizeBilinear", "ResizeNearestNeighbor" -> resize(n);
            case "Reshape" -> reshape(n);
            case "Transpose" -> {
                Val x = in(n, 0);
                long[] perm = constIn(n, 1, "permutation").asLongs();
                put(n, op("Transpose", tensor(x, true), intsAttr("perm", perm)), x.isFloat());
            }
            case "StridedSlice" -> stridedSlice(n);
            case "Split" -> split(n, in(n, 1), constIn(n, 0, "axis").scalar(), null);
            case "SplitV" ->
                    split(
                            n,
                            in(n, 0),
                            constIn(n, 2, "axis").scalar(),
                            constIn(n, 1, "size_splits").asLongs());
            case "Pack" -> pack(n);
            case "Unpack" -> unpack(n);
            case "ExpandDims" -> {
                Val x = in(n, 0);
                long axis = (long) constIn(n, 1, "axis").scalar();
                put(
                        n,
                        op("Unsqueeze", new String[] {tensor(x, x.isFloat()), longs(axis)}),
                        x.isFloat());
            }
            case "Squeeze" -> {
                Val x = in(n, 0);
                long[] dims = n.ints("squeeze_dims");
                if (dims.length == 0) {
                    dims = n.ints("axis");
                }
                if (dims.length == 0) {
                    throw error(
                            n,
                            "squeezing every size-1 dimension needs static shapes; give"
                                    + " squeeze_dims");
                }
                put(
                        n,
                        op("Squeeze", new String[] {tensor(x, x.isFloat()), longs(dims)}),
                        x.isFloat());
            }
            case "Cast" -> cast(n);
            case "Add",
                    "AddV2",
                    "BiasAdd",
                    "Sub",
                    "Mul",
                    "RealDiv",
                    "Div",
                    "Maximum",
                    "Minimum",
                    "Pow",
                    "SquaredDifference" ->
                    binary(n);
            case "MatMul", "_FusedMatMul" -> matMul(n);
            case "Mean" -> {
                Val x = in(n, 0);
                long[] axes = constIn(n, 1, "axes").asLongs();
                put(
                        n,
                        op(
                                "ReduceMean",
                                tensor(x, true),
                                intsAttr("axes", axes),
                                intAttribute("keepdims", n.bool("keep_dims", false) ? 1 : 0)),
                        true);
            }
            case "Softmax" ->
                    put(n, op("Softmax", tensor(in(n, 0), true), intAttribute("axis", -1)), true);
            case "SparseToDense" -> throw error(n, "only constant inputs are supported");
            default -> put(n, activation(n, op, tensor(in(n, 0), true), "alpha"), true);
        }
    }

    private boolean allConst(TfjsGraphModel.Node n) {
        for (String i : n.inputs()) {
            if (!value(i).isConst()) {
                return false;
            }
        }
        return !n.inputs().isEmpty();
    }

    private List<TfTensor> constants(TfjsGraphModel.Node n) {
        List<TfTensor> out = new ArrayList<>();
        for (String i : n.inputs()) {
            out.add(value(i).constant());
        }
        return out;
    }

    /** Unary activations, standalone or fused into a convolution or MatMul. */
    private String activation(TfjsGraphModel.Node n, String act, String x, String alphaAttr) {
        return switch (act) {
            case "Relu" -> op("Relu", x);
            case "Relu6" -> op("Clip", new String[] {x, scalarFloat(0f), scalarFloat(6f)});
            case "Elu" -> op("Elu", x);
            case "LeakyRelu" -> op("LeakyRelu", x, floatAttr("alpha", n.real(alphaAttr, 0.2f)));
            case "Sigmoid" -> op("Sigmoid", x);
            case "Tanh" -> op("Tanh", x);
            case "Exp" -> op("Exp", x);
            case "Log" -> op("Log", x);
            case "Sqrt" -> op("Sqrt", x);
            case "Rsqrt" -> op("Reciprocal", op("Sqrt", x));
            case "Neg" -> op("Neg", x);
            case "Abs" -> op("Abs", x);
            case "Square" -> op("Mul", new String[] {x, x});
            case "Softplus" -> op("Softplus", x);
            case "Floor" -> op("Floor", x);
            case "Ceil" -> op("Ceil", x);
            default -> throw error(n, "activation " + act + " is not supported");
        };
    }

    /** Fused ops after BiasAdd: one activation at most. */
    private String fused(TfjsGraphModel.Node n, String y) {
        List<String> fusedOps = n.strings("fused_ops");
        for (int i = 0; i < fusedOps.size(); i++) {
            String f = fusedOps.get(i);
            if (i == 0 && f.equals("BiasAdd")) {
                continue;
            }
            if (i == 0) {
                throw error(n, "fused op " + f + " is not supported (BiasAdd first)");
            }
            if (f.equals("Prelu")) {
                throw error(n, "fused Prelu is not supported");
            }
            y = activation(n, f, y, "leakyrelu_alpha");
        }
        return y;
    }

    private void conv(TfjsGraphModel.Node n) {
        boolean depthwise = n.op().contains("Depthwise");
        boolean nhwc = !n.string("data_format", "NHWC").equals("NCHW");
        Val xv = in(n, 0);
        TfTensor filter = constIn(n, 1, "filter");
        if (filter.rank() != 4) {
            throw error(n, "filter of rank " + filter.rank() + " (2-D convolutions only)");
        }
        int kh = (int) filter.shape()[0];
        int kw = (int) filter.shape()[1];
        int cin = (int) filter.shape()[2];
        int cout = (int) filter.shape()[3];
        float[] w = filter.asFloats();
        float[] oihw = new float[w.length];
        long[] wDims;
        if (!depthwise) {
            // HWIO -> OIHW
            for (int h = 0; h < kh; h++) {
                for (int x = 0; x < kw; x++) {
                    for (int i = 0; i < cin; i++) {
                        for (int o = 0; o < cout; o++) {
                            oihw[((o * cin + i) * kh + h) * kw + x] =
                                    w[((h * kw + x) * cin + i) * cout + o];
                        }
                    }
                }
            }
            wDims = new long[] {cout, cin, kh, kw};
        } else {
            // H W C M -> (C*M) 1 H W, group C
            int m = cout;
            for (int h = 0; h < kh; h++) {
                for (int x = 0; x < kw; x++) {
                    for (int c = 0; c < cin; c++) {
                        for (int k = 0; k < m; k++) {
                            oihw[((c * m + k) * kh + h) * kw + x] =
                                    w[((h * kw + x) * cin + c) * m + k];
                        }
                    }
                }
            }
            wDims = new long[] {(long) cin * m, 1, kh, kw};
        }
        List<String> inputs = new ArrayList<>();
        String x = tensor(xv, true);
        inputs.add(nhwc ? toNchw(x) : x);
        inputs.add(b.floatTensor(wDims, oihw));
        List<String> fusedOps = n.strings("fused_ops");
        if (!fusedOps.isEmpty() && fusedOps.get(0).equals("BiasAdd")) {
            inputs.add(tensor(Val.of(constIn(n, 2, "bias")), true));
        }
        List<AttributeProto> attrs = new ArrayList<>();
        long[] strides = n.ints("strides");
        long[] dilations = n.ints("dilations");
        attrs.add(intsAttr("kernel_shape", kh, kw));
        if (strides.length == 4) {
            attrs.add(
                    nhwc
                            ? intsAttr("strides", strides[1], strides[2])
                            : intsAttr("strides", strides[2], strides[3]));
        }
        if (dilations.length == 4) {
            attrs.add(
                    nhwc
                            ? intsAttr("dilations", dilations[1], dilations[2])
                            : intsAttr("dilations", dilations[2], dilations[3]));
        }
        if (depthwise) {
            attrs.add(intAttribute("group", cin));
        }
        attrs.add(padding(n, nhwc));
        String y =
                b.op("Conv", inputs.toArray(String[]::new), attrs.toArray(AttributeProto[]::new));
        y = fused(n, y);
        put(n, nhwc ? toNhwc(y) : y, true);
    }

    private AttributeProto padding(TfjsGraphModel.Node n, boolean nhwc) {
        String padding = n.string("padding", "VALID");
        switch (padding) {
            case "SAME":
                // TensorFlow puts the odd padding pixel at the end, as ONNX's SAME_UPPER does.
                return stringAttr("auto_pad", "SAME_UPPER");
            case "VALID":
                return stringAttr("auto_pad", "VALID");
            case "EXPLICIT":
                long[] p = n.ints("explicit_paddings");
                if (p.length != 8) {
                    throw error(n, "explicit_paddings must have 8 values");
                }
                int hi = nhwc ? 2 : 4;
                int wi = nhwc ? 4 : 6;
                return intsAttr("pads", p[hi], p[wi], p[hi + 1], p[wi + 1]);
            default:
                throw error(n, "padding " + padding + " is not supported");
        }
    }

    private void pool(TfjsGraphModel.Node n) {
        boolean nhwc = !n.string("data_format", "NHWC").equals("NCHW");
        long[] k = n.ints("ksize");
        long[] s = n.ints("strides");
        if (k.length != 4 || s.length != 4) {
            throw error(n, "ksize and strides must have 4 values");
        }
        int h = nhwc ? 1 : 2;
        String x = tensor(in(n, 0), true);
        String y =
                op(
                        n.op().equals("MaxPool") ? "MaxPool" : "AveragePool",
                        nhwc ? toNchw(x) : x,
                        intsAttr("kernel_shape", k[h], k[h + 1]),
                        intsAttr("strides", s[h], s[h + 1]),
                        padding(n, nhwc));
        put(n, nhwc ? toNhwc(y) : y, true);
    }

    private void pad(TfjsGraphModel.Node n) {
        Val x = in(n, 0);
        TfTensor p = constIn(n, 1, "paddings");
        long[] flat = p.asLongs();
        int rank = flat.length / 2;
        long[] pads = new long[flat.length];
        for (int i = 0; i < rank; i++) {
            pads[i] = flat[2 * i];
            pads[rank + i] = flat[2 * i + 1];
        }
        List<String> inputs = new ArrayList<>(List.of(tensor(x, x.isFloat()), longs(pads)));
        String mode = "constant";
        if (n.op().equals("PadV2")) {
            TfTensor c = constIn(n, 2, "constant_values");
            inputs.add(
                    x.isFloat()
                            ? b.floatTensor(new long[0], new float[] {(float) c.scalar()})
                            : b.longTensor(new long[0], new long[] {(long) c.scalar()}));
        } else if (n.op().equals("MirrorPad")) {
            String m = n.string("mode", "REFLECT");
            if (!m.equals("REFLECT")) {
                throw error(n, "MirrorPad mode " + m + " has no ONNX equivalent (REFLECT only)");
            }
            mode = "reflect";
        }
        put(n, op("Pad", inputs.toArray(String[]::new), stringAttr("mode", mode)), x.isFloat());
    }

    private void concat(TfjsGraphModel.Node n) {
        boolean v2 = n.op().equals("ConcatV2");
        int count = n.inputs().size() - 1;
        long axis = (long) constIn(n, v2 ? count : 0, "axis").scalar();
        List<Val> parts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            parts.add(in(n, v2 ? i : i + 1));
        }
        boolean isFloat =
                parts.stream().anyMatch(v -> !v.isConst() && v.isFloat())
                        || parts.stream().allMatch(Val::isFloat);
        String[] names = parts.stream().map(v -> tensor(v, isFloat)).toArray(String[]::new);
        put(n, op("Concat", names, intAttribute("axis", axis)), isFloat);
    }

    private void resize(TfjsGraphModel.Node n) {
        boolean nearest = n.op().equals("ResizeNearestNeighbor");
        boolean alignCorners = n.bool("align_corners", false);
        boolean halfPixel = n.bool("half_pixel_centers", false);
        long[] size = constIn(n, 1, "size").asLongs();
        String x = toNchw(tensor(in(n, 0), true));
        // sizes = [N, C] of the input (the batch is dynamic) + the constant [H, W]
        String nc = op("Slice", new String[] {op("Shape", x), longs(0), longs(2)});
        String sizes =
                op("Concat", new String[] {nc, longs(size[0], size[1])}, intAttribute("axis", 0));
        String transform;
        String nearestMode = "floor";
        if (alignCorners) {
            transform = "align_corners";
            nearestMode = "round_prefer_ceil";
        } else if (halfPixel) {
            transform = nearest ? "tf_half_pixel_for_nn" : "half_pixel";
        } else {
            transform = "asymmetric";
        }
        List<AttributeProto> attrs = new ArrayList<>();
        attrs.add(stringAttr("mode", nearest ? "nearest" : "linear"));
        attrs.add(stringAttr("coordinate_transformation_mode", transform));
        if (nearest) {
            attrs.add(stringAttr("nearest_mode", nearestMode));
        }
        String y =
                b.op(
                        "Resize",
                        new String[] {x, "", "", sizes},
                        attrs.toArray(AttributeProto[]::new));
        put(n, toNhwc(y), true);
    }

    private void reshape(TfjsGraphModel.Node n) {
        Val x = in(n, 0);
        Val shape = in(n, 1);
        String s;
        if (shape.isConst()) {
            long[] dims = shape.constant().asLongs().clone();
            if (dims.length > 0 && dims[0] == 1) {
                dims[0] = 0; // the traced batch of 1: keep the input's batch
            }
            s = longs(dims);
        } else {
            s =
                    shape.isFloat()
                            ? op("Cast", shape.onnx(), intAttribute("to", INT64))
                            : shape.onnx();
        }
        put(n, op("Reshape", new String[] {tensor(x, x.isFloat()), s}), x.isFloat());
    }

    private void stridedSlice(TfjsGraphModel.Node n) {
        Val x = in(n, 0);
        long[] begin = constIn(n, 1, "begin").asLongs();
        long[] end = constIn(n, 2, "end").asLongs();
        long[] strides = n.inputs().size() > 3 ? constIn(n, 3, "strides").asLongs() : null;
        long beginMask = n.integer("begin_mask", 0);
        long endMask = n.integer("end_mask", 0);
        long ellipsisMask = n.integer("ellipsis_mask", 0);
        long newAxisMask = n.integer("new_axis_mask", 0);
        long shrinkMask = n.integer("shrink_axis_mask", 0);
        int specs = begin.length;
        if (Long.bitCount(ellipsisMask) > 1) {
            throw error(n, "more than one ellipsis");
        }
        int ellipsis = ellipsisMask == 0 ? -1 : Long.numberOfTrailingZeros(ellipsisMask);
        if (ellipsis >= 0 && newAxisMask != 0) {
            throw error(n, "new_axis_mask together with ellipsis_mask is not supported");
        }
        List<Long> sb = new ArrayList<>();
        List<Long> se = new ArrayList<>();
        List<Long> sa = new ArrayList<>();
        List<Long> ss = new ArrayList<>();
        List<Long> squeeze = new ArrayList<>();
        List<Long> unsqueeze = new ArrayList<>();
        int axis = 0; // axis of the input (before ellipsis), or offset from the end after it
        for (int i = 0; i < specs; i++) {
            if (i == ellipsis) {
                continue;
            }
            long stride = strides == null ? 1 : strides[i];
            long ax;
            if (ellipsis >= 0 && i > ellipsis) {
                ax = -(specs - i); // counted from the last axis
            } else {
                ax = axis;
            }
            if ((newAxisMask >> i & 1) != 0) {
                // its position in the output: the earlier specs that are not shrunk
                long pos = 0;
                for (int j = 0; j < i; j++) {
                    pos += (shrinkMask >> j & 1) != 0 ? 0 : 1;
                }
                unsqueeze.add(pos);
                continue;
            }
            axis++;
            boolean shrink = (shrinkMask >> i & 1) != 0;
            long bgn = begin[i];
            long en = end[i];
            if (shrink) {
                en = bgn == -1 ? Long.MAX_VALUE : bgn + 1;
                stride = 1;
                squeeze.add(ax);
            } else {
                if ((beginMask >> i & 1) != 0) {
                    bgn = stride > 0 ? 0 : Long.MAX_VALUE;
                }
                if ((endMask >> i & 1) != 0) {
                    en = stride > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
                }
            }
            if (!shrink && bgn == 0 && en == Long.MAX_VALUE && stride == 1) {
                continue; // the whole axis
            }
            sb.add(bgn);
            se.add(en);
            sa.add(ax);
            ss.add(stride);
        }
        String y = tensor(x, x.isFloat());
        if (!sa.isEmpty()) {
            y =
                    op(
                            "Slice",
                            new String[] {
                                y,
                                longs(toArray(sb)),
                                longs(toArray(se)),
                                longs(toArray(sa)),
                                longs(toArray(ss))
                            });
        }
        if (!squeeze.isEmpty()) {
            y = op("Squeeze", new String[] {y, longs(toArray(squeeze))});
        }
        if (!unsqueeze.isEmpty()) {
            y = op("Unsqueeze", new String[] {y, longs(toArray(unsqueeze))});
        }
        if (y.equals(x.onnx())) {
            y = op("Identity", y);
        }
        put(n, y, x.isFloat());
    }

    private static long[] toArray(List<Long> l) {
        return l.stream().mapToLong(Long::longValue).toArray();
    }

    private void split(TfjsGraphModel.Node n, Val x, double axisValue, long[] sizes) {
        long axis = (long) axisValue;
        int count;
        String[] inputs;
        if (sizes == null) {
            count = (int) n.integer("num_split", 1);
            inputs = new String[] {tensor(x, x.isFloat())};
        } else {
            for (long s : sizes) {
                if (s < 0) {
                    throw error(n, "a size of -1 in size_splits needs static shapes");
                }
            }
            count = sizes.length;
            inputs = new String[] {tensor(x, x.isFloat()), longs(sizes)};
        }
        String[] outs = b.op("Split", inputs, count, intAttribute("axis", axis));
        for (int i = 0; i < count; i++) {
            values.put(key(n.name(), i), Val.tensor(outs[i], x.isFloat()));
        }
    }

    private void pack(TfjsGraphModel.Node n) {
        long axis = n.integer("axis", 0);
        List<Val> parts = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            parts.add(in(n, i));
        }
        boolean isFloat = parts.stream().anyMatch(v -> !v.isConst() && v.isFloat());
        String ax = longs(axis);
        String[] names =
                parts.stream()
                        .map(v -> op("Unsqueeze", new String[] {tensor(v, isFloat), ax}))
                        .toArray(String[]::new);
        put(n, op("Concat", names, intAttribute("axis", axis)), isFloat);
    }

    private void unpack(TfjsGraphModel.Node n) {
        Val x = in(n, 0);
        long axis = n.integer("axis", 0);
        int num = (int) n.integer("num", -1);
        if (num < 1) {
            throw error(n, "attribute num is missing");
        }
        String[] outs =
                b.op(
                        "Split",
                        new String[] {tensor(x, x.isFloat())},
                        num,
                        intAttribute("axis", axis));
        String ax = longs(axis);
        for (int i = 0; i < num; i++) {
            values.put(
                    key(n.name(), i),
                    Val.tensor(op("Squeeze", new String[] {outs[i], ax}), x.isFloat()));
        }
    }

    private void cast(TfjsGraphModel.Node n) {
        Val x = in(n, 0);
        String dst = n.type("DstT", "DT_FLOAT");
        boolean toFloat = dst.equals("DT_FLOAT");
        int to =
                switch (dst) {
                    case "DT_FLOAT" -> FLOAT;
                    case "DT_INT32", "DT_INT64" -> INT64;
                    case "DT_BOOL" -> TensorProto.DataType.BOOL_VALUE;
                    default -> throw error(n, "cast to " + dst + " is not supported");
                };
        put(n, op("Cast", tensor(x, x.isFloat()), intAttribute("to", to)), toFloat);
    }

    private void binary(TfjsGraphModel.Node n) {
        Val a = in(n, 0);
        Val c = in(n, 1);
        boolean isFloat = (!a.isConst() ? a.isFloat() : c.isConst() || c.isFloat());
        if (n.op().equals("BiasAdd") && n.string("data_format", "NHWC").equals("NCHW")) {
            if (!c.isConst()) {
                throw error(n, "an NCHW bias must be a constant");
            }
            TfTensor bias = c.constant();
            c = Val.of(TfTensor.ofFloats(new long[] {bias.size(), 1, 1}, bias.asFloats()));
        }
        String x = tensor(a, isFloat);
        String y = tensor(c, isFloat);
        String out =
                switch (n.op()) {
                    case "Add", "AddV2", "BiasAdd" -> op("Add", new String[] {x, y});
                    case "Sub" -> op("Sub", new String[] {x, y});
                    case "Mul" -> op("Mul", new String[] {x, y});
                    case "RealDiv", "Div" -> op("Div", new String[] {x, y});
                    case "Maximum" -> op("Max", new String[] {x, y});
                    case "Minimum" -> op("Min", new String[] {x, y});
                    case "Pow" -> op("Pow", new String[] {x, y});
                    case "SquaredDifference" -> {
                        String d = op("Sub", new String[] {x, y});
                        yield op("Mul", new String[] {d, d});
                    }
                    default -> throw error(n, "not a binary op");
                };
        put(n, out, isFloat);
    }

    private void matMul(TfjsGraphModel.Node n) {
        String a = tensor(in(n, 0), true);
        String c = tensor(in(n, 1), true);
        if (n.bool("transpose_a", false)) {
            a = op("Transpose", a, intsAttr("perm", 1, 0));
        }
        if (n.bool("transpose_b", false)) {
            c = op("Transpose", c, intsAttr("perm", 1, 0));
        }
        String y = op("MatMul", new String[] {a, c});
        List<String> fusedOps = n.strings("fused_ops");
        if (!fusedOps.isEmpty() && fusedOps.get(0).equals("BiasAdd")) {
            y = op("Add", new String[] {y, tensor(in(n, 2), true)});
        }
        put(n, fused(n, y), true);
    }

    /** For messages: the sorted op list. */
    public static String supportedOps() {
        return String.join(", ", SUPPORTED_OPS);
    }
}
