package io.coedge.operators.batch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.ModelSpec;
import io.coedge.catalog.NodeSpec;
import io.coedge.format.DeadLetter;
import io.coedge.format.ErrorCode;
import io.coedge.format.Frame;
import io.coedge.format.FrameHeaders;
import io.coedge.format.FrameResult;
import io.coedge.format.RawRecord;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.operators.post.TopK;
import io.coedge.operators.post.YoloDecoder;
import io.coedge.operators.pre.ImageDecodeException;
import io.coedge.operators.pre.Preprocessor;
import io.coedge.operators.profile.NodeStatus;
import io.coedge.scheduler.batch.BatchDecision;
import io.coedge.scheduler.batch.BatchPolicies;
import io.coedge.scheduler.batch.BatchPolicy;
import io.coedge.scheduler.model.Clock;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.sidecar.client.InferInput;
import io.coedge.sidecar.client.InferOutput;
import io.coedge.sidecar.client.InferRequest;
import io.coedge.sidecar.client.ModelProfile;
import io.coedge.sidecar.client.OipClient;
import io.coedge.sidecar.client.TensorShapes;
import io.grpc.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
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
import java.util.stream.Collectors;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local task scheduler of one edge node: per-model deadline-ordered queues in keyed state,
 * the batch policy from {@code scheduler/} deciding what runs next, and the node's sidecar
 * running it.
 *
 * <p>The next batch is chosen when the accelerator is free: a batch runs asynchronously (parallel
 * pre-processing, one Open Inference Protocol call, post-processing off the task thread) and its
 * completion comes back through the task's mailbox, where results are emitted and the policy
 * decides again over queues that already hold every frame that arrived meanwhile. So frames never
 * wait FIFO behind a batch at the sidecar, and the deadline order across models holds. While a
 * batch runs, arrivals that cannot make their deadline even after it are shed at once.
 *
 * <p>Every frame ends in exactly one result ({@code OK}, {@code LATE}, {@code DROPPED},
 * {@code ERROR}) on the main output, or one dead letter ({@code CORRUPT_IMAGE}) on {@link
 * #DEAD_LETTERS}. Queued and running frames stay in keyed state until their result is emitted, so
 * a restore from a checkpoint runs them again; the results of the failed attempt belong to an
 * aborted transaction. At the end of a bounded input every queued frame is flushed.
 */
public final class NodeBatcherOperator extends AbstractStreamOperator<FrameResult>
    implements OneInputStreamOperator<RoutedFrame, FrameResult>, Triggerable<Integer, VoidNamespace>, BoundedOneInput {
  private static final Logger LOG = LoggerFactory.getLogger(NodeBatcherOperator.class);

  public static final OutputTag<NodeStatus> STATUS = new OutputTag<>("node-status") {};
  public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("batcher-dead-letters") {};

  private final BatcherConfig config;
  private final transient MailboxExecutor mailbox;

  private transient Catalog catalog;
  private transient List<ModelSpec> models;
  private transient Map<String, Integer> modelIndex;
  private transient List<Preprocessor> preprocessors;
  private transient BatchPolicy policy;
  private transient Clock clock;
  private transient NodeIdentity identity;
  private transient volatile OipClient client;
  /** Shared memory with the sidecar, once registered; null while batches go inside the messages. */
  private transient volatile SharedTensors shared;
  private transient boolean sharedMemoryRefused;
  private transient String sidecarTarget;
  private transient ExecutorService workers;
  private transient ScheduledExecutorService poller;
  private transient volatile SidecarView sidecar;
  private transient List<BatchLatencies> latencies;
  private transient MapState<String, QueuedFrame> queued;
  private transient InternalTimerService<VoidNamespace> timers;
  private transient Map<Integer, NodeRuntime> runtimes;
  private transient boolean draining;
  private transient long busyMicrosInInterval;
  private transient long lastStatusMicros;

  private transient Counter ok;
  private transient Counter late;
  private transient Counter dropped;
  private transient Counter errors;
  private transient Histogram batchSizes;
  private transient Histogram latencyMs;

  /** The sidecar as last polled: ready, device and per-model profiles. */
  private record SidecarView(boolean ready, String reason, String device, Map<String, ModelProfile> profiles) {}

  /**
   * Before the first poll answers nothing is known: the node stays silent rather than announce
   * itself unhealthy, which would move its tasks away (and make them dwell elsewhere) for nothing.
   */
  private static final SidecarView NOT_POLLED = new SidecarView(false, "not polled yet", "", Map.of());

  /**
   * Batches handed to the sidecar at once: the one the accelerator runs and the next one, sent a
   * little before the running one is predicted to finish so that the accelerator does not idle
   * while the next batch is pre-processed and sent.
   */
  static final int MAX_IN_FLIGHT = 2;

  /** How much earlier than its estimated overhead the next batch is sent, for scheduling jitter. */
  static final long PIPELINE_MARGIN_MICROS = 3_000;

  /**
   * A batch handed to the sidecar.
   *
   * @param predictedEndMicros when it ends by the pessimistic estimate (the sidecar's p99 plus overhead)
   * @param typicalEndMicros when it ends by the typical estimate (never after {@code predictedEndMicros})
   * @param pipelined sent while another batch still ran, so its time includes waiting for it
   */
  private record InFlight(List<QueuedFrame> frames, int model, long startMicros, long predictedEndMicros,
      long typicalEndMicros, boolean pipelined) {}

  /** One key's (one node's) queues and accelerator. */
  private static final class NodeRuntime {
    final NodeQueues queues;
    final java.util.ArrayDeque<InFlight> inFlight = new java.util.ArrayDeque<>();
    long lastCompletionMicros;
    long timerMs = Long.MAX_VALUE;
    long heldBytes;

    NodeRuntime(int models) {
      queues = new NodeQueues(models);
    }
  }

  NodeBatcherOperator(StreamOperatorParameters<FrameResult> parameters, BatcherConfig config) {
    super(parameters);
    this.config = config;
    this.mailbox = parameters.getMailboxExecutor();
  }

  @Override
  public void open() throws Exception {
    super.open();
    catalog = config.catalog().parse();
    models = catalog.models();
    modelIndex = new HashMap<>();
    preprocessors = new ArrayList<>();
    latencies = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      ModelSpec m = models.get(i);
      modelIndex.put(m.name(), i);
      preprocessors.add(new Preprocessor(m));
      latencies.add(new BatchLatencies(m.maxBatch(), config.overheadMicros(), config.perFrameMicros(), 5_000_000, Clock.system()));
    }
    policy = BatchPolicies.byName(config.batchPolicy());
    clock = Clock.system();
    int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    identity =
        NodeIdentity.resolve(catalog, getContainingTask().getEnvironment().getTaskManagerInfo().getConfiguration(),
            subtask, config.localMode());
    NodeSpec node = catalog.node(identity.node()).orElseThrow();
    String target = config.sidecarOverrides().getOrDefault(node.id(), node.sidecar());
    LOG.info("batcher subtask {} runs node {} ({}), sidecar {}, policy {}", subtask, node.id(), identity.how(), target,
        policy.name());
    sidecarTarget = target;
    client = newClient();
    workers = Executors.newFixedThreadPool(config.preprocessThreads(), r -> daemon(r, "coedge-pre-" + node.id()));
    sidecar = NOT_POLLED;
    poller = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "coedge-sidecar-poll-" + node.id()));
    poller.scheduleWithFixedDelay(this::pollSidecar, 0, config.statusIntervalMs(), TimeUnit.MILLISECONDS);

    queued = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("queued", Types.STRING, TypeInformation.of(QueuedFrame.class)));
    timers = getInternalTimerService("batcher", VoidNamespaceSerializer.INSTANCE, this);
    runtimes = new HashMap<>();
    rebuildFromState();

    var metrics = getRuntimeContext().getMetricGroup();
    ok = metrics.counter("framesOk");
    late = metrics.counter("framesLate");
    dropped = metrics.counter("framesShed");
    errors = metrics.counter("framesError");
    batchSizes = metrics.histogram("batchSize", new DescriptiveStatisticsHistogram(1000));
    latencyMs = metrics.histogram("latencyMs", new DescriptiveStatisticsHistogram(1000));
    metrics.gauge("queueLength", () -> runtimes.values().stream().mapToInt(r -> r.queues.total()).sum());
    metrics.gauge("deadlineMisses", () -> late.getCount() + dropped.getCount() + errors.getCount());

    lastStatusMicros = clock.nowMicros();
    scheduleStatus();
  }

  private OipClient newClient() {
    return OipClient.builder(sidecarTarget).maxMessageBytes(config.maxMessageBytes()).metadataTimeout(Duration.ofSeconds(2))
        .build();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** After a restore, every frame in keyed state (queued or running when the checkpoint was taken) queues again. */
  private void rebuildFromState() throws Exception {
    List<Integer> keys;
    try (var stream = this.<Integer>getKeyedStateBackend().getKeys("queued", VoidNamespace.INSTANCE)) {
      keys = stream.collect(Collectors.toList());
    }
    for (Integer key : keys) {
      setCurrentKey(key);
      NodeRuntime rt = runtime(key);
      for (Map.Entry<String, QueuedFrame> e : queued.entries()) {
        rt.queues.add(modelOf(e.getValue().routed().frame()), e.getValue());
        rt.heldBytes += e.getValue().routed().frame().image().length;
      }
      armTimer(key, rt, clock.nowMicros());
    }
  }

  private NodeRuntime runtime(int key) {
    return runtimes.computeIfAbsent(key, k -> new NodeRuntime(models.size()));
  }

  private int modelOf(Frame frame) {
    String model = catalog.task(frame.task()).orElseThrow().model();
    return modelIndex.get(model);
  }

  @Override
  public void processElement(StreamRecord<RoutedFrame> element) throws Exception {
    RoutedFrame routed = element.getValue();
    int key = (Integer) getCurrentKey();
    NodeRuntime rt = runtime(key);
    long now = clock.nowMicros();
    int held = rt.queues.total() + rt.inFlight.stream().mapToInt(b -> b.frames().size()).sum();
    long bytes = routed.frame().image().length;
    if (held >= config.maxQueuedFrames() || rt.heldBytes + bytes > config.maxQueuedBytes()) {
      emitUnrun(routed, FrameResult.Status.DROPPED, "QUEUE_FULL: the node holds " + held + " frames of "
          + rt.heldBytes + " bytes; its bounds are " + config.maxQueuedFrames() + " frames and " + config.maxQueuedBytes()
          + " bytes", now);
      return;
    }
    QueuedFrame frame = new QueuedFrame(routed, now);
    queued.put(frame.id(), frame);
    rt.heldBytes += bytes;
    rt.queues.add(modelOf(routed.frame()), frame);
    drive(key, rt);
  }

  @Override
  public void onProcessingTime(InternalTimer<Integer, VoidNamespace> timer) throws Exception {
    NodeRuntime rt = runtime(timer.getKey());
    if (rt.timerMs == timer.getTimestamp()) {
      rt.timerMs = Long.MAX_VALUE;
    }
    drive(timer.getKey(), rt);
  }

  @Override
  public void onEventTime(InternalTimer<Integer, VoidNamespace> timer) {}

  private List<LatencyProfile> profiles() {
    List<LatencyProfile> out = new ArrayList<>(latencies.size());
    for (BatchLatencies l : latencies) {
      out.add(l.profile());
    }
    return out;
  }

  /**
   * Applies the policy until it runs a batch, waits, or the queues are empty. Runs on the task
   * thread with {@code key} current.
   */
  private void drive(int key, NodeRuntime rt) throws Exception {
    List<LatencyProfile> profiles = profiles();
    while (true) {
      long now = clock.nowMicros();
      int busy = rt.inFlight.size();
      long free = busy == 0 ? now : Math.max(now, rt.inFlight.peekLast().predictedEndMicros());
      // Shedding is final and the running batch's end a guess, so the policy sheds only frames that
      // miss even when it ends as usual; batches it plans from the pessimistic end.
      long typicalFree = busy == 0 ? now : Math.max(now, rt.inFlight.peekLast().typicalEndMicros());
      BatchDecision decision = policy.decide(now, typicalFree, free, rt.queues, profiles);
      if (decision instanceof BatchDecision.Shed shed) {
        QueuedFrame f = rt.queues.take(shed.model(), 1).get(0);
        release(rt, f);
        long needs = profiles.get(shed.model()).latencyMicros(1);
        emitUnrun(f.routed(), FrameResult.Status.DROPPED,
            String.format("DEADLINE_UNREACHABLE: one frame of %s needs %.1f ms, %.1f ms were left when the node could start it%s",
                models.get(shed.model()).name(), needs / 1000.0, (f.deadlineMicros() - typicalFree) / 1000.0,
                busy == 0 ? "" : " if its running batch ends as usual"), now);
        continue;
      }
      if (busy >= MAX_IN_FLIGHT || (draining && busy > 0)) {
        // A completion decides the next batch. At the end of the input nothing arrives any more, so
        // there is nothing to wait for and batches go one at a time: sent together, a later batch
        // could overtake an earlier one that is still being pre-processed.
        return;
      }
      if (decision instanceof BatchDecision.Run run) {
        if (busy > 0) {
          // The batch the policy chose for the predicted free time; send it only just before then,
          // so that it still sees the frames arriving until the accelerator is about to be free.
          long sendAt = free - latencies.get(run.model()).overhead(run.batchSize()) - PIPELINE_MARGIN_MICROS;
          if (now < sendAt) {
            armTimer(key, rt, sendAt);
            return;
          }
        }
        start(key, rt, run.model(), rt.queues.take(run.model(), run.batchSize()), profiles.get(run.model()));
        continue;
      }
      if (decision instanceof BatchDecision.WaitUntil wait) {
        if (draining) {
          int m = BatchPolicy.mostUrgent(rt.queues);
          int b = Math.min(rt.queues.size(m), models.get(m).maxBatch());
          start(key, rt, m, rt.queues.take(m, b), profiles.get(m));
          continue;
        }
        armTimer(key, rt, wait.timeMicros());
        return;
      }
      return; // Idle
    }
  }

  private void armTimer(int key, NodeRuntime rt, long atMicros) {
    long ms = Math.max(timers.currentProcessingTime() + 1, (atMicros + 999) / 1000);
    if (ms < rt.timerMs) {
      rt.timerMs = ms;
      timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, ms);
    }
  }

  /** Sends one batch; its completion returns through the mailbox. */
  private void start(int key, NodeRuntime rt, int model, List<QueuedFrame> batch, LatencyProfile profile) {
    long now = clock.nowMicros();
    long cost = profile.latencyMicros(batch.size());
    long typicalCost = Math.min(cost, latencies.get(model).typical(batch.size()));
    long overhead = latencies.get(model).overhead(batch.size());
    InFlight previous = rt.inFlight.peekLast();
    // Sent while another batch runs, its pre-processing and call overlap that batch: only its
    // compute adds to the predicted end.
    long end = previous == null
        ? now + cost
        : Math.max(now + cost, previous.predictedEndMicros() + cost - overhead);
    long typicalEnd = previous == null
        ? now + typicalCost
        : Math.max(now + typicalCost, previous.typicalEndMicros() + Math.max(0, typicalCost - overhead));
    InFlight flight = new InFlight(batch, model, now, end, Math.min(end, typicalEnd), previous != null);
    rt.inFlight.addLast(flight);
    batchSizes.update(batch.size());
    ModelSpec spec = models.get(model);
    Preprocessor pre = preprocessors.get(model);
    List<CompletableFuture<Object>> tensors = new ArrayList<>();
    for (QueuedFrame f : batch) {
      byte[] image = f.routed().frame().image();
      tensors.add(CompletableFuture.supplyAsync(() -> {
        try {
          return pre.apply(image);
        } catch (ImageDecodeException e) {
          return e;
        }
      }, workers));
    }
    long deadlineMicros = batch.stream().mapToLong(QueuedFrame::deadlineMicros).max().orElse(now);
    CompletableFuture.allOf(tensors.toArray(CompletableFuture[]::new))
        .thenCompose(ignored -> infer(spec, pre, batch, tensors, deadlineMicros))
        .whenComplete((outcome, error) -> {
          BatchOutcome result = outcome != null ? outcome
              : new BatchOutcome(Map.of(), Map.of(), failure(error), System.currentTimeMillis(), System.currentTimeMillis());
          mailbox.execute(() -> complete(key, flight, result), "batch of %d %s frames done", batch.size(), spec.name());
        });
  }

  private CompletableFuture<BatchOutcome> infer(
      ModelSpec spec, Preprocessor pre, List<QueuedFrame> batch, List<CompletableFuture<Object>> tensors, long deadlineMicros) {
    Map<String, String> corrupt = new LinkedHashMap<>();
    List<QueuedFrame> good = new ArrayList<>();
    List<Preprocessor.Tensor> goodTensors = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      Object t = tensors.get(i).join();
      if (t instanceof ImageDecodeException e) {
        corrupt.put(batch.get(i).id(), e.getMessage());
      } else {
        good.add(batch.get(i));
        goodTensors.add((Preprocessor.Tensor) t);
      }
    }
    long startMs = System.currentTimeMillis();
    if (good.isEmpty()) {
      return CompletableFuture.completedFuture(new BatchOutcome(Map.of(), corrupt, null, startMs, startMs));
    }
    ModelSpec.InputSpec in = spec.input();
    long[] shape = {good.size(), in.channels(), in.height(), in.width()};
    long inputBytes = (long) good.size() * pre.elements() * Float.BYTES;
    SharedTensors shm = shared;
    long[] outputShape = shm == null ? null : shm.outputShape(spec.name(), good.size());
    Optional<SharedTensors.Slot> slot = outputShape == null ? Optional.empty()
        : shm.acquire(inputBytes, TensorShapes.elements(outputShape) * Float.BYTES);
    if (slot.isEmpty()) {
      return inferInMessage(spec, good, goodTensors, corrupt, startMs, shape, inputBytes, deadlineMicros);
    }
    long outputBytes = TensorShapes.elements(outputShape) * Float.BYTES;
    writeFrames(shm.input(slot.get(), inputBytes), goodTensors);
    InferRequest request = request(spec, good, deadlineMicros)
        .input(InferInput.inSharedMemory(in.name(), "FP32", shape, shm.inputRef(slot.get(), inputBytes)))
        .output(shm.outputName(spec.name()), shm.outputRef(slot.get(), outputBytes))
        .build();
    CompletableFuture<BatchOutcome> done = new CompletableFuture<>();
    client.infer(request).whenCompleteAsync((r, error) -> {
      try {
        if (error == null) {
          float[] values = new float[Math.toIntExact(outputBytes / Float.BYTES)];
          shm.output(slot.get(), outputBytes).asFloatBuffer().get(values);
          shm.release(slot.get());
          done.complete(postprocess(spec, good, goodTensors, values, outputShape, corrupt, startMs));
          return;
        }
        shm.release(slot.get());
        if (SharedTensors.isRegionUnknown(OipClient.statusOf(error))) {
          // The sidecar restarted and forgot the region: this batch goes inside the message, and the
          // next poll registers the region again.
          shm.lost();
          inferInMessage(spec, good, goodTensors, corrupt, startMs, shape, inputBytes, deadlineMicros)
              .whenComplete((o, e) -> {
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
    }, workers);
    return done;
  }

  private CompletableFuture<BatchOutcome> inferInMessage(ModelSpec spec, List<QueuedFrame> good,
      List<Preprocessor.Tensor> goodTensors, Map<String, String> corrupt, long startMs, long[] shape, long inputBytes,
      long deadlineMicros) {
    ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(inputBytes)).order(ByteOrder.LITTLE_ENDIAN);
    writeFrames(bytes, goodTensors);
    InferRequest request = request(spec, good, deadlineMicros).input(InferInput.fp32(spec.input().name(), shape, bytes)).build();
    return client.infer(request).thenApplyAsync(r -> {
      InferOutput out = r.outputs().get(0);
      return postprocess(spec, good, goodTensors, out.toFloatArray(), out.shape(), corrupt, startMs);
    }, workers);
  }

  /** The batch's frames one after the other, NCHW float32 little-endian. */
  private static void writeFrames(ByteBuffer littleEndian, List<Preprocessor.Tensor> tensors) {
    FloatBuffer floats = littleEndian.asFloatBuffer();
    for (Preprocessor.Tensor t : tensors) {
      floats.put(t.chw());
    }
  }

  private InferRequest.Builder request(ModelSpec spec, List<QueuedFrame> good, long deadlineMicros) {
    return InferRequest.builder(spec.name())
        .id(good.get(0).id())
        .deadline(Instant.ofEpochSecond(deadlineMicros / 1_000_000, (deadlineMicros % 1_000_000) * 1000))
        .timeout(config.inferTimeout());
  }

  private BatchOutcome postprocess(
      ModelSpec spec, List<QueuedFrame> good, List<Preprocessor.Tensor> tensors, float[] values, long[] shape,
      Map<String, String> corrupt, long startMs) {
    long endMs = System.currentTimeMillis();
    Map<String, BatchOutcome.Output> outputs = new HashMap<>();
    ModelSpec.Postprocess post = spec.postprocess();
    if (post.type().equals("yolo")) {
      YoloDecoder decoder = new YoloDecoder(post.labels(), post.confidence(), post.iou(), 100);
      int channels = (int) shape[1];
      int anchors = (int) shape[2];
      for (int i = 0; i < good.size(); i++) {
        outputs.put(good.get(i).id(), new BatchOutcome.Output(
            decoder.decode(values, i * channels * anchors, channels - 4, anchors, tensors.get(i).letterbox()), null));
      }
    } else {
      TopK topK = new TopK(post.labels(), post.topK());
      int classes = (int) shape[1];
      for (int i = 0; i < good.size(); i++) {
        outputs.put(good.get(i).id(), new BatchOutcome.Output(null, topK.decode(values, i * classes, classes)));
      }
    }
    return new BatchOutcome(outputs, corrupt, null, startMs, endMs);
  }

  private static BatchOutcome.Failure failure(Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    Status status = OipClient.statusOf(cause);
    String detail = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    return switch (status.getCode()) {
      case DEADLINE_EXCEEDED -> new BatchOutcome.Failure(FrameResult.Status.DROPPED, ErrorCode.INFERENCE_TIMEOUT,
          "the sidecar could not finish the batch by its deadline (" + detail + ")");
      case UNAVAILABLE -> new BatchOutcome.Failure(FrameResult.Status.ERROR, ErrorCode.NO_SIDECAR, detail);
      case NOT_FOUND -> new BatchOutcome.Failure(FrameResult.Status.ERROR, ErrorCode.UNKNOWN_MODEL, detail);
      default -> new BatchOutcome.Failure(FrameResult.Status.ERROR, ErrorCode.INFERENCE_FAILED, detail);
    };
  }

  /** On the task thread: emit the batch's results and let the policy choose again. */
  private void complete(int key, InFlight flight, BatchOutcome outcome) throws Exception {
    setCurrentKey(key);
    NodeRuntime rt = runtime(key);
    List<QueuedFrame> batch = flight.frames();
    long now = clock.nowMicros();
    rt.inFlight.remove(flight);
    busyMicrosInInterval += now - Math.max(flight.startMicros(), rt.lastCompletionMicros);
    rt.lastCompletionMicros = now;
    // A pipelined batch's time includes waiting for the one before it: it says nothing of the
    // overhead around a call, so only batches sent to an idle accelerator are observed.
    if (outcome.failure() == null && !outcome.outputs().isEmpty() && !flight.pipelined()) {
      latencies.get(flight.model()).observe(outcome.outputs().size(), now - flight.startMicros());
    }
    long emitMs = now / 1000;
    ModelSpec spec = models.get(flight.model());
    for (QueuedFrame f : batch) {
      release(rt, f);
      String corrupt = outcome.corrupt().get(f.id());
      if (corrupt != null) {
        output.collect(DEAD_LETTERS, new StreamRecord<>(deadLetter(f.routed().frame(), corrupt)));
        continue;
      }
      if (outcome.failure() != null) {
        emitUnrun(f.routed(), outcome.failure().status(), outcome.failure().code() + ": " + outcome.failure().detail(), now);
        continue;
      }
      Frame frame = f.routed().frame();
      BatchOutcome.Output out = outcome.outputs().get(f.id());
      boolean inTime = emitMs <= frame.deadlineTs();
      FrameResult.Status status = inTime ? FrameResult.Status.OK : FrameResult.Status.LATE;
      (inTime ? ok : late).inc();
      latencyMs.update(emitMs - frame.captureTs());
      output.collect(new StreamRecord<>(new FrameResult(frame.id(), frame.camera(), frame.sequence() < 0 ? null : frame.sequence(),
          frame.source(), frame.task(), spec.name(), identity.node(), frame.origin(), outcome.outputs().size(), status, null,
          frame.captureTs(), f.routed().dispatchTs(), outcome.inferenceStartMs(), outcome.inferenceEndMs(), emitMs,
          emitMs - frame.captureTs(), frame.deadlineTs(), frame.deadlineMs(), inTime, out.detections(), out.classes())));
    }
    drive(key, rt);
  }

  /** The frame leaves the node: out of keyed state and out of its memory bound. */
  private void release(NodeRuntime rt, QueuedFrame f) throws Exception {
    queued.remove(f.id());
    rt.heldBytes -= f.routed().frame().image().length;
  }

  /** A result for a frame that did not run (shed, refused, failed). */
  private void emitUnrun(RoutedFrame routed, FrameResult.Status status, String reason, long nowMicros) {
    Frame frame = routed.frame();
    long emitMs = nowMicros / 1000;
    (status == FrameResult.Status.DROPPED ? dropped : errors).inc();
    String model = catalog.task(frame.task()).map(t -> t.model()).orElse("");
    output.collect(new StreamRecord<>(new FrameResult(frame.id(), frame.camera(), frame.sequence() < 0 ? null : frame.sequence(),
        frame.source(), frame.task(), model, identity.node(), frame.origin(), 0, status, reason, frame.captureTs(),
        routed.dispatchTs(), null, null, emitMs, emitMs - frame.captureTs(), frame.deadlineTs(), frame.deadlineMs(), false,
        null, null)));
  }

  /** The record as the camera sent it (the headers rebuilt from the frame), refused for its image data. */
  private static DeadLetter deadLetter(Frame frame, String detail) {
    List<RawRecord.Header> headers = new ArrayList<>();
    headers.add(new RawRecord.Header(FrameHeaders.TASK, frame.task().getBytes(StandardCharsets.UTF_8)));
    headers.add(new RawRecord.Header(FrameHeaders.TIMESTAMP, Long.toString(frame.captureTs()).getBytes(StandardCharsets.UTF_8)));
    headers.add(new RawRecord.Header(FrameHeaders.DEADLINE_MS, Long.toString(frame.deadlineMs()).getBytes(StandardCharsets.UTF_8)));
    headers.add(new RawRecord.Header(FrameHeaders.ORIGIN, frame.origin().getBytes(StandardCharsets.UTF_8)));
    if (frame.sequence() >= 0) {
      headers.add(new RawRecord.Header(FrameHeaders.SEQUENCE, Long.toString(frame.sequence()).getBytes(StandardCharsets.UTF_8)));
    }
    return new DeadLetter(frame.source(), frame.camera().getBytes(StandardCharsets.UTF_8), frame.image(), headers,
        ErrorCode.CORRUPT_IMAGE, detail);
  }

  private void pollSidecar() {
    try {
      boolean ready = client.serverReady();
      String device = client.serverMetadata().getExtensionsList().stream().filter(e -> e.startsWith("device="))
          .map(e -> e.substring("device=".length())).findFirst().orElse("");
      Map<String, ModelProfile> profiles = new HashMap<>();
      for (ModelSpec m : models) {
        try {
          profiles.put(m.name(), client.profile(m.name()));
        } catch (RuntimeException e) {
          // A model the sidecar does not serve: the node cannot run it.
        }
      }
      sidecar = new SidecarView(ready && !profiles.isEmpty(), ready ? "" : "sidecar not ready", device, Map.copyOf(profiles));
      if (ready) {
        ensureSharedMemory(profiles.keySet());
      }
    } catch (RuntimeException e) {
      sidecar = new SidecarView(false, "sidecar unreachable: " + e.getMessage(), "", Map.of());
      if (OipClient.statusOf(e).getCode() == Status.Code.UNAVAILABLE) {
        // gRPC backs off reconnecting (up to minutes) and fails calls fast meanwhile; a fresh channel
        // tries at once, so a sidecar that comes back is seen at the next poll. Calls still on the old
        // channel are to a sidecar that is gone: they fail as they would have.
        OipClient old = client;
        client = newClient();
        old.close();
      }
    }
  }

  /**
   * On the poller thread: creates and registers the shared memory for batches once the sidecar is
   * ready, and registers it again after the sidecar restarted. A sidecar that cannot map it (another
   * host or container) is told once; batches then go inside the messages.
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
      // First time, or the sidecar restarted and forgot the region: a new one. Batches still holding a
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
        long[] dims = meta.getOutputs(0).getShapeList().stream().skip(1).mapToLong(Long::longValue).toArray();
        if (java.util.Arrays.stream(dims).anyMatch(d -> d < 0)) {
          continue; // variable output shape: this model's batches go inside the messages
        }
        outputs.put(m.name(), new SharedTensors.Output(meta.getOutputs(0).getName(), dims));
        inputBytes = Math.max(inputBytes, (long) m.maxBatch() * m.input().elements() * Float.BYTES);
      }
      long outputBytes = outputs.entrySet().stream().mapToLong(e -> models.get(modelIndex.get(e.getKey())).maxBatch()
          * TensorShapes.elements(e.getValue().dims()) * Float.BYTES).max().orElse(0);
      if (outputs.isEmpty()) {
        sharedMemoryRefused = true;
        return;
      }
      String name = "coedge-" + getRuntimeContext().getJobInfo().getJobId().toString().substring(0, 8) + "-"
          + identity.node() + "-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
      shared = SharedTensors.create(client, name, inputBytes, outputBytes, MAX_IN_FLIGHT + 1, outputs).orElse(null);
      if (shared == null) {
        sharedMemoryRefused = true;
      } else {
        LOG.info("node {}: batches go to sidecar {} through shared memory '{}' ({} MiB){}", identity.node(), sidecarTarget,
            name, (MAX_IN_FLIGHT + 1) * (inputBytes + outputBytes) >> 20, shm == null ? "" : ", registered again after a restart");
      }
    } catch (IOException | RuntimeException e) {
      if (OipClient.statusOf(e).getCode() != Status.Code.UNAVAILABLE) {
        sharedMemoryRefused = true;
        LOG.info("node {}: sidecar {} cannot use shared memory with this process ({}); batches go inside the messages",
            identity.node(), sidecarTarget, e.getMessage());
      }
    }
  }

  private void scheduleStatus() {
    long next = getProcessingTimeService().getCurrentProcessingTime() + config.statusIntervalMs();
    getProcessingTimeService().registerTimer(next, t -> {
      publishStatus();
      scheduleStatus();
    });
  }

  /** On the task thread: take in the sidecar's latest profiles and announce this node. */
  private void publishStatus() {
    SidecarView view = sidecar;
    if (view == NOT_POLLED) {
      return;
    }
    long now = clock.nowMicros();
    Map<String, NodeStatus.ModelStatus> modelStatus = new LinkedHashMap<>();
    long total = 0;
    for (int i = 0; i < models.size(); i++) {
      ModelSpec m = models.get(i);
      ModelProfile p = view.profiles().get(m.name());
      int queuedOfModel = 0;
      for (NodeRuntime rt : runtimes.values()) {
        queuedOfModel += rt.queues.size(i);
      }
      total += queuedOfModel;
      if (p == null || p.p99MicrosByBatchSize().isEmpty()) {
        continue;
      }
      latencies.get(i).sidecar(p.p99MicrosByBatchSize());
      int[] sizes = p.p99MicrosByBatchSize().keySet().stream().mapToInt(Integer::intValue)
          .filter(b -> b <= m.maxBatch()).toArray();
      if (sizes.length == 0) {
        continue;
      }
      modelStatus.put(m.name(), new NodeStatus.ModelStatus(sizes, latencies.get(i).publishedMicros(sizes), queuedOfModel));
    }
    long interval = Math.max(1, now - lastStatusMicros);
    double load = Math.min(0.95, (double) busyMicrosInInterval / interval);
    busyMicrosInInterval = 0;
    lastStatusMicros = now;
    // A node whose sidecar serves some of the catalog's models is healthy for those: it announces only
    // them, and the dispatcher places on it only tasks of them.
    boolean healthy = view.ready() && !modelStatus.isEmpty();
    String reason = healthy ? "" : (view.ready() ? "the sidecar serves none of the catalog's models" : view.reason());
    output.collect(STATUS, new StreamRecord<>(new NodeStatus(identity.node(),
        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), getRuntimeContext().getTaskInfo().getAttemptNumber(),
        now / 1000, healthy, reason, view.device(), modelStatus, total, load)));
  }

  @Override
  public void endInput() throws Exception {
    draining = true;
    for (Map.Entry<Integer, NodeRuntime> e : runtimes.entrySet()) {
      setCurrentKey(e.getKey());
      drive(e.getKey(), e.getValue());
    }
    while (runtimes.values().stream().anyMatch(rt -> !rt.inFlight.isEmpty() || rt.queues.total() > 0)) {
      mailbox.yield();
    }
  }

  @Override
  public void close() throws Exception {
    if (poller != null) {
      poller.shutdownNow();
    }
    if (workers != null) {
      workers.shutdownNow();
    }
    if (shared != null) {
      shared.close(client);
    }
    if (client != null) {
      client.close();
    }
    super.close();
  }
}
