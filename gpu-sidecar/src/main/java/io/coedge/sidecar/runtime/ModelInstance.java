package io.coedge.sidecar.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.coedge.oip.TensorShapes;
import io.coedge.oip.v2.config.ModelConfig;
import io.coedge.oip.v2.config.ModelInput;
import io.coedge.oip.v2.config.ModelOutput;
import io.coedge.oip.v2.config.ModelWarmup;
import io.coedge.sidecar.repository.Datatype;
import io.coedge.sidecar.repository.RepositoryException;
import io.coedge.sidecar.repository.ServedModel;
import io.coedge.sidecar.repository.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One version of one model: a single ONNX Runtime session (or, for a {@link DelayModel}, the delay
 * runtime) shared by every caller of the process, its served spec, its latency profile and its
 * queue length.
 */
public final class ModelInstance implements AutoCloseable {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(ModelInstance.class);

    /**
     * ONNX Runtime refused an output buffer we pre-allocated at the graph's declared shape because
     * this run computed another: "OrtValue shape verification failed" up to 1.23, "has shape ...
     * but the computed output shape for this run is ..." from 1.27 on.
     */
    static boolean outputShapeMismatch(OrtException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("shape verification failed")
                || m.contains("computed output shape for this run");
    }

    /**
     * Batch size assumed for a model without config.pbtxt whose graph has a dynamic first
     * dimension.
     */
    public static final int DEFAULT_MAX_BATCH_SIZE = 8;

    /**
     * An input and its full shape, in native order. A direct buffer (shared memory, or one the
     * caller filled) is read in place; a heap buffer is copied into this thread's staging buffer.
     */
    public record Input(String name, Datatype datatype, long[] shape, ByteBuffer data) {}

    /** An output as it goes on the wire. */
    public record Output(String name, Datatype datatype, long[] shape, ByteString data) {}

    /** One execution's stop switch, for the caller's thread to pull when the caller goes away. */
    public static final class Execution implements AutoCloseable {
        private final OrtSession.RunOptions ort; // null for the delay runtime
        private volatile boolean terminated;
        private volatile Thread waiting;

        private Execution(OrtSession.RunOptions ort) {
            this.ort = ort;
        }

        /**
         * Stops the execution: ONNX Runtime's terminate flag, or the end of the delay runtime's
         * wait.
         */
        public void terminate() {
            terminated = true;
            if (ort != null) {
                try {
                    ort.setTerminate(true);
                } catch (OrtException ignored) {
                    // the run ends on its own; its result is dropped
                }
            }
            Thread t = waiting;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }

        /**
         * Waits until {@code deadlineNanos} on {@link System#nanoTime()}; fails if the execution is
         * terminated first.
         */
        static void waitUntil(Execution execution, long deadlineNanos) {
            if (execution != null) {
                execution.waiting = Thread.currentThread();
            }
            try {
                for (long left = deadlineNanos - System.nanoTime();
                        left > 0;
                        left = deadlineNanos - System.nanoTime()) {
                    if (execution != null && execution.terminated) {
                        throw new CancellationException("execution terminated");
                    }
                    LockSupport.parkNanos(left);
                }
            } finally {
                if (execution != null) {
                    execution.waiting = null;
                }
            }
        }

        @Override
        public void close() {
            if (ort != null) {
                ort.close();
            }
        }
    }

    private final String name;
    private final long version;
    private final ServedModel spec;
    private final OrtSession session; // null for the delay runtime
    private final OrtEnvironment env;
    private final DelayModel delay; // null for an ONNX model
    private final LatencyWindow profile = new LatencyWindow();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean ready;

    /** config.pbtxt {@code model_warmup} samples, run instead of the synthetic warm-up. */
    private List<ModelWarmup> warmups = List.of();

    /** Where {@code input_data_file}s are: the model's {@code warmup/} folder. */
    private Path warmupFolder;

