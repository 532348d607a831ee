package io.coedge.operators.batch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.ModelSpec;
import io.coedge.format.ErrorCode;
import io.coedge.format.FrameResult;
import io.coedge.oip.InferInput;
import io.coedge.oip.InferOutput;
import io.coedge.oip.InferRequest;
import io.coedge.oip.ModelProfile;
import io.coedge.oip.OipClient;
import io.coedge.oip.TensorShapes;
import io.coedge.operators.post.DetectionDecoder;
import io.coedge.operators.post.OutputTensor;
import io.coedge.operators.post.TopK;
import io.coedge.operators.pre.DecodeBudget;
import io.coedge.operators.pre.ImageDecodeException;
import io.coedge.operators.pre.PreprocessWarmUp;
import io.coedge.operators.pre.Preprocessor;
import io.grpc.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs batches on the node's sidecar: parallel pre-processing on the node's CPU, one Open Inference
 * Protocol call (the batch in shared memory when the sidecar shares this host, else inside the
 * message), post-processing, all off the task thread. Polls the sidecar for readiness and its
 * per-model profiles, and reconnects after it was lost.
 */
public final class SidecarExecutor implements InferenceExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarExecutor.class);

    private final BatcherConfig config;
    private final List<ModelSpec> models;
    private final Map<String, Integer> modelIndex = new HashMap<>();
    private final List<Preprocessor> preprocessors = new ArrayList<>();

    /** What this node's decodes may hold at once (issue 17: frames at the size limit). */
    private final DecodeBudget decodeBudget = DecodeBudget.forNode();

    private final String node;
    private final String sidecarTarget;
    private final String sharedMemoryName;
    private final int slots;
    private final ExecutorService workers;
    private final ScheduledExecutorService poller;
    private volatile OipClient client;

    /**
     * Shared memory with the sidecar, once registered; null while batches go inside the messages.
     */
    private volatile SharedTensors shared;

    private boolean sharedMemoryRefused;
    private volatile SidecarView sidecar = SidecarView.NOT_POLLED;

    /** Set when the executor closes: the pre-processing warm-up stops between two runs. */
    private volatile boolean closing;

    /** Warms the pre-processing before the first frames ({@link PreprocessWarmUp}); or null. */
    private final Thread warmUp;

    /** What the warm-up measured, once it ended (empty at once when there was none). */
    private final CompletableFuture<List<PreprocessWarmUp.Result>> warmedUp =
            new CompletableFuture<>();

    public SidecarExecutor(Context context) {
        Catalog catalog = context.catalog();
        this.config = context.config();
        this.models = catalog.models();
        for (int i = 0; i < models.size(); i++) {
            modelIndex.put(models.get(i).name(), i);
            preprocessors.add(new Preprocessor(models.get(i)));
        }
        this.node = context.node();
        this.sidecarTarget = context.sidecarTarget();
        this.sharedMemoryName = context.sharedMemoryName();
        this.slots = context.slots();
        this.client = newClient();
        this.workers =
                Executors.newFixedThreadPool(
                        config.preprocessThreads(), r -> daemon(r, "coedge-pre-" + node));
        this.poller =
                Executors.newSingleThreadScheduledExecutor(
                        r -> daemon(r, "coedge-sidecar-poll-" + node));
        poller.scheduleWithFixedDelay(
                this::pollSidecar, 0, config.statusIntervalMs(), TimeUnit.MILLISECONDS);
        this.warmUp = startWarmUp(catalog, PreprocessWarmUp.runsForNode());
    }

    /**
     * The largest frame warmed, in decoded bytes (4K UHD): the warm-up holds one synthetic frame of
     * each size on the heap while it encodes it.
     */
    static final long WARM_UP_MAX_FRAME_BYTES = 3L * 3840 * 2160;

    /**
     * Runs each model's pre-processing on synthetic frames of every size the catalog's tasks of
     * that model send, on a thread of its own (the workers stay free for the first real frames,
     * which then only share the CPU with it). Null when there is nothing to warm.
     */
    private Thread startWarmUp(Catalog catalog, int runs) {
        List<PreprocessWarmUp.Target> targets = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            String name = models.get(i).name();
            java.util.Set<List<Integer>> sizes = new java.util.LinkedHashSet<>();
            for (io.coedge.catalog.TaskSpec t : catalog.tasks()) {
                if (t.model().equals(name) && t.frameWidth() > 0 && t.frameHeight() > 0) {
                    sizes.add(List.of(t.frameWidth(), t.frameHeight()));
                }
            }
            for (List<Integer> wh : sizes) {
                long pixelBytes = 3L * wh.get(0) * wh.get(1);
                if (pixelBytes > Math.min(decodeBudget.capacity() / 2, WARM_UP_MAX_FRAME_BYTES)) {
                    LOG.info(
                            "node {}: {} frames of {}x{} are not warmed (too large to hold a"
                                    + " synthetic one)",
                            node,
                            name,
                            wh.get(0),
                            wh.get(1));
                    continue;
                }
                targets.add(
                        new PreprocessWarmUp.Target(
                                name, preprocessors.get(i), wh.get(0), wh.get(1)));
            }
        }
        if (runs == 0 || targets.isEmpty()) {
            warmedUp.complete(List.of());
            return null;
        }
        Thread t =
                new Thread(
                        () -> {
                            long start = System.nanoTime();
                            List<PreprocessWarmUp.Result> results =
                                    PreprocessWarmUp.run(
                                            targets,
                                            runs,
                                            PreprocessWarmUp.DEFAULT_BUDGET_NANOS,
                                            decodeBudget,
                                            System::nanoTime,
                                            () -> closing);
                            LOG.info(
                                    "node {}: pre-processing warmed in {} ms: {}",
                                    node,
                                    (System.nanoTime() - start) / 1_000_000,
                                    results);
                            warmedUp.complete(results);
                        },
                        "coedge-warm-up-" + node);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private OipClient newClient() {
        return OipClient.builder(sidecarTarget)
                .maxMessageBytes(config.maxMessageBytes())
                .metadataTimeout(Duration.ofSeconds(2))
                .build();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * The pre-processing warm-up's runs per model and frame size, once it ended: every model and
     * frame size the catalog's tasks send; empty when there was nothing to warm.
     */
    CompletableFuture<List<PreprocessWarmUp.Result>> warmedUp() {
        return warmedUp;
    }

    /** Whether batches go through shared memory now: the region is created and registered. */
    boolean sharesMemory() {
        SharedTensors shm = shared;
        return shm != null && shm.registered();
    }

    @Override
    public SidecarView view() {
        return sidecar;
    }

    @Override
    public CompletableFuture<BatchOutcome> run(
            int model, List<QueuedFrame> batch, long deadlineMicros) {
        ModelSpec spec = models.get(model);
        Preprocessor pre = preprocessors.get(model);
        List<CompletableFuture<Object>> tensors = new ArrayList<>();
        for (QueuedFrame f : batch) {
            byte[] image = f.routed().frame().image();
            tensors.add(CompletableFuture.supplyAsync(() -> preprocess(pre, image), workers));
        }
        return CompletableFuture.allOf(tensors.toArray(CompletableFuture[]::new))
                .thenCompose(ignored -> infer(spec, pre, batch, tensors, deadlineMicros))
                .exceptionally(
                        error ->
                                new BatchOutcome(
                                        Map.of(),
                                        Map.of(),
                                        failure(error),
                                        System.currentTimeMillis(),
                                        System.currentTimeMillis()))
                .whenComplete((outcome, error) -> recycle(pre, tensors));
    }

    /**
     * Hands the batch's tensors back to their pre-processor once the batch is done (written to the
     * sidecar, results decoded), so the next frames reuse their arrays instead of allocating a
     * tensor each.
     */
    private static void recycle(Preprocessor pre, List<CompletableFuture<Object>> tensors) {
        for (CompletableFuture<Object> f : tensors) {
            if (f.isDone() && !f.isCompletedExceptionally()) {
                Object t = f.join();
                if (t instanceof Preprocessor.Tensor tensor) {
                    pre.recycle(tensor);
                }
            }
        }
    }

    /**
     * One frame's tensor, or why it has none: whatever goes wrong pre-processing a frame is that
     * frame's alone, never its batch's.
     */
    private Object preprocess(Preprocessor pre, byte[] image) {
        try {
            return pre.apply(image, decodeBudget);
        } catch (ImageDecodeException e) {
            return new BatchOutcome.Rejected(e.code(), e.getMessage());
        } catch (OutOfMemoryError e) {
            return new BatchOutcome.Rejected(
                    ErrorCode.OUT_OF_MEMORY, "out of memory pre-processing the frame");
        } catch (RuntimeException e) {
            return new BatchOutcome.Rejected(
                    ErrorCode.CORRUPT_IMAGE, "pre-processing failed: " + e);
        }
    }

    private CompletableFuture<BatchOutcome> infer(
            ModelSpec spec,
            Preprocessor pre,
            List<QueuedFrame> batch,
            List<CompletableFuture<Object>> tensors,
            long deadlineMicros) {
        Map<String, BatchOutcome.Rejected> corrupt = new LinkedHashMap<>();
        List<QueuedFrame> good = new ArrayList<>();
        List<Preprocessor.Tensor> goodTensors = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Object t = tensors.get(i).join();
            if (t instanceof BatchOutcome.Rejected e) {
                corrupt.put(batch.get(i).id(), e);
            } else {
                good.add(batch.get(i));
                goodTensors.add((Preprocessor.Tensor) t);
            }
        }
        long startMs = System.currentTimeMillis();
        if (good.isEmpty()) {
            return CompletableFuture.completedFuture(
                    new BatchOutcome(Map.of(), corrupt, null, startMs, startMs));
        }
        ModelSpec.InputSpec in = spec.input();
        long[] shape = in.shape(good.size());
        long inputBytes = good.size() * pre.bytes();
        SharedTensors shm = shared;
        long[] outputShape = shm == null ? null : shm.outputShape(spec.name(), good.size());
        Optional<SharedTensors.Slot> slot =
                outputShape == null
                        ? Optional.empty()
                        : shm.acquire(inputBytes, TensorShapes.elements(outputShape) * Float.BYTES);
        if (slot.isEmpty()) {
            return inferInMessage(
                    spec, good, goodTensors, corrupt, startMs, shape, inputBytes, deadlineMicros);
        }
        long outputBytes = TensorShapes.elements(outputShape) * Float.BYTES;
        writeFrames(shm.input(slot.get(), inputBytes), goodTensors);
        InferRequest request =
                request(spec, good, deadlineMicros)
                        .input(
                                InferInput.inSharedMemory(
                                        in.name(),
                                        in.oipDatatype(),
                                        shape,
                                        shm.inputRef(slot.get(), inputBytes)))
                        .output(shm.outputName(spec.name()), shm.outputRef(slot.get(), outputBytes))
                        .build();
        CompletableFuture<BatchOutcome> done = new CompletableFuture<>();
        client.infer(request)
                .whenCompleteAsync(
                        (r, error) -> {
                            try {
                                if (error == null) {
                                    float[] values =
                                            new float[Math.toIntExact(outputBytes / Float.BYTES)];
                                    shm.output(slot.get(), outputBytes).asFloatBuffer().get(values);
                                    shm.release(slot.get());
                                    done.complete(
                                            postprocess(
                                                    spec,
                                                    good,
                                                    goodTensors,
                                                    List.of(
                                                            new OutputTensor(
                                                                    shm.outputName(spec.name()),
                                                                    outputShape,
                                                                    values)),
                                                    corrupt,
                                                    startMs));
                                    return;
                                }
                                shm.release(slot.get());
                                if (SharedTensors.isRegionUnknown(OipClient.statusOf(error))) {
                                    // The sidecar restarted and forgot the region: this batch goes
                                    // inside the message, and the
                                    // next poll registers the region again.
                                    shm.lost();
                                    inferInMessage(
                                                    spec,
                                                    good,
                                                    goodTensors,
                                                    corrupt,
                                                    startMs,
                                                    shape,
                                                    inputBytes,
                                                    deadlineMicros)
                                            .whenComplete(
                                                    (o, e) -> {
                                                        if (e == null) {
                                                            done.complete(o);
                                                        } else {
                                                            done.completeExceptionally(e);
                                                        }
                                                    });
                                    return;
                                }
                                done.completeExceptionally(error);
                            } catch (RuntimeException e) {
                                done.completeExceptionally(e);
                            }
                        },
                        workers);
        return done;
    }

    private CompletableFuture<BatchOutcome> inferInMessage(
            ModelSpec spec,
            List<QueuedFrame> good,
            List<Preprocessor.Tensor> goodTensors,
            Map<String, BatchOutcome.Rejected> corrupt,
            long startMs,
            long[] shape,
            long inputBytes,
            long deadlineMicros) {
        ByteBuffer bytes =
                ByteBuffer.allocate(Math.toIntExact(inputBytes)).order(ByteOrder.LITTLE_ENDIAN);
        writeFrames(bytes, goodTensors);
        InferRequest request =
                request(spec, good, deadlineMicros)
                        .input(
                                InferInput.raw(
                                        spec.input().name(),
                                        spec.input().oipDatatype(),
                                        shape,
                                        bytes.flip()))
                        .build();
        return client.infer(request)
                .thenApplyAsync(
                        r ->
                                postprocess(
                                        spec,
                                        good,
                                        goodTensors,
                                        r.outputs().stream().map(SidecarExecutor::tensor).toList(),
                                        corrupt,
                                        startMs),
                        workers);
    }

    /** The batch's frames one after the other, in the model's layout and dtype, little-endian. */
    private static void writeFrames(ByteBuffer littleEndian, List<Preprocessor.Tensor> tensors) {
        for (Preprocessor.Tensor t : tensors) {
            t.writeTo(littleEndian);
        }
    }

    private InferRequest.Builder request(
            ModelSpec spec, List<QueuedFrame> good, long deadlineMicros) {
        return InferRequest.builder(spec.name())
                .id(good.get(0).id())
                .deadline(
                        Instant.ofEpochSecond(
                                deadlineMicros / 1_000_000, (deadlineMicros % 1_000_000) * 1000))
                .timeout(config.inferTimeout());
    }

    private static OutputTensor tensor(InferOutput out) {
        return OutputTensor.of(
                out.name(), out.datatype(), out.shape(), out.data().asReadOnlyByteBuffer());
    }

    private BatchOutcome postprocess(
            ModelSpec spec,
            List<QueuedFrame> good,
            List<Preprocessor.Tensor> tensors,
            List<OutputTensor> result,
            Map<String, BatchOutcome.Rejected> corrupt,
            long startMs) {
        long endMs = System.currentTimeMillis();
        Map<String, BatchOutcome.Output> outputs = new HashMap<>();
        ModelSpec.Postprocess post = spec.postprocess();
        if (post.detects()) {
            DetectionDecoder decoder = DetectionDecoder.of(spec);
            for (int i = 0; i < good.size(); i++) {
                outputs.put(
                        good.get(i).id(),
                        new BatchOutcome.Output(
                                decoder.decode(result, i, tensors.get(i).letterbox()), null));
            }
        } else {
            TopK topK = new TopK(post.labels(), post.topK());
            OutputTensor logits = result.get(0);
            int classes = (int) logits.shape()[1];
            for (int i = 0; i < good.size(); i++) {
                outputs.put(
                        good.get(i).id(),
                        new BatchOutcome.Output(
                                null, topK.decode(logits.values(), i * classes, classes)));
            }
        }
        return new BatchOutcome(outputs, corrupt, null, startMs, endMs);
    }

    private static BatchOutcome.Failure failure(Throwable error) {
        Throwable cause =
                error instanceof java.util.concurrent.CompletionException
                                && error.getCause() != null
                        ? error.getCause()
                        : error;
        if (cause instanceof IllegalArgumentException bad) {
            // The model answered, but not in the layout its catalog postprocess describes.
            return new BatchOutcome.Failure(
                    FrameResult.Status.ERROR,
                    ErrorCode.BAD_MODEL_OUTPUT,
                    "cannot decode the model's output: " + bad.getMessage());
        }
        Status status = OipClient.statusOf(cause);
        String detail =
                status.getCode()
                        + (status.getDescription() == null ? "" : ": " + status.getDescription());
        return switch (status.getCode()) {
            case DEADLINE_EXCEEDED ->
                    new BatchOutcome.Failure(
                            FrameResult.Status.DROPPED,
                            ErrorCode.INFERENCE_TIMEOUT,
                            "the sidecar could not finish the batch by its deadline ("
                                    + detail
                                    + ")");
            case UNAVAILABLE ->
                    new BatchOutcome.Failure(
                            FrameResult.Status.ERROR, ErrorCode.NO_SIDECAR, detail);
            case NOT_FOUND ->
                    new BatchOutcome.Failure(
                            FrameResult.Status.ERROR, ErrorCode.UNKNOWN_MODEL, detail);
            default ->
                    new BatchOutcome.Failure(
                            FrameResult.Status.ERROR, ErrorCode.INFERENCE_FAILED, detail);
        };
    }

    private void pollSidecar() {
        try {
            boolean ready = client.serverReady();
            String device =
                    client.serverMetadata().getExtensionsList().stream()
                            .filter(e -> e.startsWith("device="))
                            .map(e -> e.substring("device=".length()))
                            .findFirst()
                            .orElse("");
            Map<String, ModelProfile> profiles = new HashMap<>();
            for (ModelSpec m : models) {
                try {
                    profiles.put(m.name(), client.profile(m.name()));
                } catch (RuntimeException e) {
                    // A model the sidecar does not serve: the node cannot run it.
                }
            }
            sidecar =
                    new SidecarView(
                            ready && !profiles.isEmpty(),
                            ready ? "" : "sidecar not ready",
                            device,
                            Map.copyOf(profiles));
            if (ready) {
                ensureSharedMemory(profiles.keySet());
            }
        } catch (RuntimeException e) {
            sidecar =
                    new SidecarView(false, "sidecar unreachable: " + e.getMessage(), "", Map.of());
            if (OipClient.statusOf(e).getCode() == Status.Code.UNAVAILABLE) {
                // gRPC backs off reconnecting (up to minutes) and fails calls fast meanwhile; a
                // fresh channel
                // tries at once, so a sidecar that comes back is seen at the next poll. Calls still
                // on the old
                // channel are to a sidecar that is gone: they fail as they would have.
                OipClient old = client;
                client = newClient();
                old.close();
            }
        }
    }

    /**
     * On the poller thread: creates and registers the shared memory for batches once the sidecar is
     * ready, and registers it again after the sidecar restarted. A sidecar that cannot map it
     * (another host or container) is told once; batches then go inside the messages.
     */
    private void ensureSharedMemory(java.util.Set<String> served) {
        if (!config.sharedMemory() || sharedMemoryRefused || served.isEmpty()) {
            return;
        }
        SharedTensors shm = shared;
        try {
            if (shm != null && shm.registered()) {
                return;
            }
            // First time, or the sidecar restarted and forgot the region: a new one. Batches still
            // holding a
            // slot of the old one finish with it; its memory goes when they do.
            if (!SharedTensors.sameHost(sidecarTarget)) {
                sharedMemoryRefused = true;
                return;
            }
            Map<String, SharedTensors.Output> outputs = new LinkedHashMap<>();
            long inputBytes = 0;
            for (ModelSpec m : models) {
                if (!served.contains(m.name())) {
                    continue;
                }
                var meta = client.modelMetadata(m.name(), "");
                long[] dims =
                        meta.getOutputs(0).getShapeList().stream()
                                .skip(1)
                                .mapToLong(Long::longValue)
                                .toArray();
                if (meta.getOutputsCount() > 1
                        || java.util.Arrays.stream(dims).anyMatch(d -> d < 0)) {
                    // several outputs (one shared-memory output per model) or a variable shape:
                    continue; // this model's batches go inside the messages
                }
                outputs.put(m.name(), new SharedTensors.Output(meta.getOutputs(0).getName(), dims));
                inputBytes =
                        Math.max(
                                inputBytes,
                                (long) m.maxBatch()
                                        * m.input().elements()
                                        * m.input().elementBytes());
            }
            long outputBytes =
                    outputs.entrySet().stream()
                            .mapToLong(
                                    e ->
                                            models.get(modelIndex.get(e.getKey())).maxBatch()
                                                    * TensorShapes.elements(e.getValue().dims())
                                                    * Float.BYTES)
                            .max()
                            .orElse(0);
            if (outputs.isEmpty()) {
                sharedMemoryRefused = true;
                return;
            }
            String name = sharedMemoryName;
            shared =
                    SharedTensors.create(client, name, inputBytes, outputBytes, slots, outputs)
                            .orElse(null);
            if (shared == null) {
                sharedMemoryRefused = true;
            } else {
                LOG.info(
                        "node {}: batches go to sidecar {} through shared memory '{}' ({} MiB){}",
                        node,
                        sidecarTarget,
                        name,
                        slots * (inputBytes + outputBytes) >> 20,
                        shm == null ? "" : ", registered again after a restart");
            }
        } catch (IOException | RuntimeException e) {
            if (OipClient.statusOf(e).getCode() != Status.Code.UNAVAILABLE) {
                sharedMemoryRefused = true;
                LOG.info(
                        "node {}: sidecar {} cannot use shared memory with this process ({}); batches go inside the messages",
                        node,
                        sidecarTarget,
                        e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        // Not shutdownNow on the poller: interrupting a poll in the middle of registering the
        // region cancels the call on this side while the sidecar may already have registered it,
        // and the region would outlive the batcher. Periodic polls stop; one in flight finishes.
        closing = true;
        poller.shutdown();
        workers.shutdownNow();
        if (warmUp != null) {
            try {
                warmUp.join(10_000); // at most one run: it stops between runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            poller.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        SharedTensors shm = shared;
        if (shm != null) {
            shm.close(client);
        } else if (config.sharedMemory() && SharedTensors.sameHost(sidecarTarget)) {
            // A registration this side never saw complete (a poll that timed out or failed after
            // the sidecar took it): unregistering an unknown name is a no-op for the sidecar.
            try {
                client.unregisterSystemSharedMemory(sharedMemoryName);
            } catch (RuntimeException ignored) {
                // the sidecar is gone or restarting; it forgets the region with its process
            }
        }
        client.close();
    }
}
