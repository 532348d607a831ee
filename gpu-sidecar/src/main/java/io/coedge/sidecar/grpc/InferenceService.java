package io.coedge.sidecar.grpc;

import ai.onnxruntime.OrtException;
import com.google.protobuf.ByteString;
import io.coedge.oip.OipParameters;
import io.coedge.oip.TensorMarshaller;
import io.coedge.oip.TensorShapes;
import io.coedge.oip.v2.GRPCInferenceServiceGrpc;
import io.coedge.oip.v2.InferParameter;
import io.coedge.oip.v2.ModelInferRequest;
import io.coedge.oip.v2.ModelInferResponse;
import io.coedge.oip.v2.ModelMetadataRequest;
import io.coedge.oip.v2.ModelMetadataResponse;
import io.coedge.oip.v2.ModelReadyRequest;
import io.coedge.oip.v2.ModelReadyResponse;
import io.coedge.oip.v2.ServerLiveRequest;
import io.coedge.oip.v2.ServerLiveResponse;
import io.coedge.oip.v2.ServerMetadataRequest;
import io.coedge.oip.v2.ServerMetadataResponse;
import io.coedge.oip.v2.ServerReadyRequest;
import io.coedge.oip.v2.ServerReadyResponse;
import io.coedge.oip.v2.SystemSharedMemoryRegisterRequest;
import io.coedge.oip.v2.SystemSharedMemoryRegisterResponse;
import io.coedge.oip.v2.SystemSharedMemoryStatusRequest;
import io.coedge.oip.v2.SystemSharedMemoryStatusResponse;
import io.coedge.oip.v2.SystemSharedMemoryUnregisterRequest;
import io.coedge.oip.v2.SystemSharedMemoryUnregisterResponse;
import io.coedge.sidecar.metrics.SidecarMetrics;
import io.coedge.sidecar.repository.Datatype;
import io.coedge.sidecar.repository.ServedModel;
import io.coedge.sidecar.repository.TensorSpec;
import io.coedge.sidecar.runtime.Device;
import io.coedge.sidecar.runtime.ModelInstance;
import io.coedge.sidecar.runtime.ModelRegistry;
import io.coedge.sidecar.scheduling.EdfScheduler;
import io.coedge.sidecar.scheduling.ScheduledRequest;
import io.coedge.sidecar.shm.SharedMemoryManager;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The Open Inference Protocol over gRPC, served from the model registry through the EDF scheduler.
 */
