package io.coedge.oip;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.coedge.oip.v2.GRPCInferenceServiceGrpc;
import io.coedge.oip.v2.InferParameter;
import io.coedge.oip.v2.ModelInferRequest;
import io.coedge.oip.v2.ModelInferResponse;
import io.coedge.oip.v2.ModelMetadataRequest;
import io.coedge.oip.v2.ModelMetadataResponse;
import io.coedge.oip.v2.ModelReadyRequest;
import io.coedge.oip.v2.ServerLiveRequest;
import io.coedge.oip.v2.ServerMetadataRequest;
import io.coedge.oip.v2.ServerMetadataResponse;
import io.coedge.oip.v2.ServerReadyRequest;
import io.coedge.oip.v2.SystemSharedMemoryRegisterRequest;
import io.coedge.oip.v2.SystemSharedMemoryStatusRequest;
import io.coedge.oip.v2.SystemSharedMemoryStatusResponse;
import io.coedge.oip.v2.SystemSharedMemoryUnregisterRequest;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Open Inference Protocol (KServe v2) gRPC client for the CoEdge sidecar or NVIDIA Triton.
 * Inference is asynchronous; failures complete the future with a {@link StatusRuntimeException}
 * whose code tells them apart (DEADLINE_EXCEEDED: shed for its deadline; RESOURCE_EXHAUSTED: queue
 * full or message too large; INVALID_ARGUMENT: bad input; NOT_FOUND / UNAVAILABLE: model).
 */
public final class OipClient implements AutoCloseable {
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    /** ModelInfer with output tensors parsed in place (see {@link TensorMarshaller}). */
    private static final MethodDescriptor<ModelInferRequest, ModelInferResponse> INFER =
            TensorMarshaller.forResponses(
                    GRPCInferenceServiceGrpc.getModelInferMethod(), ModelInferResponse.parser());

    private final ManagedChannel channel;
    private final GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async;
    private final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking;
    private final Duration metadataTimeout;
    private final boolean sendDeadlineParameter;

    private OipClient(Builder b) {
        this.channel =
                NettyChannelBuilder.forTarget(b.target)
                        .usePlaintext()
                        .maxInboundMessageSize(b.maxMessageBytes)
                        .directExecutor() // callbacks only complete a future
                        .build();
        this.async =
                GRPCInferenceServiceGrpc.newFutureStub(channel)
                        .withMaxOutboundMessageSize(b.maxMessageBytes);
        this.blocking = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        this.metadataTimeout = b.metadataTimeout;
        this.sendDeadlineParameter = b.sendDeadlineParameter;
    }

    /**
     * @param target host:port of the sidecar (default 127.0.0.1:8001) or of Triton's gRPC endpoint
     */
    public static Builder builder(String target) {
        return new Builder(target);
    }

    public boolean serverLive() {
        return meta().serverLive(ServerLiveRequest.getDefaultInstance()).getLive();
    }

    public boolean serverReady() {
        return meta().serverReady(ServerReadyRequest.getDefaultInstance()).getReady();
    }

    public boolean modelReady(String model, String version) {
        return meta().modelReady(
                        ModelReadyRequest.newBuilder().setName(model).setVersion(version).build())
                .getReady();
    }

    public ServerMetadataResponse serverMetadata() {
        return meta().serverMetadata(ServerMetadataRequest.getDefaultInstance());
    }

    public ModelMetadataResponse modelMetadata(String model, String version) {
        return meta().modelMetadata(
                        ModelMetadataRequest.newBuilder()
                                .setName(model)
                                .setVersion(version)
                                .build());
    }

