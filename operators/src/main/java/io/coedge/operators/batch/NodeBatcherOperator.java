package io.coedge.operators.batch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.ModelSpec;
import io.coedge.catalog.NodeSpec;
import io.coedge.format.DeadLetter;
import io.coedge.format.ErrorCode;
import io.coedge.format.Frame;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.scheduler.batch.BatchPolicies;
import io.coedge.scheduler.model.Clock;
import io.coedge.scheduler.node.Batch;
import io.coedge.scheduler.node.NodeActions;
import io.coedge.scheduler.node.NodeEngine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
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
 * The local task scheduler of one edge node, as a thin Flink shell around the {@link NodeEngine}
 * from {@code scheduler/} (the same engine the simulator drives): this operator keeps the frames in
 * keyed state, turns the engine's timers into processing-time timers, runs its batches through an
 * {@link InferenceExecutor} (the node's sidecar) off the task thread and feeds their completions
 * back through the task's mailbox, where results are emitted and the engine decides again.
 *
 * <p>Every frame ends in exactly one result ({@code OK}, {@code LATE}, {@code DROPPED}, {@code
 * ERROR}) or one dead letter ({@code CORRUPT_IMAGE}, {@link #DEAD_LETTERS}). Queued and running
 * frames stay in keyed state until their result is emitted, so a restore runs them again (the
 * failed attempt's results belong to an aborted transaction). At the end of a bounded input every
 * frame is flushed.
 */
public final class NodeBatcherOperator extends AbstractStreamOperator<FrameResult>
        implements OneInputStreamOperator<RoutedFrame, FrameResult>,
                Triggerable<Integer, VoidNamespace>,
                BoundedOneInput {
    private static final Logger LOG = LoggerFactory.getLogger(NodeBatcherOperator.class);

    public static final OutputTag<NodeStatus> STATUS = new OutputTag<>("node-status") {};
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("batcher-dead-letters") {};

    private final BatcherConfig config;
    private final InferenceExecutor.Factory executorFactory;
    private final transient MailboxExecutor mailbox;

    private transient Catalog catalog;
    private transient List<ModelSpec> models;
    private transient int[] maxBatch;
    private transient Clock clock;
    private transient NodeIdentity identity;
    private transient InferenceExecutor executor;

    /** The executor this batcher runs its batches through (for tests in this package). */
    InferenceExecutor executor() {
        return executor;
    }

    private transient MapState<String, QueuedFrame> queued;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient Map<Integer, NodeRuntime> runtimes;
    private transient long nextHandle;
    private transient long lastStatusMicros;
    private transient BatcherMetrics metrics;

    /** Batches at the sidecar: written on the task thread, read by metric reporters. */
    private transient volatile int inFlight;

    /** Frames queued on this subtask's engines, as of the last event: read by metric reporters. */
    private transient volatile int queueLength;

    /** One key's (one node's) engine, the frames it holds by handle, and its timer. */
    private final class NodeRuntime implements NodeActions {
        final int key;
        final NodeEngine engine;
        final Map<Long, QueuedFrame> frames = new HashMap<>();
        long timerMs = Long.MAX_VALUE;

        NodeRuntime(int key) {
            this.key = key;
            this.engine = newEngine();
            NodeStatuses.feed(engine, executor.view(), models);
        }

        @Override
        public void start(Batch batch) {
            List<QueuedFrame> batchFrames = new ArrayList<>(batch.size());
            long deadline = 0;
            for (long h : batch.handles()) {
                QueuedFrame f = frames.get(h);
                batchFrames.add(f);
                deadline = Math.max(deadline, f.deadlineMicros());
            }
            metrics.batch(batch.size());
            inFlight++;
            String name = models.get(batch.model()).name();
            executor.run(batch.model(), batchFrames, deadline)
                    .whenComplete(
                            (outcome, error) -> {
                                BatchOutcome result =
                                        outcome != null
                                                ? outcome
                                                : BatchOutcome.failed(
                                                        ErrorCode.INFERENCE_FAILED, error);
                                mailbox.execute(
                                        () -> complete(this, batch, result),
                                        "batch of %d %s frames done",
                                        batch.size(),
                                        name);
                            });
        }

        @Override
        public void shed(long handle, int model, Shed why) {
            refuse(handle, model, why.describe(models.get(model).name()));
        }

        @Override
        public void refuse(long handle, int model, String reason) {
            QueuedFrame f = frames.remove(handle);
            release(f);
            emitUnrun(f.routed(), FrameResult.Status.DROPPED, reason, clock.nowMicros());
        }

        @Override
        public void timer(long atMicros) {
            long ms = Math.max(timers.currentProcessingTime() + 1, (atMicros + 999) / 1000);
            if (ms < timerMs) {
                timerMs = ms;
                timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, ms);
            }
        }
    }

    NodeBatcherOperator(
            StreamOperatorParameters<FrameResult> parameters,
            BatcherConfig config,
            InferenceExecutor.Factory executorFactory) {
        super(parameters);
        this.config = config;
        this.executorFactory = executorFactory;
        this.mailbox = parameters.getMailboxExecutor();
    }

    private NodeEngine newEngine() {
        return new NodeEngine(
                BatchPolicies.byName(config.batchPolicy()),
                maxBatch,
                config.engineSettings(),
                clock);
    }

    @Override
    public void open() throws Exception {
        super.open();
        catalog = config.catalog().parse();
        models = catalog.models();
        maxBatch = models.stream().mapToInt(ModelSpec::maxBatch).toArray();
        clock = Clock.system();
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        identity =
                NodeIdentity.resolve(
                        catalog,
                        getContainingTask()
                                .getEnvironment()
                                .getTaskManagerInfo()
                                .getConfiguration(),
                        subtask,
                        config.localMode());
        NodeSpec node = catalog.node(identity.node()).orElseThrow();
        String target = config.sidecarOverrides().getOrDefault(node.id(), node.sidecar());
        LOG.info(
                "batcher subtask {} runs node {} ({}), sidecar {}, policy {}",
                subtask,
                node.id(),
                identity.how(),
                target,
                config.batchPolicy());
        executor =
                executorFactory.create(
                        InferenceExecutor.Context.of(
                                catalog,
                                config,
                                node.id(),
                                target,
                                getRuntimeContext().getJobInfo().getJobId().toString(),
                                subtask));
        queued =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "queued",
                                        Types.STRING,
                                        TypeInformation.of(QueuedFrame.class)));
        timers = getInternalTimerService("batcher", VoidNamespaceSerializer.INSTANCE, this);
        runtimes = new HashMap<>();
        rebuildFromState();
        metrics =
                new BatcherMetrics(
                        getRuntimeContext().getMetricGroup(),
                        identity.node(),
                        () -> queueLength,
                        () -> inFlight);
        lastStatusMicros = clock.nowMicros();
        scheduleStatus();
    }

    /**
     * After a restore, every frame in keyed state (queued or running when the checkpoint was taken)
     * queues again.
     */
    private void rebuildFromState() throws Exception {
        List<Integer> keys;
        try (var stream =
                this.<Integer>getKeyedStateBackend().getKeys("queued", VoidNamespace.INSTANCE)) {
            keys = stream.toList();
        }
        for (Integer key : keys) {
            setCurrentKey(key);
            NodeRuntime rt = runtime(key);
            for (QueuedFrame f : queued.values()) {
                long handle = nextHandle++;
                rt.frames.put(handle, f);
                rt.engine.restore(
                        handle,
                        modelOf(f.routed().frame()),
                        f.deadlineMicros(),
                        f.routed().frame().image().length);
            }
            rt.timer(clock.nowMicros());
        }
    }

    private NodeRuntime runtime(int key) {
        return runtimes.computeIfAbsent(key, NodeRuntime::new);
    }

    private int modelOf(Frame frame) {
        return models.indexOf(
                catalog.model(catalog.task(frame.task()).orElseThrow().model()).orElseThrow());
    }

    @Override
    public void processElement(StreamRecord<RoutedFrame> element) throws Exception {
        RoutedFrame routed = element.getValue();
        NodeRuntime rt = runtime((Integer) getCurrentKey());
        QueuedFrame frame = new QueuedFrame(routed, clock.nowMicros());
        metrics.arrived(routed.frame().task());
        long handle = nextHandle++;
        rt.frames.put(handle, frame);
        queued.put(frame.id(), frame);
        rt.engine.arrive(
                handle,
                modelOf(routed.frame()),
                frame.deadlineMicros(),
                routed.frame().image().length,
                rt);
        noteQueue();
    }

    /** The queue length gauge's value: task thread only (the engines are not thread-safe). */
    private void noteQueue() {
        int q = 0;
        for (NodeRuntime r : runtimes.values()) {
            q += r.engine.queuedTotal();
        }
        queueLength = q;
    }

    @Override
    public void onProcessingTime(InternalTimer<Integer, VoidNamespace> timer) throws Exception {
        NodeRuntime rt = runtime(timer.getKey());
        if (rt.timerMs == timer.getTimestamp()) {
            rt.timerMs = Long.MAX_VALUE;
        }
        rt.engine.timerFired(rt);
        noteQueue();
    }

    @Override
    public void onEventTime(InternalTimer<Integer, VoidNamespace> timer) {}

    /** On the task thread: emit the batch's results and let the engine decide again. */
    private void complete(NodeRuntime rt, Batch batch, BatchOutcome outcome) throws Exception {
        setCurrentKey(rt.key);
        inFlight--;
        long now = clock.nowMicros();
        for (long h : batch.handles()) {
            QueuedFrame f = rt.frames.remove(h);
            release(f);
            BatchOutcome.Rejected rejected = outcome.rejected().get(f.id());
            if (rejected != null) {
                LOG.warn(
                        "node {}: frame {} refused by pre-processing: {}: {}",
                        identity.node(),
                        f.id(),
                        rejected.code(),
                        rejected.detail());
                if (rejected.deadLetter()) {
                    output.collect(
                            DEAD_LETTERS,
                            new StreamRecord<>(
                                    FrameResults.deadLetter(
                                            f.routed().frame(),
                                            rejected.code(),
                                            rejected.detail())));
                } else {
                    emitUnrun(
                            f.routed(),
                            FrameResult.Status.ERROR,
                            rejected.code() + ": " + rejected.detail(),
                            now);
                }
                continue;
            }
            if (outcome.failure() != null) {
                emitUnrun(
                        f.routed(),
                        outcome.failure().status(),
                        outcome.failure().code() + ": " + outcome.failure().detail(),
                        now);
                continue;
            }
            FrameResult result =
                    FrameResults.ran(
                            f.routed(),
                            models.get(batch.model()).name(),
                            identity.node(),
                            outcome,
                            now / 1000);
            metrics.result(result);
            output.collect(new StreamRecord<>(result));
        }
        rt.engine.finished(batch, outcome.outputs().size(), outcome.failure() == null, rt);
        noteQueue();
    }

    /** The frame leaves the node: out of keyed state (of the current key). */
    private void release(QueuedFrame f) {
        try {
            queued.remove(f.id());
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot remove frame " + f.id() + " from the batcher's state", e);
        }
    }

    /** A result for a frame that did not run (shed, refused, failed). */
    private void emitUnrun(
            RoutedFrame routed, FrameResult.Status status, String reason, long nowMicros) {
        String model = catalog.task(routed.frame().task()).map(t -> t.model()).orElse("");
        FrameResult result =
                FrameResults.unrun(
                        routed, model, identity.node(), status, reason, nowMicros / 1000);
        metrics.result(result);
        output.collect(new StreamRecord<>(result));
    }

    private void scheduleStatus() {
        getProcessingTimeService()
                .registerTimer(
                        getProcessingTimeService().getCurrentProcessingTime()
                                + config.statusIntervalMs(),
                        t -> {
                            publishStatus();
                            scheduleStatus();
                        });
    }

    /**
     * On the task thread: hand the sidecar's latest profiles to the engines and announce this node.
     */
    private void publishStatus() {
        InferenceExecutor.SidecarView view = executor.view();
        if (view == InferenceExecutor.SidecarView.NOT_POLLED) {
            return;
        }
        long now = clock.nowMicros();
        List<NodeEngine> engines = new ArrayList<>();
        runtimes.values().forEach(r -> engines.add(r.engine));
        if (engines.isEmpty()) {
            engines.add(newEngine()); // no frame yet: what the node would plan with
        }
        var task = getRuntimeContext().getTaskInfo();
        output.collect(
                STATUS,
                new StreamRecord<>(
                        NodeStatuses.publish(
                                identity.node(),
                                task.getIndexOfThisSubtask(),
                                task.getAttemptNumber(),
                                view,
                                models,
                                engines,
                                now - lastStatusMicros,
                                now)));
        lastStatusMicros = now;
    }

    @Override
    public void endInput() throws Exception {
        for (NodeRuntime rt : runtimes.values()) {
            setCurrentKey(rt.key);
            rt.engine.endOfInput(rt);
        }
        while (runtimes.values().stream().anyMatch(rt -> !rt.engine.idle())) {
            mailbox.yield();
        }
    }

    @Override
    public void close() throws Exception {
        if (executor != null) {
            executor.close();
        }
        super.close();
    }
}