public final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    public static final String SERVER_NAME = "coedge-sidecar";
    public static final String SERVER_VERSION = "0.1.0";

    private final ModelRegistry registry;
    private final EdfScheduler scheduler;
    private final SidecarMetrics metrics;
    private final Device device;
    private final BooleanSupplier serverReady;
    private final LongSupplier nanoClock;
    private final LongSupplier epochMicrosClock;
    private final SharedMemoryManager sharedMemory;

    public InferenceService(
            ModelRegistry registry,
            EdfScheduler scheduler,
            SidecarMetrics metrics,
            Device device,
            BooleanSupplier serverReady,
            LongSupplier nanoClock,
            LongSupplier epochMicrosClock,
            SharedMemoryManager sharedMemory) {
        this.registry = registry;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.device = device;
        this.serverReady = serverReady;
        this.nanoClock = nanoClock;
        this.epochMicrosClock = epochMicrosClock;
        this.sharedMemory = sharedMemory;
    }

    /**
     * The service as the server should install it: ModelInfer requests parsed by {@link
     * TensorMarshaller}, so input tensors reach ONNX Runtime without being copied.
     */
    public ServerServiceDefinition definition() {
        ServerServiceDefinition generated = bindService();
        ServerServiceDefinition.Builder b =
                ServerServiceDefinition.builder(generated.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : generated.getMethods()) {
            if (m.getMethodDescriptor()
                    .getFullMethodName()
                    .equals(GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName())) {
                b.addMethod(withTensorParsing(m));
            } else {
                b.addMethod(m);
            }
        }
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private static ServerMethodDefinition<ModelInferRequest, ModelInferResponse> withTensorParsing(
            ServerMethodDefinition<?, ?> generated) {
        ServerMethodDefinition<ModelInferRequest, ModelInferResponse> infer =
                (ServerMethodDefinition<ModelInferRequest, ModelInferResponse>) generated;
        return ServerMethodDefinition.create(
                TensorMarshaller.forRequests(
                        infer.getMethodDescriptor(), ModelInferRequest.parser()),
                infer.getServerCallHandler());
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        reply(out, ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        reply(out, ServerReadyResponse.newBuilder().setReady(serverReady.getAsBoolean()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        boolean ready =
                registry.model(request.getName())
                        .flatMap(m -> selectVersion(m, request.getVersion()))
                        .map(ModelRegistry.Version::ready)
                        .orElse(false);
        reply(out, ModelReadyResponse.newBuilder().setReady(ready).build());
    }

    @Override
    public void serverMetadata(
            ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        ServerMetadataResponse.Builder b =
                ServerMetadataResponse.newBuilder()
                        .setName(SERVER_NAME)
                        .setVersion(SERVER_VERSION)
                        .addExtensions("coedge_latency_profile")
                        .addExtensions("coedge_deadline")
                        .addExtensions("system_shared_memory")
                        .addExtensions("device=" + device.used())
                        .addExtensions("device_requested=" + device.requested());
        device.fallbackReason().ifPresent(r -> b.addExtensions("device_fallback=" + r));
        reply(out, b.build());
    }

    @Override
    public void modelMetadata(
            ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        try {
            ModelInstance instance = resolve(request.getName(), request.getVersion());
            ServedModel spec = instance.spec();
            ModelMetadataResponse.Builder b =
                    ModelMetadataResponse.newBuilder()
                            .setName(spec.name())
                            .setPlatform(spec.platform());
            registry.model(spec.name()).orElseThrow().versions().values().stream()
                    .filter(ModelRegistry.Version::ready)
                    .forEach(v -> b.addVersions(Long.toString(v.version())));
            for (TensorSpec t : spec.inputs()) {
                b.addInputs(tensorMetadata(t, spec.batching()));
            }
            for (TensorSpec t : spec.outputs()) {
                b.addOutputs(tensorMetadata(t, spec.batching()));
            }
            for (Map.Entry<Integer, Long> e : instance.profile().snapshot().entrySet()) {
                b.putParameters(
                        OipParameters.META_LATENCY_PREFIX + e.getKey(), int64(e.getValue() / 1000));
            }
            for (Map.Entry<Integer, Long> e : instance.profile().medians().entrySet()) {
                b.putParameters(
                        OipParameters.META_MEDIAN_PREFIX + e.getKey(), int64(e.getValue() / 1000));
            }
            b.putParameters(OipParameters.META_QUEUE_LENGTH, int64(instance.queued().get()));
            b.putParameters(
                    OipParameters.META_DEVICE,
                    InferParameter.newBuilder().setStringParam(device.used()).build());
            b.putParameters(OipParameters.META_MAX_BATCH_SIZE, int64(spec.maxBatchSize()));
            b.putParameters(OipParameters.META_MAX_QUEUE_SIZE, int64(spec.maxQueueSize()));
            reply(out, b.build());
        } catch (StatusException e) {
            out.onError(e);
        }
    }

    @Override
    public void systemSharedMemoryRegister(
            SystemSharedMemoryRegisterRequest request,
            StreamObserver<SystemSharedMemoryRegisterResponse> out) {
        try {
            sharedMemory.register(
                    request.getName(),
                    request.getKey(),
                    request.getOffset(),
                    request.getByteSize());
            reply(out, SystemSharedMemoryRegisterResponse.getDefaultInstance());
        } catch (StatusException e) {
            out.onError(e);
        }
    }

    @Override
    public void systemSharedMemoryUnregister(
            SystemSharedMemoryUnregisterRequest request,
            StreamObserver<SystemSharedMemoryUnregisterResponse> out) {
        sharedMemory.unregister(request.getName());
        reply(out, SystemSharedMemoryUnregisterResponse.getDefaultInstance());
    }

    @Override
    public void systemSharedMemoryStatus(
            SystemSharedMemoryStatusRequest request,
            StreamObserver<SystemSharedMemoryStatusResponse> out) {
        try {
            SystemSharedMemoryStatusResponse.Builder b =
                    SystemSharedMemoryStatusResponse.newBuilder();
            for (SharedMemoryManager.Region r : sharedMemory.status(request.getName()).values()) {
                b.putRegions(
                        r.name(),
                        SystemSharedMemoryStatusResponse.RegionStatus.newBuilder()
                                .setName(r.name())
                                .setKey(r.key())
                                .setOffset(r.offset())
                                .setByteSize(r.byteSize())
                                .build());
            }
            reply(out, b.build());
        } catch (StatusException e) {
            out.onError(e);
        }
    }

    @Override
    public void modelInfer(
            ModelInferRequest request, StreamObserver<ModelInferResponse> responseObserver) {
        ServerCallStreamObserver<ModelInferResponse> call =
                (ServerCallStreamObserver<ModelInferResponse>) responseObserver;
        String versionLabel =
                request.getModelVersion().isEmpty() ? "default" : request.getModelVersion();
        try {
            ModelInstance model = resolve(request.getModelName(), request.getModelVersion());
            versionLabel = Long.toString(model.version());
            List<ModelInstance.Input> inputs = inputsOf(model, request);
            List<String> outputs = requestedOutputs(model, request);
            int batch = model.spec().batching() ? (int) inputs.get(0).shape()[0] : 1;
            Map<String, ByteBuffer> targets = outputTargets(model, request, batch);
            long deadline = deadlineOf(request);
            long priority = priorityOf(request);
            InferWork work =
                    new InferWork(model, request.getId(), inputs, outputs, targets, batch, call);
            ScheduledRequest scheduled =
                    new ScheduledRequest(model, batch, deadline, priority, work);
            String label = versionLabel;
            call.setOnCancelHandler(
                    () -> {
                        if (work.cancelled()) {
                            scheduler.cancel(scheduled);
                            metrics.failure(model.name(), label, SidecarMetrics.Reason.CANCELLED);
                        }
                    });
            scheduler.submit(scheduled);
        } catch (StatusException e) {
            // Names of models we do not serve come from clients: keep them out of metric labels.
            String modelLabel =
                    registry.model(request.getModelName()).isPresent()
                            ? request.getModelName()
                            : "_unknown";
            metrics.failure(modelLabel, versionLabel, reasonOf(e.getStatus()));
            call.onError(e);
        }
    }

    private final class InferWork implements ScheduledRequest.Work {
        private final ModelInstance model;
        private final String id;
        private final List<ModelInstance.Input> inputs;
        private final List<String> outputs;
        private final Map<String, ByteBuffer> targets;
        private final int batch;
        private final ServerCallStreamObserver<ModelInferResponse> call;
        private final java.util.concurrent.atomic.AtomicBoolean finished =
                new java.util.concurrent.atomic.AtomicBoolean();
        private volatile ModelInstance.Execution execution;
        private List<ModelInstance.Output> results;

        InferWork(
                ModelInstance model,
                String id,
                List<ModelInstance.Input> inputs,
                List<String> outputs,
                Map<String, ByteBuffer> targets,
                int batch,
                ServerCallStreamObserver<ModelInferResponse> call) {
            this.model = model;
            this.id = id;
            this.inputs = inputs;
            this.outputs = outputs;
            this.targets = targets;
            this.batch = batch;
            this.call = call;
        }

        /** Marks the call finished by its caller's cancellation; false if it had already ended. */
        boolean cancelled() {
            return finished.compareAndSet(false, true);
        }

        @Override
        public void execute() throws OrtException {
            try (ModelInstance.Execution current = model.newExecution()) {
                execution = current;
                if (finished.get()) {
                    // Cancelled between dequeue and start: nothing runs, and no latency is
                    // recorded.
                    throw new java.util.concurrent.CancellationException(
                            "caller cancelled the call");
                }
                results = model.run(inputs, outputs, targets, current);
            } finally {
                execution = null;
            }
        }

        @Override
        public void terminate() {
            ModelInstance.Execution current = execution;
            if (current != null) {
                current.terminate();
            }
        }

        @Override
        public void succeed(long queueNanos, long computeNanos) {
            if (!finished.compareAndSet(false, true) || results == null) {
                return;
            }
            ModelInferResponse.Builder response =
                    ModelInferResponse.newBuilder()
                            .setModelName(model.name())
                            .setModelVersion(Long.toString(model.version()))
                            .setId(id);
            for (ModelInstance.Output o : results) {
                ModelInferResponse.InferOutputTensor.Builder t =
                        response.addOutputsBuilder()
                                .setName(o.name())
                                .setDatatype(o.datatype().oipName());
                for (long d : o.shape()) {
                    t.addShape(d);
                }
                response.addRawOutputContents(o.data());
            }
            response.putParameters(OipParameters.RESPONSE_QUEUE_US, int64(queueNanos / 1000));
            response.putParameters(OipParameters.RESPONSE_COMPUTE_US, int64(computeNanos / 1000));
            metrics.success(model.name(), model.version(), batch, queueNanos, computeNanos);
            call.onNext(response.build());
            call.onCompleted();
        }

        @Override
        public void fail(Status status, String reason) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            metrics.failure(model.name(), Long.toString(model.version()), reasonOf(status));
            call.onError(status.withDescription(reason).asException());
        }
    }

    private ModelInstance resolve(String name, String version) throws StatusException {
        ModelRegistry.Model model =
                registry.model(name)
                        .orElseThrow(
                                () ->
                                        Status.NOT_FOUND
                                                .withDescription(
                                                        "Request for unknown model: '"
                                                                + name
                                                                + "' is not found")
                                                .asException());
        if (model.failure().isPresent()) {
            throw Status.UNAVAILABLE
                    .withDescription("model '" + name + "' is not ready: " + model.failure().get())
                    .asException();
        }
        ModelRegistry.Version v =
                selectVersion(model, version)
                        .orElseThrow(
                                () ->
                                        Status.NOT_FOUND
                                                .withDescription(
                                                        "Request for unknown model: '"
                                                                + name
                                                                + "' version "
                                                                + version
                                                                + " is not found")
                                                .asException());
        if (!v.ready()) {
            throw Status.UNAVAILABLE
                    .withDescription(
                            "model '"
                                    + name
                                    + "' version "
                                    + v.version()
                                    + " is not ready: "
                                    + v.notReadyReason())
                    .asException();
        }
        return v.instance().orElseThrow();
    }

    /**
     * The asked version, or without one the highest ready version (else the highest, to report
     * why).
     */
    private static Optional<ModelRegistry.Version> selectVersion(
            ModelRegistry.Model model, String version) {
        if (version.isEmpty()) {
            return model.versions().descendingMap().values().stream()
                    .filter(ModelRegistry.Version::ready)
                    .findFirst()
                    .or(
                            () ->
                                    Optional.ofNullable(
                                            model.versions().isEmpty()
                                                    ? null
                                                    : model.versions().lastEntry().getValue()));
        }
        try {
            return Optional.ofNullable(model.versions().get(Long.parseLong(version)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private List<ModelInstance.Input> inputsOf(ModelInstance model, ModelInferRequest request)
            throws StatusException {
        ServedModel spec = model.spec();
        String name = spec.name();
        if (request.getInputsCount() != spec.inputs().size()) {
            throw invalid(
                    "expected "
                            + spec.inputs().size()
                            + " inputs "
                            + names(spec.inputs())
                            + " but got "
                            + request.getInputsCount()
                            + " inputs for model '"
                            + name
                            + "'");
        }
        checkInputNames(spec, request);
        boolean raw = request.getRawInputContentsCount() > 0;
        long inMessage =
                request.getInputsList().stream()
                        .filter(in -> !in.containsParameters(OipParameters.PARAM_SHM_REGION))
                        .count();
        if (raw && request.getRawInputContentsCount() != inMessage) {
            throw invalid(
                    "raw_input_contents has "
                            + request.getRawInputContentsCount()
                            + " entries but the request has "
                            + inMessage
                            + " inputs not in shared memory; send one entry per such input, in the same order");
        }
        List<ModelInstance.Input> inputs = new ArrayList<>();
        long batch = -1;
        int rawIndex = 0;
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor in = request.getInputs(i);
            TensorSpec t =
                    spec.input(in.getName())
                            .orElseThrow(
                                    () ->
                                            invalid(
                                                    "unexpected inference input '"
                                                            + in.getName()
                                                            + "' for model '"
                                                            + name
                                                            + "', expected "
                                                            + names(spec.inputs())));
            if (!in.getDatatype().equals(t.datatype().oipName())) {
                throw invalid(
                        "inference input '"
                                + in.getName()
                                + "' data-type is '"
                                + in.getDatatype()
                                + "', but model '"
                                + name
                                + "' expects '"
                                + t.datatype().oipName()
                                + "'");
            }
            long[] shape = in.getShapeList().stream().mapToLong(Long::longValue).toArray();
            checkShape(spec, t, shape);
            if (spec.batching()) {
                if (batch >= 0 && shape[0] != batch) {
                    throw invalid(
                            "inputs of model '"
                                    + name
                                    + "' disagree on the batch size: "
                                    + batch
                                    + " and "
                                    + shape[0]);
                }
                batch = shape[0];
                if (batch > spec.maxBatchSize()) {
                    throw invalid(
                            "inference request batch-size must be <= "
                                    + spec.maxBatchSize()
                                    + " for '"
                                    + name
                                    + "', got "
                                    + batch);
                }
            }
            long expectedBytes = byteSize(spec, t, shape);
            boolean shared = in.containsParameters(OipParameters.PARAM_SHM_REGION);
            ByteBuffer data;
            if (shared) {
                if (in.hasContents()) {
                    throw invalid(
                            "unexpected 'content' provided when using shared memory for input tensor '"
                                    + in.getName()
                                    + "' for model '"
                                    + name
                                    + "'");
                }
                data = fromSharedMemory(in.getName(), in.getParametersMap(), expectedBytes, shape);
            } else if (raw) {
                data =
                        fromRaw(
                                in.getName(),
                                request.getRawInputContents(rawIndex++),
                                expectedBytes,
                                shape);
            } else {
                data = fromTyped(in, t, expectedBytes);
            }
            metrics.input(
                    model.name(),
                    model.version(),
                    shared ? SidecarMetrics.Via.SHARED_MEMORY : SidecarMetrics.Via.MESSAGE,
                    expectedBytes);
            rejectNaN(in.getName(), t.datatype(), data);
            inputs.add(new ModelInstance.Input(in.getName(), t.datatype(), shape, data));
        }
        return inputs;
    }

    /**
     * Each input named once (with the count already equal to the model's, a repeated name hides a
     * missing one, which would otherwise first fail inside ONNX Runtime), as Triton checks.
     */
    private static void checkInputNames(ServedModel spec, ModelInferRequest request)
            throws StatusException {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (ModelInferRequest.InferInputTensor in : request.getInputsList()) {
            if (!seen.add(in.getName())) {
                List<String> missing =
                        spec.inputs().stream()
                                .map(TensorSpec::name)
                                .filter(
                                        n ->
                                                request.getInputsList().stream()
                                                        .noneMatch(i -> i.getName().equals(n)))
                                .toList();
                throw invalid(
                        "input '"
                                + in.getName()
                                + "' appears more than once in the request for model '"
                                + spec.name()
                                + "'"
                                + (missing.isEmpty()
                                        ? ""
                                        : "; missing required input(s) " + missing));
            }
        }
    }

    /**
     * The tensor's byte count, checked: a shape whose count passes {@code Long.MAX_VALUE} would
     * otherwise wrap (2^62 FP32 elements wrap to 0 bytes and match empty contents) or throw
     * unhandled.
     */
    private static long byteSize(ServedModel spec, TensorSpec t, long[] shape)
            throws StatusException {
        try {
            return TensorShapes.byteSize(shape, t.datatype().byteSize());
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw invalid(
                    "input '"
                            + t.name()
                            + "' for model '"
                            + spec.name()
                            + "' has shape "
                            + Arrays.toString(shape)
                            + ": its byte size (elements x "
                            + t.datatype().byteSize()
                            + " bytes of "
                            + t.datatype().oipName()
                            + ") exceeds "
                            + Long.MAX_VALUE);
        }
    }

    private static void checkShape(ServedModel spec, TensorSpec t, long[] shape)
            throws StatusException {
        long[] expected = t.servedShape(spec.batching());
        boolean ok = shape.length == expected.length;
        for (int i = 0; ok && i < shape.length; i++) {
            ok = expected[i] == -1 ? shape[i] >= 1 : shape[i] == expected[i];
        }
        if (!ok) {
            throw invalid(
                    "unexpected shape for input '"
                            + t.name()
                            + "' for model '"
                            + spec.name()
                            + "'. Expected "
                            + Arrays.toString(expected)
                            + ", got "
                            + Arrays.toString(shape));
        }
    }

    /**
     * The tensor bytes where the message holds them ({@link TensorMarshaller} parsed it without
     * copying them); ModelInstance stages them into its direct buffer when the run starts.
     */
    private static ByteBuffer fromRaw(
            String input, ByteString bytes, long expectedBytes, long[] shape)
            throws StatusException {
        if (bytes.size() != expectedBytes) {
            throw invalid(
                    "input '"
                            + input
                            + "' raw content has "
                            + bytes.size()
                            + " bytes but shape "
                            + Arrays.toString(shape)
                            + " needs "
                            + expectedBytes
                            + " bytes");
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw Status.UNIMPLEMENTED
                    .withDescription("raw tensors are little-endian; this host is big-endian")
                    .asException();
        }
        return bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The tensor where the client put it: a view of a registered shared memory region. */
    private ByteBuffer fromSharedMemory(
            String tensor, Map<String, InferParameter> params, long expectedBytes, long[] shape)
            throws StatusException {
        SharedMemoryRef ref = sharedMemoryRef(tensor, params);
        if (ref.byteSize() != expectedBytes) {
            throw invalid(
                    "input '"
                            + tensor
                            + "' in shared memory has shared_memory_byte_size "
                            + ref.byteSize()
                            + " but shape "
                            + Arrays.toString(shape)
                            + " needs "
                            + expectedBytes
                            + " bytes");
        }
        ByteBuffer view = sharedMemory.slice(ref.region(), ref.offset(), ref.byteSize(), tensor);
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            ByteBuffer copy =
                    ByteBuffer.allocateDirect(view.remaining()).order(ByteOrder.nativeOrder());
            return copy.put(view).flip();
        }
        return view;
    }

    private record SharedMemoryRef(String region, long offset, long byteSize) {}

    /** Triton's rules: region is a string, byte size is required with it, offset defaults to 0. */
    private static SharedMemoryRef sharedMemoryRef(
            String tensor, Map<String, InferParameter> params) throws StatusException {
        InferParameter region = params.get(OipParameters.PARAM_SHM_REGION);
        if (region.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.STRING_PARAM) {
            throw invalid(
                    "invalid value type for '"
                            + OipParameters.PARAM_SHM_REGION
                            + "' of tensor '"
                            + tensor
                            + "', expected string_param");
        }
        InferParameter size = params.get(OipParameters.PARAM_SHM_BYTE_SIZE);
        if (size == null) {
            throw invalid(
                    "'"
                            + OipParameters.PARAM_SHM_BYTE_SIZE
                            + "' must be given with '"
                            + OipParameters.PARAM_SHM_REGION
                            + "' for tensor '"
                            + tensor
                            + "'");
        }
        InferParameter offset = params.get(OipParameters.PARAM_SHM_OFFSET);
        long byteSize = longParam(OipParameters.PARAM_SHM_BYTE_SIZE, size);
        long off = offset == null ? 0 : longParam(OipParameters.PARAM_SHM_OFFSET, offset);
        return new SharedMemoryRef(region.getStringParam(), off, byteSize);
    }

    /**
     * Requested outputs to be written into shared memory, each checked to fit before anything runs.
     */
    private Map<String, ByteBuffer> outputTargets(
            ModelInstance model, ModelInferRequest request, int batch) throws StatusException {
        Map<String, ByteBuffer> targets = new java.util.HashMap<>();
        for (ModelInferRequest.InferRequestedOutputTensor o : request.getOutputsList()) {
            if (!o.containsParameters(OipParameters.PARAM_SHM_REGION)) {
                continue;
            }
            TensorSpec t = model.spec().output(o.getName()).orElseThrow();
            if (!t.fixedSize()) {
                throw invalid(
                        "output '"
                                + o.getName()
                                + "' of model '"
                                + model.name()
                                + "' has a variable shape "
                                + Arrays.toString(t.dims())
                                + "; it cannot be written to shared memory");
            }
            long[] shape =
                    model.spec().batching() ? TensorShapes.withBatch(batch, t.dims()) : t.dims();
            long needed = TensorShapes.byteSize(shape, t.datatype().byteSize());
            SharedMemoryRef ref = sharedMemoryRef(o.getName(), o.getParametersMap());
            if (ref.byteSize() < needed) {
                throw invalid(
                        "shared memory size specified with the request for output '"
                                + o.getName()
                                + "' ("
                                + ref.byteSize()
                                + " bytes) should be at least "
                                + needed
                                + " bytes to hold the results");
            }
            targets.put(
                    o.getName(),
                    sharedMemory.slice(ref.region(), ref.offset(), ref.byteSize(), o.getName()));
        }
        return targets;
    }

    private static ByteBuffer fromTyped(
            ModelInferRequest.InferInputTensor in, TensorSpec t, long expectedBytes)
            throws StatusException {
        if (t.datatype() != Datatype.FP32 || !in.hasContents()) {
            throw invalid(
                    "input '"
                            + in.getName()
                            + "' has no data: send it in raw_input_contents"
                            + (t.datatype() == Datatype.FP32 ? " or contents.fp32_contents" : ""));
        }
        int n = in.getContents().getFp32ContentsCount();
        if ((long) n * Float.BYTES != expectedBytes) {
            throw invalid(
                    "input '"
                            + in.getName()
                            + "' has "
                            + n
                            + " fp32_contents but its shape needs "
                            + expectedBytes / Float.BYTES);
        }
        ByteBuffer buffer =
                ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder());
        FloatBuffer floats = buffer.asFloatBuffer();
        for (int i = 0; i < n; i++) {
            floats.put(in.getContents().getFp32Contents(i));
        }
        return buffer;
    }

    /** NaN input would silently yield NaN scores downstream; refuse it where the frame is known. */
    private static void rejectNaN(String input, Datatype type, ByteBuffer data)
            throws StatusException {
        if (type == Datatype.FP32) {
            FloatBuffer f = data.asFloatBuffer();
            for (int i = 0; i < f.limit(); i++) {
                if (Float.isNaN(f.get(i))) {
                    throw invalid(
                            "input '" + input + "' contains NaN (first at element " + i + ")");
                }
            }
        } else if (type == Datatype.FP64) {
            DoubleBuffer d = data.asDoubleBuffer();
            for (int i = 0; i < d.limit(); i++) {
                if (Double.isNaN(d.get(i))) {
                    throw invalid(
                            "input '" + input + "' contains NaN (first at element " + i + ")");
                }
            }
        }
    }

    private static List<String> requestedOutputs(ModelInstance model, ModelInferRequest request)
            throws StatusException {
        List<String> names = new ArrayList<>();
        for (ModelInferRequest.InferRequestedOutputTensor o : request.getOutputsList()) {
            if (model.spec().output(o.getName()).isEmpty()) {
                throw invalid(
                        "unexpected inference output '"
                                + o.getName()
                                + "' for model '"
                                + model.name()
                                + "', expected "
                                + names(model.spec().outputs()));
            }
            names.add(o.getName());
        }
        return names;
    }

    /**
     * The earliest of the gRPC deadline, the Triton {@code timeout} (us) and the {@code deadline}
     * (epoch us).
     */
    private long deadlineOf(ModelInferRequest request) throws StatusException {
        long now = nanoClock.getAsLong();
        long deadline = ScheduledRequest.NO_DEADLINE;
        Deadline grpcDeadline = Context.current().getDeadline();
        if (grpcDeadline != null) {
            deadline = Math.min(deadline, now + grpcDeadline.timeRemaining(TimeUnit.NANOSECONDS));
        }
        InferParameter timeout = request.getParametersMap().get(OipParameters.PARAM_TIMEOUT_US);
        if (timeout != null) {
            long us = longParam(OipParameters.PARAM_TIMEOUT_US, timeout);
            if (us < 0) {
                throw invalid("parameter 'timeout' must be >= 0 microseconds, got " + us);
            }
            if (us > 0) { // Triton: 0 means no timeout
                deadline = Math.min(deadline, now + Math.min(us, Long.MAX_VALUE / 4000) * 1000);
            }
        }
        InferParameter epochDeadline =
                request.getParametersMap().get(OipParameters.PARAM_DEADLINE_EPOCH_US);
        if (epochDeadline != null) {
            long us = longParam(OipParameters.PARAM_DEADLINE_EPOCH_US, epochDeadline);
            long remainingUs = us - epochMicrosClock.getAsLong();
            deadline =
                    Math.min(
                            deadline,
                            now
                                    + Math.max(
                                                    -Long.MAX_VALUE / 4000,
                                                    Math.min(remainingUs, Long.MAX_VALUE / 4000))
                                            * 1000);
        }
        return deadline;
    }

    private static long priorityOf(ModelInferRequest request) throws StatusException {
        InferParameter p = request.getParametersMap().get(OipParameters.PARAM_PRIORITY);
        if (p == null) {
            return Long.MAX_VALUE;
        }
        long level = longParam(OipParameters.PARAM_PRIORITY, p);
        if (level < 0) {
            throw invalid("parameter 'priority' must be >= 0, got " + level);
        }
        return level == 0 ? Long.MAX_VALUE : level; // Triton: 0 is the default level, 1 the highest
    }

    private static long longParam(String name, InferParameter p) throws StatusException {
        return switch (p.getParameterChoiceCase()) {
            case INT64_PARAM -> p.getInt64Param();
            case UINT64_PARAM -> p.getUint64Param();
            case STRING_PARAM -> {
                try {
                    yield Long.parseLong(p.getStringParam().trim());
                } catch (NumberFormatException e) {
                    throw invalid(
                            "parameter '"
                                    + name
                                    + "' must be an integer, got '"
                                    + p.getStringParam()
                                    + "'");
                }
            }
            default ->
                    throw invalid(
                            "parameter '"
                                    + name
                                    + "' must be an integer, got "
                                    + p.getParameterChoiceCase());
        };
    }

    private static ModelMetadataResponse.TensorMetadata tensorMetadata(
            TensorSpec t, boolean batching) {
        ModelMetadataResponse.TensorMetadata.Builder b =
                ModelMetadataResponse.TensorMetadata.newBuilder()
                        .setName(t.name())
                        .setDatatype(t.datatype().oipName());
        for (long d : t.servedShape(batching)) {
            b.addShape(d);
        }
        return b.build();
    }

    private static InferParameter int64(long v) {
        return InferParameter.newBuilder().setInt64Param(v).build();
    }

    private static List<String> names(List<TensorSpec> tensors) {
        return tensors.stream().map(TensorSpec::name).toList();
    }

    private static StatusException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asException();
    }

    static SidecarMetrics.Reason reasonOf(Status status) {
        return switch (status.getCode()) {
            case DEADLINE_EXCEEDED -> SidecarMetrics.Reason.REJECTED_DEADLINE;
            case RESOURCE_EXHAUSTED -> SidecarMetrics.Reason.REJECTED_QUEUE_FULL;
            case INVALID_ARGUMENT -> SidecarMetrics.Reason.INVALID_ARGUMENT;
            case NOT_FOUND -> SidecarMetrics.Reason.NOT_FOUND;
            case UNAVAILABLE -> SidecarMetrics.Reason.UNAVAILABLE;
            case CANCELLED -> SidecarMetrics.Reason.CANCELLED;
            default -> SidecarMetrics.Reason.INTERNAL;
        };
    }

    private static <T> void reply(StreamObserver<T> out, T value) {
        out.onNext(value);
        out.onCompleted();
    }
}