    /** The latency profile a CoEdge sidecar publishes for a model (empty against Triton). */
    public ModelProfile profile(String model) {
        ModelMetadataResponse meta = modelMetadata(model, "");
        TreeMap<Integer, Long> p99 = new TreeMap<>();
        TreeMap<Integer, Long> p50 = new TreeMap<>();
        for (Map.Entry<String, InferParameter> e : meta.getParametersMap().entrySet()) {
            if (e.getKey().startsWith(OipParameters.META_LATENCY_PREFIX)) {
                p99.put(
                        Integer.parseInt(
                                e.getKey().substring(OipParameters.META_LATENCY_PREFIX.length())),
                        e.getValue().getInt64Param());
            } else if (e.getKey().startsWith(OipParameters.META_MEDIAN_PREFIX)) {
                p50.put(
                        Integer.parseInt(
                                e.getKey().substring(OipParameters.META_MEDIAN_PREFIX.length())),
                        e.getValue().getInt64Param());
            }
        }
        Map<String, InferParameter> p = meta.getParametersMap();
        return new ModelProfile(
                meta.getName(),
                p99,
                p50,
                Optional.ofNullable(p.get(OipParameters.META_QUEUE_LENGTH))
                        .map(InferParameter::getInt64Param)
                        .orElse(0L),
                Optional.ofNullable(p.get(OipParameters.META_DEVICE))
                        .map(InferParameter::getStringParam)
                        .orElse(""),
                (int)
                        (long)
                                Optional.ofNullable(p.get(OipParameters.META_MAX_BATCH_SIZE))
                                        .map(InferParameter::getInt64Param)
                                        .orElse(0L));
    }

    /**
     * Sends one inference; cancelling the returned future cancels the call (the server drops it
     * from its queue).
     */
    public CompletableFuture<InferResult> infer(InferRequest request) {
        ModelInferRequest.Builder b =
                ModelInferRequest.newBuilder()
                        .setModelName(request.model())
                        .setModelVersion(request.version())
                        .setId(request.id());
        for (InferInput in : request.inputs()) {
            ModelInferRequest.InferInputTensor.Builder t =
                    b.addInputsBuilder().setName(in.name()).setDatatype(in.datatype());
            for (long d : in.shape()) {
                t.addShape(d);
            }
            if (in.sharedMemory().isPresent()) {
                t.putAllParameters(sharedMemoryParameters(in.sharedMemory().get()));
            } else {
                b.addRawInputContents(in.data());
            }
        }
        for (String out : request.outputs()) {
            ModelInferRequest.InferRequestedOutputTensor.Builder o =
                    b.addOutputsBuilder().setName(out);
            SharedMemoryRef target = request.outputTargets().get(out);
            if (target != null) {
                o.putAllParameters(sharedMemoryParameters(target));
            }
        }
        if (request.priority() > 0) {
            b.putParameters(
                    OipParameters.PARAM_PRIORITY,
                    InferParameter.newBuilder().setInt64Param(request.priority()).build());
        }
        Optional<Instant> deadline = effectiveDeadline(request);
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub stub = async;
        if (deadline.isPresent()) {
            long remainingNanos = Duration.between(Instant.now(), deadline.get()).toNanos();
            stub =
                    stub.withDeadline(
                            Deadline.after(Math.max(0, remainingNanos), TimeUnit.NANOSECONDS));
            b.putParameters(
                    OipParameters.PARAM_TIMEOUT_US,
                    InferParameter.newBuilder()
                            .setInt64Param(Math.max(1, remainingNanos / 1000))
                            .build());
            if (sendDeadlineParameter) {
                Instant d = deadline.get();
                b.putParameters(
                        OipParameters.PARAM_DEADLINE_EPOCH_US,
                        InferParameter.newBuilder()
                                .setInt64Param(d.getEpochSecond() * 1_000_000 + d.getNano() / 1000)
                                .build());
            }
        }
        ListenableFuture<ModelInferResponse> call =
                ClientCalls.futureUnaryCall(
                        stub.getChannel().newCall(INFER, stub.getCallOptions()), b.build());
        CompletableFuture<InferResult> result = new CompletableFuture<>();
        result.whenComplete(
                (r, e) -> {
                    if (result.isCancelled()) {
                        call.cancel(true);
                    }
                });
        Futures.addCallback(
                call,
                new FutureCallback<>() {
                    @Override
                    public void onSuccess(ModelInferResponse response) {
                        try {
                            result.complete(toResult(response));
                        } catch (RuntimeException e) {
                            result.completeExceptionally(e);
                        }
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        result.completeExceptionally(
                                t instanceof StatusRuntimeException
                                        ? t
                                        : Status.fromThrowable(t).asRuntimeException());
                    }
                },
                MoreExecutors.directExecutor());
        return result;
    }

    /**
     * Registers {@code [offset, offset + byteSize)} of the shared memory object {@code key} as
     * {@code name}, to be named by inputs and outputs (Triton's system shared memory extension).
     */
    public void registerSystemSharedMemory(String name, String key, long offset, long byteSize) {
        meta().systemSharedMemoryRegister(
                        SystemSharedMemoryRegisterRequest.newBuilder()
                                .setName(name)
                                .setKey(key)
                                .setOffset(offset)
                                .setByteSize(byteSize)
                                .build());
    }