    /**
     * False once ONNX Runtime refused an output buffer sized from the graph's declared shape (the
     * graph declares a fixed shape the data does not give, as after NonMaxSuppression): from then
     * on, outputs are allocated by ONNX Runtime at their actual shape.
     */
    private volatile boolean pinOutputs = true;

    private volatile Optional<String> warmUpFailure = Optional.empty();

    private ModelInstance(
            String name,
            long version,
            ServedModel spec,
            OrtSession session,
            OrtEnvironment env,
            DelayModel delay) {
        this.name = name;
        this.version = version;
        this.spec = spec;
        this.session = session;
        this.env = env;
        this.delay = delay;
    }

    /**
     * Creates the session and checks the config against the graph; the instance is not ready until
     * warmed up.
     */
    public static ModelInstance load(
            String name,
            long version,
            Path file,
            Optional<ModelConfig> config,
            OrtSession.SessionOptions options)
            throws RepositoryException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try {
            session = env.createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new RepositoryException(
                    "model '"
                            + name
                            + "' version "
                            + version
                            + ": "
                            + file.getFileName()
                            + " is not a loadable ONNX model: "
                            + e.getMessage(),
                    e);
        }
        try {
            ServedModel spec = specOf(name, session, config);
            ModelInstance instance = new ModelInstance(name, version, spec, session, env, null);
            instance.warmups = config.map(ModelConfig::getModelWarmupList).orElse(List.of());
            Path versionFolder = file.toAbsolutePath().getParent();
            instance.warmupFolder =
                    versionFolder.getParent() == null
                            ? versionFolder.resolve("warmup")
                            : versionFolder.getParent().resolve("warmup");
            return instance;
        } catch (RepositoryException | OrtException e) {
            closeQuietly(session);
            if (e instanceof RepositoryException r) {
                throw r;
            }
            throw new RepositoryException(
                    "model '" + name + "': cannot read graph inputs/outputs: " + e, e);
        }
    }

    /**
     * A model of the delay runtime (config.pbtxt {@code backend: "coedge_delay"}): no file, no
     * session.
     */
    public static ModelInstance loadDelay(String name, long version, ModelConfig config)
            throws RepositoryException {
        DelayModel delay = DelayModel.of(name, config);
        return new ModelInstance(name, version, delay.spec(), null, null, delay);
    }

    /** A stop switch for one execution; close it once the execution has ended. */
    public Execution newExecution() throws OrtException {
        return new Execution(delay == null ? new OrtSession.RunOptions() : null);
    }

    public String name() {
        return name;
    }

    public long version() {
        return version;
    }

    public ServedModel spec() {
        return spec;
    }

    public LatencyWindow profile() {
        return profile;
    }

    public AtomicInteger queued() {
        return queued;
    }

    public boolean ready() {
        return ready;
    }

    /**
     * Warms the model up, then marks it ready. With {@code model_warmup} samples in config.pbtxt,
     * runs those (Triton's semantics); else measures batch sizes 1, 2, 4, ... max_batch_size (and
     * max_batch_size itself) on synthetic inputs so that admission has an estimate from the first
     * request on. Returns the reason the warm-up failed, or empty: a failed warm-up (a model whose
     * output shape depends on its data may refuse synthetic inputs) still leaves the model ready;
     * whatever batch sizes it did not measure are learned from real requests.
     */
    public Optional<String> warmUp(int runsPerBatchSize) {
        try {
            if (!warmups.isEmpty()) {
                for (ModelWarmup sample : warmups) {
                    runSample(sample);
                }
            } else {
                syntheticWarmUp(runsPerBatchSize);
            }
            warmUpFailure = Optional.empty();
        } catch (OrtException | RuntimeException | java.io.IOException | RepositoryException e) {
            warmUpFailure = Optional.of(String.valueOf(e.getMessage()));
        } finally {
            ready = true;
        }
        return warmUpFailure;
    }

    /** Why the last warm-up failed (the model is served all the same), or empty. */
    public Optional<String> warmUpFailure() {
        return warmUpFailure;
    }

    private void syntheticWarmUp(int runsPerBatchSize) throws OrtException {
        boolean fixed = spec.inputs().stream().allMatch(TensorSpec::fixedSize);
        if (fixed && runsPerBatchSize > 0) {
            for (int b : warmUpBatchSizes()) {
                measure(b, syntheticInputs(b), runsPerBatchSize);
            }
        }
    }

    private List<Input> syntheticInputs(int b) {
        List<Input> inputs = new ArrayList<>();
        for (TensorSpec t : spec.inputs()) {
            long[] shape = spec.batching() ? TensorShapes.withBatch(b, t.dims()) : t.dims();
            inputs.add(new Input(t.name(), t.datatype(), shape, filled(t.datatype(), shape)));
        }
        return inputs;
    }

    /** The single-frame probe's inputs, built on first use; null when none can be made. */
    private List<Input> probeInputs;

    private boolean probeUnavailable;

    /**
     * Whether {@link #probe()} can run: the model has a single-frame {@code model_warmup} sample
     * (batch size 0 or 1), or inputs of fixed size to fill synthetically.
     */
    public synchronized boolean canProbe() {
        if (probeInputs == null && !probeUnavailable) {
            try {
                for (ModelWarmup sample : warmups) {
                    if (sample.getBatchSize() <= 1) {
                        probeInputs = sampleInputs(sample);
                        break;
                    }
                }
                if (probeInputs == null
                        && warmups.isEmpty()
                        && spec.inputs().stream().allMatch(TensorSpec::fixedSize)) {
                    probeInputs = syntheticInputs(1);
                }
            } catch (java.io.IOException | RepositoryException | RuntimeException e) {
                probeInputs = null;
            }
            probeUnavailable = probeInputs == null;
        }
        return probeInputs != null;
    }

    /**
     * One single-frame run on the probe's inputs ({@link #canProbe()}), not recorded here: the
     * scheduler that runs it records its duration as any other execution's.
     */
    public void probe() throws OrtException {
        List<Input> inputs;
        synchronized (this) {
            if (!canProbe()) {
                throw new IllegalStateException("model '" + name + "' has no probe inputs");
            }
            inputs = probeInputs;
        }
        for (Input in : inputs) {
            in.data().rewind();
        }
        run(inputs, List.of(), null);
    }

    /**
     * One unmeasured run (it pays for allocations), then {@code runs} measured ones. When the first
     * run of the warm-up fails, its duration up to the failure is recorded for its batch size: a
     * lower bound the batcher can plan with (a model with no profile at all would be planned at a
     * second per frame and its frames shed, so it would never be measured); the first real
     * execution at that size replaces it as the window's p99.
     */
    private void measure(int batchSize, List<Input> inputs, int runs) throws OrtException {
        long first = System.nanoTime();
        try {
            run(inputs, List.of(), null);
        } catch (OrtException | RuntimeException e) {
            if (profile.snapshot().isEmpty()) {
                profile.record(batchSize, Math.max(1, System.nanoTime() - first));
            }
            throw e;
        }
        for (int r = 0; r < runs; r++) {
            long start = System.nanoTime();
            run(inputs, List.of(), null);
            profile.record(batchSize, System.nanoTime() - start);
        }
    }

    /**
     * A config.pbtxt {@code model_warmup} sample: {@code batch_size} (0 for a model without
     * batching) times each input's {@code dims}, filled with zeros, seeded random values or one
     * sample's raw bytes (repeated per batch element) from {@code warmup/<input_data_file>}; one
     * unmeasured run, then {@code count} (at least 1) measured ones.
     */
    private void runSample(ModelWarmup sample)
            throws OrtException, java.io.IOException, RepositoryException {
        measure(
                Math.max(1, sample.getBatchSize()),
                sampleInputs(sample),
                Math.max(1, sample.getCount()));
    }

    private List<Input> sampleInputs(ModelWarmup sample)
            throws java.io.IOException, RepositoryException {
        int b = Math.max(1, sample.getBatchSize());
        List<Input> inputs = new ArrayList<>();
        for (TensorSpec t : spec.inputs()) {
            ModelWarmup.Input in = sample.getInputsMap().get(t.name());
            if (in == null) {
                throw new IllegalArgumentException(
                        "model_warmup '" + sample.getName() + "' has no input '" + t.name() + "'");
            }
            Datatype type = Datatype.fromConfig(in.getDataType(), name, "warm-up input", t.name());
            long[] dims = in.getDimsList().stream().mapToLong(Long::longValue).toArray();
            long[] shape = spec.batching() ? TensorShapes.withBatch(b, dims) : dims;
            int sampleBytes = Math.toIntExact(TensorShapes.elements(dims) * type.byteSize());
            ByteBuffer data =
                    ByteBuffer.allocateDirect(
                                    Math.toIntExact(TensorShapes.elements(shape) * type.byteSize()))
                            .order(ByteOrder.nativeOrder());
            switch (in.getInputDataTypeCase()) {
                case INPUT_DATA_FILE -> {
                    Path file = warmupFolder.resolve(in.getInputDataFile()).normalize();
                    if (!file.startsWith(warmupFolder.normalize())) {
                        throw new IllegalArgumentException(
                                "model_warmup '"
                                        + sample.getName()
                                        + "': input_data_file '"
                                        + in.getInputDataFile()
                                        + "' is outside the model's warmup/ folder");
                    }
                    byte[] bytes = java.nio.file.Files.readAllBytes(file);
                    if (bytes.length != sampleBytes) {
                        throw new IllegalArgumentException(
                                "model_warmup '"
                                        + sample.getName()
                                        + "': "
                                        + in.getInputDataFile()
                                        + " has "
                                        + bytes.length
                                        + " bytes, input '"
                                        + t.name()
                                        + "' needs "
                                        + sampleBytes);
                    }
                    while (data.hasRemaining()) {
                        data.put(bytes);
                    }
                }
                case RANDOM_DATA -> {
                    java.util.Random random = new java.util.Random(t.name().hashCode());
                    if (type == Datatype.FP32) {
                        while (data.hasRemaining()) {
                            data.putFloat(random.nextFloat());
                        }
                    } else {
                        byte[] bytes = new byte[data.remaining()];
                        random.nextBytes(bytes);
                        data.put(bytes);
                    }
                }
                default -> {} // zero_data, or nothing said: zeros
            }
            inputs.add(new Input(t.name(), type, shape, data.flip()));
        }
        return inputs;
    }

    List<Integer> warmUpBatchSizes() {
        if (!spec.batching()) {
            return List.of(1);
        }
        LinkedHashSet<Integer> sizes = new LinkedHashSet<>();
        for (int b = 1; b < spec.maxBatchSize(); b *= 2) {
            sizes.add(b);
        }
        sizes.add(spec.maxBatchSize());
        return List.copyOf(sizes);
    }

    /**
     * Runs the session once. Inputs are wrapped without copying; outputs of known size are written
     * by ONNX Runtime straight into the buffers that go on the wire. A delay model waits out its
     * delay instead ({@link DelayModel}). {@code execution} may be null (warm-up).
     */
    public List<Output> run(List<Input> inputs, List<String> requestedOutputs, Execution execution)
            throws OrtException {
        return run(inputs, requestedOutputs, Map.of(), execution);
    }

    /**
     * As {@link #run(List, List, Execution)}, with some outputs written by ONNX Runtime straight
     * into caller-given direct buffers (shared memory); those come back with empty data. Each
     * target must be direct and hold the output's fixed size at this batch size.
     */
    public List<Output> run(
            List<Input> inputs,
            List<String> requestedOutputs,
            Map<String, ByteBuffer> targets,
            Execution execution)
            throws OrtException {
        List<String> outputNames =
                requestedOutputs.isEmpty()
                        ? spec.outputs().stream().map(TensorSpec::name).toList()
                        : requestedOutputs;
        if (delay != null) {
            return delay.run(inputs, outputNames, targets, execution);
        }
        OrtSession.RunOptions runOptions = execution == null ? null : execution.ort;
        Map<String, OnnxTensor> tensors = new HashMap<>();
        Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
        Map<String, ByteBuffer> pinnedBuffers = new HashMap<>();
        try {
            for (Input in : inputs) {
                tensors.put(
                        in.name(),
                        OnnxTensor.createTensor(
                                env,
                                staged(tensors.size(), in.data()),
                                in.shape(),
                                in.datatype().ortType()));
            }
            long batch = spec.batching() && !inputs.isEmpty() ? inputs.get(0).shape()[0] : -1;
            for (String out : outputNames) {
                TensorSpec t = spec.output(out).orElseThrow();
                ByteBuffer target = targets.get(out);
                if (t.fixedSize()
                        && (batch > 0 || !spec.batching())
                        && (pinOutputs || target != null)) {
                    long[] shape =
                            spec.batching() ? TensorShapes.withBatch(batch, t.dims()) : t.dims();
                    int bytes =
                            Math.toIntExact(TensorShapes.elements(shape) * t.datatype().byteSize());
                    if (target != null && (!target.isDirect() || target.remaining() < bytes)) {
                        throw new IllegalArgumentException(
                                "output '"
                                        + out
                                        + "' needs a direct buffer of "
                                        + bytes
                                        + " bytes, got "
                                        + target.remaining()
                                        + (target.isDirect() ? "" : " (not direct)"));
                    }
                    ByteBuffer buffer =
                            target != null
                                    ? target.slice(target.position(), bytes)
                                            .order(ByteOrder.nativeOrder())
                                    : ByteBuffer.allocateDirect(bytes)
                                            .order(ByteOrder.nativeOrder());
                    pinned.put(
                            out,
                            OnnxTensor.createTensor(env, buffer, shape, t.datatype().ortType()));
                    pinnedBuffers.put(out, buffer);
                } else if (target != null) {
                    throw new IllegalArgumentException(
                            "output '"
                                    + out
                                    + "' has no fixed size, so it cannot be written"
                                    + " to shared memory");
                }
            }
            List<Output> outputs = new ArrayList<>();
            LinkedHashSet<String> unpinned = new LinkedHashSet<>(outputNames);
            unpinned.removeAll(pinned.keySet());
            OrtSession.Result result;
            try {
                result =
                        runOptions == null
                                ? session.run(tensors, unpinned, pinned)
                                : session.run(tensors, unpinned, pinned, runOptions);
            } catch (OrtException e) {
                boolean pinnedByUs =
                        pinned.keySet().stream().anyMatch(o -> !targets.containsKey(o));
                if (pinOutputs
                        && pinnedByUs
                        && outputShapeMismatch(e)
                        && (execution == null || !execution.terminated)) {
                    // The graph declares an output shape its data does not give: let ONNX
                    // Runtime allocate outputs at their actual shape, now and from now on.
                    pinOutputs = false;
                    LOG.warn(
                            "model '{}' version {}: an output's shape differs from the graph's"
                                    + " declared one ({}); outputs are allocated per run from now"
                                    + " on",
                            name,
                            version,
                            e.getMessage());
                    return run(inputs, requestedOutputs, targets, execution);
                }
                throw e;
            }
            try (result) {
                for (String out : outputNames) {
                    TensorSpec t = spec.output(out).orElseThrow();
                    ByteBuffer pinnedBuffer = pinnedBuffers.get(out);
                    if (pinnedBuffer != null) {
                        outputs.add(
                                new Output(
                                        out,
                                        t.datatype(),
                                        pinned.get(out).getInfo().getShape(),
                                        targets.containsKey(out)
                                                ? ByteString.EMPTY
                                                : UnsafeByteOperations.unsafeWrap(pinnedBuffer)));
                    } else {
                        OnnxValue value = result.get(out).orElseThrow();
                        OnnxTensor tensor = (OnnxTensor) value;
                        outputs.add(
                                new Output(
                                        out,
                                        t.datatype(),
                                        tensor.getInfo().getShape(),
                                        UnsafeByteOperations.unsafeWrap(
                                                tensor.getByteBuffer()
                                                        .order(ByteOrder.LITTLE_ENDIAN))));
                    }
                }
            }
            return outputs;
        } finally {
            tensors.values().forEach(OnnxTensor::close);
            pinned.values().forEach(OnnxTensor::close);
        }
    }

    /** Per-thread direct buffers that heap inputs are copied into, reused run after run. */
    private static final ThreadLocal<ByteBuffer[]> STAGING =
            ThreadLocal.withInitial(() -> new ByteBuffer[4]);

    private static ByteBuffer staged(int index, ByteBuffer data) {
        if (data.isDirect()) {
            return data;
        }
        ByteBuffer[] staging = STAGING.get();
        if (index >= staging.length) {
            staging = java.util.Arrays.copyOf(staging, index + 1);
            STAGING.set(staging);
        }
        ByteBuffer buffer = staging[index];
        if (buffer == null || buffer.capacity() < data.remaining()) {
            buffer = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
            staging[index] = buffer;
        }
        return buffer.clear().put(data.duplicate()).flip();
    }

    @Override
    public void close() {
        ready = false;
        if (session != null) {
            closeQuietly(session);
        }
    }

    private static ByteBuffer filled(Datatype type, long[] shape) {
        ByteBuffer buffer =
                ByteBuffer.allocateDirect(
                                Math.toIntExact(TensorShapes.elements(shape) * type.byteSize()))
                        .order(ByteOrder.nativeOrder());
        if (type == Datatype.FP32) {
            FloatBuffer floats = buffer.asFloatBuffer();
            while (floats.hasRemaining()) {
                floats.put(0.5f);
            }
        }
        return buffer;
    }

    private static ServedModel specOf(String name, OrtSession session, Optional<ModelConfig> config)
            throws OrtException, RepositoryException {
        Map<String, TensorSpec> graphInputs = tensorsOf(name, session.getInputInfo());
        Map<String, TensorSpec> graphOutputs = tensorsOf(name, session.getOutputInfo());
        boolean graphBatches =
                graphInputs.values().stream()
                                .allMatch(t -> t.dims().length > 0 && t.dims()[0] == -1)
                        && graphOutputs.values().stream()
                                .allMatch(t -> t.dims().length > 0 && t.dims()[0] == -1);
        int maxBatch =
                config.map(ModelConfig::getMaxBatchSize)
                        .orElse(graphBatches ? DEFAULT_MAX_BATCH_SIZE : 0);
        if (maxBatch < 0) {
            throw new RepositoryException(
                    "model '" + name + "': max_batch_size must be >= 0, got " + maxBatch);
        }
        if (maxBatch > 0 && !graphBatches) {
            throw new RepositoryException(
                    "model '"
                            + name
                            + "': max_batch_size "
                            + maxBatch
                            + " but the graph has no dynamic first (batch) dimension on every input and output");
        }
        List<TensorSpec> inputs = new ArrayList<>();
        List<TensorSpec> outputs = new ArrayList<>();
        if (config.isPresent() && config.get().getInputCount() > 0) {
            for (ModelInput in : config.get().getInputList()) {
                inputs.add(
                        checked(
                                name,
                                "input",
                                in.getName(),
                                in.getDataType(),
                                in.getDimsList(),
                                graphInputs,
                                maxBatch));
            }
            for (String graphInput : graphInputs.keySet()) {
                if (inputs.stream().noneMatch(t -> t.name().equals(graphInput))) {
                    throw new RepositoryException(
                            "model '"
                                    + name
                                    + "': graph input '"
                                    + graphInput
                                    + "' is missing from config.pbtxt");
                }
            }
        } else {
            graphInputs.values().forEach(t -> inputs.add(stripBatch(t, maxBatch)));
        }
        if (config.isPresent() && config.get().getOutputCount() > 0) {
            for (ModelOutput out : config.get().getOutputList()) {
                outputs.add(
                        checked(
                                name,
                                "output",
                                out.getName(),
                                out.getDataType(),
                                out.getDimsList(),
                                graphOutputs,
                                maxBatch));
            }
        } else {
            graphOutputs.values().forEach(t -> outputs.add(stripBatch(t, maxBatch)));
        }
        int maxQueue =
                config.filter(ModelConfig::hasDynamicBatching)
                        .map(c -> c.getDynamicBatching().getDefaultQueuePolicy().getMaxQueueSize())
                        .orElse(0);
        return new ServedModel(
                name,
                ServedModel.PLATFORM,
                maxBatch,
                List.copyOf(inputs),
                List.copyOf(outputs),
                maxQueue);
    }

    private static TensorSpec checked(
            String model,
            String kind,
            String tensor,
            io.coedge.oip.v2.config.DataType type,
            List<Long> dims,
            Map<String, TensorSpec> graph,
            int maxBatch)
            throws RepositoryException {
        TensorSpec inGraph = graph.get(tensor);
        if (inGraph == null) {
            throw new RepositoryException(
                    "model '"
                            + model
                            + "': config.pbtxt "
                            + kind
                            + " '"
                            + tensor
                            + "' is not in the ONNX graph, which has "
                            + graph.keySet());
        }
        Datatype datatype = Datatype.fromConfig(type, model, kind, tensor);
        if (datatype != inGraph.datatype()) {
            throw new RepositoryException(
                    "model '"
                            + model
                            + "': config.pbtxt says "
                            + kind
                            + " '"
                            + tensor
                            + "' is "
                            + datatype.oipName()
                            + " but the ONNX graph says "
                            + inGraph.datatype().oipName());
        }
        long[] configured = dims.stream().mapToLong(Long::longValue).toArray();
        long[] graphDims = stripBatch(inGraph, maxBatch).dims();
        boolean compatible = configured.length == graphDims.length;
        for (int i = 0; compatible && i < configured.length; i++) {
            compatible = graphDims[i] == -1 || configured[i] == graphDims[i];
        }
        if (!compatible) {
            throw new RepositoryException(
                    "model '"
                            + model
                            + "': config.pbtxt dims "
                            + Arrays.toString(configured)
                            + " of "
                            + kind
                            + " '"
                            + tensor
                            + "' do not match the ONNX graph "
                            + Arrays.toString(graphDims));
        }
        return new TensorSpec(tensor, datatype, configured);
    }

    private static TensorSpec stripBatch(TensorSpec t, int maxBatch) {
        return maxBatch > 0
                ? new TensorSpec(
                        t.name(), t.datatype(), Arrays.copyOfRange(t.dims(), 1, t.dims().length))
                : t;
    }

    private static Map<String, TensorSpec> tensorsOf(String model, Map<String, NodeInfo> nodes)
            throws RepositoryException {
        Map<String, TensorSpec> out = new LinkedHashMap<>();
        for (NodeInfo node : nodes.values()) {
            if (!(node.getInfo() instanceof TensorInfo info)) {
                throw new RepositoryException(
                        "model '" + model + "': '" + node.getName() + "' is not a tensor");
            }
            Datatype type =
                    Datatype.fromOrt(info.type)
                            .orElseThrow(
                                    () ->
                                            new RepositoryException(
                                                    "model '"
                                                            + model
                                                            + "': tensor '"
                                                            + node.getName()
                                                            + "' has unsupported type "
                                                            + info.type));
            out.put(node.getName(), new TensorSpec(node.getName(), type, info.getShape()));
        }
        return out;
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // closing at shutdown; nothing left to do
        }
    }
}
