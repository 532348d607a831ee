package io.coedge.sidecar.runtime;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.coedge.oip.TensorShapes;
import io.coedge.oip.v2.config.ModelConfig;
import io.coedge.oip.v2.config.ModelInput;
import io.coedge.oip.v2.config.ModelOutput;
import io.coedge.oip.v2.config.ModelParameter;
import io.coedge.sidecar.repository.Datatype;
import io.coedge.sidecar.repository.RepositoryException;
import io.coedge.sidecar.repository.ServedModel;
import io.coedge.sidecar.repository.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The delay runtime, for tests and benchmarks (as Triton's QA tests use delay models): a model that
 * computes nothing, needs no model file and no ONNX Runtime, and whose execution takes the time its
 * config.pbtxt sets, {@code execute_delay_us + execute_delay_per_item_us x batch size} (batch size
 * 1 for a model that does not batch). It runs behind the same scheduler, admission and latency
 * profile as an ONNX model, so what a test asserts depends on that delay only.
 *
 * <p>Each output has its declared datatype and shape: a copy of the first input with the same
 * datatype and dims (Triton's identity model), else zeros.
 */
public final class DelayModel {
    /** {@code backend: "coedge_delay"} in config.pbtxt selects this runtime. */
    public static final String BACKEND = ServedModel.DELAY_BACKEND;

    /** Microseconds per execution, whatever the batch size (default 0). */
    public static final String PARAM_DELAY_US = "execute_delay_us";

    /** Microseconds added per batch item (default 0). */
    public static final String PARAM_DELAY_PER_ITEM_US = "execute_delay_per_item_us";

    private static final long MAX_DELAY_US = 3_600_000_000L;

    private final ServedModel spec;
    private final long fixedNanos;
    private final long perItemNanos;

    /** Output name to the index of the input it copies; outputs absent here are zeros. */
    private final Map<String, Integer> copies;

    private DelayModel(
            ServedModel spec, long fixedNanos, long perItemNanos, Map<String, Integer> copies) {
        this.spec = spec;
        this.fixedNanos = fixedNanos;
        this.perItemNanos = perItemNanos;
        this.copies = copies;
    }

    /** Whether this config asks for the delay runtime. */
    public static boolean selectedBy(Optional<ModelConfig> config) {
        return config.map(c -> BACKEND.equals(c.getBackend())).orElse(false);
    }

    /** The model as its config describes it: max_batch_size, input, output and the two delays. */
    static DelayModel of(String name, ModelConfig config) throws RepositoryException {
        int maxBatch = config.getMaxBatchSize();
        if (maxBatch < 0) {
            throw new RepositoryException(
                    "model '" + name + "': max_batch_size must be >= 0, got " + maxBatch);
        }
        if (config.getInputCount() == 0 || config.getOutputCount() == 0) {
            throw new RepositoryException(
                    "model '"
                            + name
                            + "': a "
                            + BACKEND
                            + " model declares its inputs and outputs in config.pbtxt (at least one of each)");
        }
        List<TensorSpec> inputs = new ArrayList<>();
        for (ModelInput in : config.getInputList()) {
            inputs.add(tensor(name, "input", in.getName(), in.getDataType(), in.getDimsList()));
        }
        List<TensorSpec> outputs = new ArrayList<>();
        Map<String, Integer> copies = new HashMap<>();
        for (ModelOutput out : config.getOutputList()) {
            TensorSpec t =
                    tensor(name, "output", out.getName(), out.getDataType(), out.getDimsList());
            outputs.add(t);
            for (int i = 0; i < inputs.size() && !copies.containsKey(t.name()); i++) {
                if (inputs.get(i).datatype() == t.datatype()
                        && Arrays.equals(inputs.get(i).dims(), t.dims())) {
                    copies.put(t.name(), i);
                }
            }
            if (!copies.containsKey(t.name()) && !t.fixedSize()) {
                throw new RepositoryException(
                        "model '"
                                + name
                                + "': output '"
                                + t.name()
                                + "' has variable dims "
                                + Arrays.toString(t.dims())
                                + " and no input of the same datatype and dims to copy its shape from");
            }
        }
        for (String key : config.getParametersMap().keySet()) {
            if (!key.equals(PARAM_DELAY_US) && !key.equals(PARAM_DELAY_PER_ITEM_US)) {
                throw new RepositoryException(
                        "model '"
                                + name
                                + "': unknown parameter '"
                                + key
                                + "' for backend "
                                + BACKEND
                                + "; it reads "
                                + PARAM_DELAY_US
                                + " and "
                                + PARAM_DELAY_PER_ITEM_US);
            }
        }
        long fixedUs = micros(name, config, PARAM_DELAY_US);
        long perItemUs = micros(name, config, PARAM_DELAY_PER_ITEM_US);
        int maxQueue =
                config.hasDynamicBatching()
                        ? config.getDynamicBatching().getDefaultQueuePolicy().getMaxQueueSize()
                        : 0;
        ServedModel spec =
                new ServedModel(
                        name,
                        BACKEND,
                        maxBatch,
                        List.copyOf(inputs),
                        List.copyOf(outputs),
                        maxQueue);
        return new DelayModel(spec, fixedUs * 1000, perItemUs * 1000, Map.copyOf(copies));
    }

    ServedModel spec() {
        return spec;
    }

    /** The time one execution of this batch size takes. */
    public long delayNanos(long batchSize) {
        return fixedNanos + perItemNanos * batchSize;
    }

    /**
     * Builds the outputs, then waits until the delay since the call has passed; a terminated
     * execution stops waiting and fails. Outputs with a target are written there and come back with
     * empty data, as the ONNX Runtime path does with shared memory.
     */
    List<ModelInstance.Output> run(
            List<ModelInstance.Input> inputs,
            List<String> outputNames,
            Map<String, ByteBuffer> targets,
            ModelInstance.Execution execution) {
        long start = System.nanoTime();
        long batch = spec.batching() ? inputs.get(0).shape()[0] : 1;
        List<ModelInstance.Output> outputs = new ArrayList<>();
        for (String name : outputNames) {
            TensorSpec t = spec.output(name).orElseThrow();
            Integer source = copies.get(name);
            long[] shape =
                    source != null
                            ? inputs.get(source).shape().clone()
                            : spec.batching()
                                    ? TensorShapes.withBatch(batch, t.dims())
                                    : t.dims().clone();
            int bytes = Math.toIntExact(TensorShapes.elements(shape) * t.datatype().byteSize());
            ByteBuffer from = null;
            if (source != null) {
                from = inputs.get(source).data().duplicate();
                from.limit(from.position() + bytes);
            }
            ByteBuffer target = targets.get(name);
            if (target != null) {
                if (!target.isDirect() || target.remaining() < bytes) {
                    throw new IllegalArgumentException(
                            "output '"
                                    + name
                                    + "' needs a direct buffer of "
                                    + bytes
                                    + " bytes, got "
                                    + target.remaining()
                                    + (target.isDirect() ? "" : " (not direct)"));
                }
                ByteBuffer out = target.slice(target.position(), bytes);
                if (from != null) {
                    out.put(from);
                } else {
                    out.put(new byte[bytes]);
                }
                outputs.add(new ModelInstance.Output(name, t.datatype(), shape, ByteString.EMPTY));
            } else {
                byte[] data = new byte[bytes];
                if (from != null) {
                    from.get(data);
                }
                outputs.add(
                        new ModelInstance.Output(
                                name, t.datatype(), shape, UnsafeByteOperations.unsafeWrap(data)));
            }
        }
        ModelInstance.Execution.waitUntil(execution, start + delayNanos(batch));
        return outputs;
    }

    private static TensorSpec tensor(
            String model,
            String kind,
            String name,
            io.coedge.oip.v2.config.DataType type,
            List<Long> dims)
            throws RepositoryException {
        Datatype datatype = Datatype.fromConfig(type, model, kind, name);
        long[] d = dims.stream().mapToLong(Long::longValue).toArray();
        if (Arrays.stream(d).anyMatch(x -> x == 0 || x < -1)) {
            throw new RepositoryException(
                    "model '"
                            + model
                            + "': "
                            + kind
                            + " '"
                            + name
                            + "' has dims "
                            + Arrays.toString(d)
                            + "; each must be >= 1, or -1 for a variable size");
        }
        return new TensorSpec(name, datatype, d);
    }

    private static long micros(String model, ModelConfig config, String key)
            throws RepositoryException {
        ModelParameter p = config.getParametersMap().get(key);
        if (p == null) {
            return 0;
        }
        try {
            long us = Long.parseLong(p.getStringValue().trim());
            if (us < 0 || us > MAX_DELAY_US) {
                throw new NumberFormatException();
            }
            return us;
        } catch (NumberFormatException e) {
            throw new RepositoryException(
                    "model '"
                            + model
                            + "': parameter "
                            + key
                            + " must be a whole number of"
                            + " microseconds from 0 to "
                            + MAX_DELAY_US
                            + ", got '"
                            + p.getStringValue()
                            + "'");
        }
    }
}