    /** Registers the whole of a region this process created. */
    public void registerSystemSharedMemory(String name, SharedMemoryRegion region) {
        registerSystemSharedMemory(name, region.key(), 0, region.byteSize());
    }

    /** Unregisters one region, or all of them when {@code name} is empty. */
    public void unregisterSystemSharedMemory(String name) {
        meta().systemSharedMemoryUnregister(
                        SystemSharedMemoryUnregisterRequest.newBuilder().setName(name).build());
    }

    /** Registered regions by name (all of them when {@code name} is empty). */
    public Map<String, SystemSharedMemoryStatusResponse.RegionStatus> systemSharedMemoryStatus(
            String name) {
        return meta().systemSharedMemoryStatus(
                        SystemSharedMemoryStatusRequest.newBuilder().setName(name).build())
                .getRegionsMap();
    }

    private static Map<String, InferParameter> sharedMemoryParameters(SharedMemoryRef ref) {
        return Map.of(
                OipParameters.PARAM_SHM_REGION,
                InferParameter.newBuilder().setStringParam(ref.region()).build(),
                OipParameters.PARAM_SHM_OFFSET,
                InferParameter.newBuilder().setInt64Param(ref.offset()).build(),
                OipParameters.PARAM_SHM_BYTE_SIZE,
                InferParameter.newBuilder().setInt64Param(ref.byteSize()).build());
    }

    /**
     * The gRPC status of a failed {@link #infer} future's exception (unwrapping
     * CompletionException).
     */
    public static Status statusOf(Throwable t) {
        return Status.fromThrowable(t);
    }

    private static Optional<Instant> effectiveDeadline(InferRequest request) {
        Optional<Instant> fromTimeout = request.timeout().map(t -> Instant.now().plus(t));
        if (request.deadline().isPresent() && fromTimeout.isPresent()) {
            return Optional.of(
                    request.deadline().get().isBefore(fromTimeout.get())
                            ? request.deadline().get()
                            : fromTimeout.get());
        }
        return request.deadline().or(() -> fromTimeout);
    }

    private static InferResult toResult(ModelInferResponse response) {
        if (response.getRawOutputContentsCount() != response.getOutputsCount()) {
            throw Status.INTERNAL
                    .withDescription(
                            "response has "
                                    + response.getOutputsCount()
                                    + " outputs but "
                                    + response.getRawOutputContentsCount()
                                    + " raw_output_contents")
                    .asRuntimeException();
        }
        List<InferOutput> outputs = new ArrayList<>();
        for (int i = 0; i < response.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor t = response.getOutputs(i);
            outputs.add(
                    new InferOutput(
                            t.getName(),
                            t.getDatatype(),
                            t.getShapeList().stream().mapToLong(Long::longValue).toArray(),
                            response.getRawOutputContents(i)));
        }
        InferParameter queue = response.getParametersMap().get(OipParameters.RESPONSE_QUEUE_US);
        InferParameter compute = response.getParametersMap().get(OipParameters.RESPONSE_COMPUTE_US);
        return new InferResult(
                response.getModelName(),
                response.getModelVersion(),
                response.getId(),
                List.copyOf(outputs),
                queue == null ? -1 : queue.getInt64Param(),
                compute == null ? -1 : compute.getInt64Param());
    }

    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub meta() {
        return blocking.withDeadlineAfter(metadataTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    public static final class Builder {
        private final String target;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private Duration metadataTimeout = Duration.ofSeconds(10);
        private boolean sendDeadlineParameter = true;

        private Builder(String target) {
            this.target = target;
        }

        /** Largest message sent or received; the server's own limit applies too. */
        public Builder maxMessageBytes(int maxMessageBytes) {
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        public Builder metadataTimeout(Duration metadataTimeout) {
            this.metadataTimeout = metadataTimeout;
            return this;
        }

        /**
         * Whether to send the CoEdge {@code deadline} parameter besides Triton's {@code timeout}.
         */
        public Builder sendDeadlineParameter(boolean send) {
            this.sendDeadlineParameter = send;
            return this;
        }

        public OipClient build() {
            return new OipClient(this);
        }
    }
}
