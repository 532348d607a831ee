package io.coedge.models.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TensorFlow.js graph model as stored: {@code model.json} (format {@code graph-model}: a
 * TensorFlow GraphDef as JSON in {@code modelTopology.node}, the weights' manifest in {@code
 * weightsManifest}) and its little-endian weight shards. Weights of dtype float32, int32 and bool
 * are read, including the converter's quantisations (float16; uint8/uint16 affine with {@code
 * scale} and {@code min}); a quantised float weight is returned as float32.
 */
final class TfjsGraphModel {

    /** One GraphDef node; {@code inputs} without control inputs ({@code ^name}). */
    record Node(String name, String op, List<String> inputs, JsonNode attr) {

        JsonNode attr(String key) {
            return attr == null ? null : attr.get(key);
        }

        String string(String key, String fallback) {
            JsonNode a = attr(key);
            if (a == null || !a.has("s")) {
                return fallback;
            }
            return new String(
                    Base64.getDecoder().decode(a.get("s").asText()), StandardCharsets.UTF_8);
        }

        long integer(String key, long fallback) {
            JsonNode a = attr(key);
            return a == null || !a.has("i") ? fallback : Long.parseLong(a.get("i").asText());
        }

        float real(String key, float fallback) {
            JsonNode a = attr(key);
            return a == null || !a.has("f") ? fallback : (float) a.get("f").asDouble();
        }

        boolean bool(String key, boolean fallback) {
            JsonNode a = attr(key);
            return a == null || !a.has("b") ? fallback : a.get("b").asBoolean();
        }

        String type(String key, String fallback) {
            JsonNode a = attr(key);
            return a == null || !a.has("type") ? fallback : a.get("type").asText();
        }

        long[] ints(String key) {
            JsonNode a = attr(key);
            if (a == null || !a.has("list") || !a.get("list").has("i")) {
                return new long[0];
            }
            JsonNode list = a.get("list").get("i");
            long[] out = new long[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = Long.parseLong(list.get(i).asText());
            }
            return out;
        }

        List<String> strings(String key) {
            JsonNode a = attr(key);
            List<String> out = new ArrayList<>();
            if (a != null && a.has("list") && a.get("list").has("s")) {
                for (JsonNode s : a.get("list").get("s")) {
                    out.add(
                            new String(
                                    Base64.getDecoder().decode(s.asText()),
                                    StandardCharsets.UTF_8));
                }
            }
            return out;
        }
    }

    /** A signature entry: the tensor's name in the graph ({@code node:k}) and its shape. */
    record Port(String key, String tensor, long[] shape) {}

    final Path file;
    final List<Node> nodes;
    final Map<String, TfTensor> weights;
    final List<Port> inputs;
    final List<Port> outputs;

    private TfjsGraphModel(
            Path file,
            List<Node> nodes,
            Map<String, TfTensor> weights,
            List<Port> inputs,
            List<Port> outputs) {
        this.file = file;
        this.nodes = nodes;
        this.weights = weights;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    static TfjsGraphModel read(Path modelJson) throws IOException {
        if (!Files.isRegularFile(modelJson)) {
            throw new TfjsConversionException(modelJson + ": no such file");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(modelJson.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new TfjsConversionException(
                    modelJson + ": not JSON (" + e.getOriginalMessage() + ")");
        }
        String format = root.path("format").asText("");
        JsonNode topology = root.path("modelTopology");
        if (!format.isEmpty() && !format.equals("graph-model")) {
            throw new TfjsConversionException(
                    modelJson
                            + ": format '"
                            + format
                            + "' is not a TensorFlow.js graph model (layers models are not supported)");
        }
        if (!topology.has("node")) {
            throw new TfjsConversionException(
                    modelJson + ": no modelTopology.node (not a TensorFlow.js graph model)");
        }
        List<Node> nodes = new ArrayList<>();
        for (JsonNode n : topology.get("node")) {
            List<String> ins = new ArrayList<>();
            for (JsonNode i : n.path("input")) {
                if (!i.asText().startsWith("^")) {
                    ins.add(i.asText());
                }
            }
            nodes.add(new Node(n.get("name").asText(), n.get("op").asText(), ins, n.get("attr")));
        }
        Map<String, TfTensor> weights = readWeights(modelJson, root.path("weightsManifest"));
        JsonNode signature = root.path("signature");
        return new TfjsGraphModel(
                modelJson,
                nodes,
                weights,
                ports(signature.path("inputs")),
                ports(signature.path("outputs")));
    }

    private static List<Port> ports(JsonNode entries) {
        List<Port> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : entries.properties()) {
            JsonNode dims = e.getValue().path("tensorShape").path("dim");
            long[] shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = dims.get(i).path("size").asLong(-1);
            }
            out.add(new Port(e.getKey(), e.getValue().path("name").asText(e.getKey()), shape));
        }
        return out;
    }

    private static Map<String, TfTensor> readWeights(Path modelJson, JsonNode manifest)
            throws IOException {
        Map<String, TfTensor> weights = new HashMap<>();
        Path dir = modelJson.toAbsolutePath().getParent();
        for (JsonNode group : manifest) {
            List<byte[]> shards = new ArrayList<>();
            int total = 0;
            for (JsonNode p : group.path("paths")) {
                Path shard = dir.resolve(p.asText());
                if (!Files.isRegularFile(shard)) {
                    throw new TfjsConversionException(
                            modelJson + ": weight shard " + p.asText() + " is missing");
                }
                byte[] bytes = Files.readAllBytes(shard);
                shards.add(bytes);
                total += bytes.length;
            }
            ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            shards.forEach(buf::put);
            buf.flip();
            for (JsonNode w : group.path("weights")) {
                String name = w.get("name").asText();
                JsonNode shapeNode = w.path("shape");
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asLong();
                }
                int n = Math.toIntExact(TfTensor.elements(shape));
                String dtype = w.path("dtype").asText();
                JsonNode q = w.get("quantization");
                try {
                    weights.put(name, decode(buf, name, dtype, q, shape, n));
                } catch (java.nio.BufferUnderflowException e) {
                    throw new TfjsConversionException(
                            modelJson + ": weight " + name + " runs past the end of its shards");
                }
            }
        }
        return weights;
    }

    private static TfTensor decode(
            ByteBuffer buf, String name, String dtype, JsonNode q, long[] shape, int n) {
        if (q != null) {
            String qtype = q.path("dtype").asText();
            float[] f = new float[n];
            switch (qtype) {
                case "float16" -> {
                    for (int i = 0; i < n; i++) {
                        f[i] = halfToFloat(buf.getShort());
                    }
                }
                case "uint8", "uint16" -> {
                    float scale = (float) q.path("scale").asDouble();
                    float min = (float) q.path("min").asDouble();
                    for (int i = 0; i < n; i++) {
                        int v = qtype.equals("uint8") ? buf.get() & 0xff : buf.getShort() & 0xffff;
                        f[i] = v * scale + min;
                    }
                }
                default ->
                        throw new TfjsConversionException(
                                "weight " + name + ": unsupported quantization dtype " + qtype);
            }
            if (dtype.equals("int32")) {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = Math.round(f[i]);
                }
                return TfTensor.ofLongs(shape, l);
            }
            return TfTensor.ofFloats(shape, f);
        }
        switch (dtype) {
            case "float32" -> {
                float[] f = new float[n];
                buf.asFloatBuffer().get(f);
                buf.position(buf.position() + 4 * n);
                return TfTensor.ofFloats(shape, f);
            }
            case "int32" -> {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = buf.getInt();
                }
                return TfTensor.ofLongs(shape, l);
            }
            case "bool" -> {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = buf.get() != 0 ? 1 : 0;
                }
                return TfTensor.ofLongs(shape, l);
            }
            default ->
                    throw new TfjsConversionException(
                            "weight " + name + ": unsupported dtype " + dtype);
        }
    }

    /** IEEE 754 binary16 to binary32 (Float.float16ToFloat needs Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant / 1024f / 16384f; // 2^-14 * mant/2^10
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Nodes by name, in file order. */
    Map<String, Node> byName() {
        Map<String, Node> out = new LinkedHashMap<>();
        for (Node n : nodes) {
            out.put(n.name(), n);
        }
        return out;
    }
}
