package io.coedge.operators.batch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.NodeSpec;
import io.coedge.format.DeadLetter;
import io.coedge.format.ErrorCode;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.operators.links.LinkProbes;
import io.coedge.operators.release.JobClassLoaderRelease;
import io.coedge.scheduler.model.Clock;
import io.coedge.scheduler.node.Batch;
import io.coedge.scheduler.node.NodeEngine;
import java.util.List;
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
 * from {@code scheduler/} (the same engine the simulator drives), which {@link NodeRuntimes} feeds
 * and answers without Flink: this operator keeps the frames in keyed state, turns the engine's
 * timers into processing-time timers, runs its batches through an {@link InferenceExecutor} (the
 * node's sidecar) off the task thread and feeds their completions back through the task's mailbox,
 * where results are emitted and the engine decides again.
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

    private transient Clock clock;
    private transient InferenceExecutor executor;
    private transient LinkProbes probes;

    /** The executor this batcher runs its batches through (for tests in this package). */
    InferenceExecutor executor() {
        return executor;
    }

    private transient MapState<String, QueuedFrame> queued;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient NodeRuntimes nodes;
    private transient BatcherMetrics metrics;

    /** Batches at the sidecar: written on the task thread, read by metric reporters. */
    private transient volatile int inFlight;

    /** Frames queued on this subtask's engines, as of the last event: read by metric reporters. */
    private transient volatile int queueLength;

    /** 1 while the node's last status said it cannot keep up: read by metric reporters. */
    private transient volatile int overloaded;

    NodeBatcherOperator(
            StreamOperatorParameters<FrameResult> parameters,
            BatcherConfig config,
            InferenceExecutor.Factory executorFactory) {
        super(parameters);
        this.config = config;
        this.executorFactory = executorFactory;
        this.mailbox = parameters.getMailboxExecutor();
    }

    @Override
    public void open() throws Exception {
        super.open();
        JobClassLoaderRelease.register(getRuntimeContext());
        Catalog catalog = config.catalog().parse();
        clock = Clock.system();
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        var tmConfig = getContainingTask().getEnvironment().getTaskManagerInfo().getConfiguration();
        NodeIdentity identity =
                NodeIdentity.resolve(catalog, tmConfig, subtask, config.localMode());
        NodeSpec node = catalog.node(identity.node()).orElseThrow();
        probes = LinkProbes.start(node.id(), LinkProbes.Settings.of(tmConfig));
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
        nodes = new NodeRuntimes(catalog, config, node.id(), executor::view, clock, new Shell());
        rebuildFromState();
        metrics =
                new BatcherMetrics(
                        getRuntimeContext().getMetricGroup(),
                        identity.node(),
                        () -> queueLength,
                        () -> inFlight,
                        () -> overloaded);
        scheduleStatus();
    }

    /** The runtimes' requests, carried out with this operator's state, timers and outputs. */
    private final class Shell implements NodeRuntimes.Shell {
        @Override
        public void start(
                NodeRuntimes.Runtime rt, Batch batch, List<QueuedFrame> frames, long deadline) {
            metrics.batch(batch.size());
            inFlight++;
            String name = nodes.modelName(batch.model());
            executor.run(batch.model(), frames, deadline)
                    .whenComplete(
                            (outcome, error) -> {
                                BatchOutcome result =
                                        outcome != null
                                                ? outcome
                                                : BatchOutcome.failed(
                                                        ErrorCode.INFERENCE_FAILED, error);
                                mailbox.execute(
                                        () -> complete(rt, batch, result),
                                        "batch of %d %s frames done",
                                        batch.size(),
                                        name);
                            });
        }

        /** The frame leaves the node: out of keyed state (of the current key). */
        @Override
        public void release(QueuedFrame f) {
            try {
                queued.remove(f.id());
            } catch (Exception e) {
                throw new IllegalStateException(
                        "cannot remove frame " + f.id() + " from the batcher's state", e);
            }
        }

        @Override
        public void result(FrameResult result) {
            metrics.result(result);
            output.collect(new StreamRecord<>(result));
        }

        @Override
        public void deadLetter(DeadLetter letter) {
            output.collect(DEAD_LETTERS, new StreamRecord<>(letter));
        }

        @Override
        public long nowMs() {
            return timers.currentProcessingTime();
        }

        @Override
        public void timer(long ms) {
            timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, ms);
        }
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
            nodes.restore(key, queued.values());
        }
    }

    @Override
    public void processElement(StreamRecord<RoutedFrame> element) throws Exception {
        RoutedFrame routed = element.getValue();
        QueuedFrame frame = new QueuedFrame(routed, clock.nowMicros());
        metrics.arrived(routed.frame().task());
        queued.put(frame.id(), frame);
        nodes.arrive((Integer) getCurrentKey(), frame);
        queueLength = nodes.queuedTotal();
    }

    @Override
    public void onProcessingTime(InternalTimer<Integer, VoidNamespace> timer) throws Exception {
        nodes.timerFired(timer.getKey(), timer.getTimestamp());
        queueLength = nodes.queuedTotal();
    }

    @Override
    public void onEventTime(InternalTimer<Integer, VoidNamespace> timer) {}

    /** On the task thread: emit the batch's results and let the engine decide again. */
    private void complete(NodeRuntimes.Runtime rt, Batch batch, BatchOutcome outcome) {
        setCurrentKey(rt.key());
        inFlight--;
        nodes.complete(rt, batch, outcome);
        queueLength = nodes.queuedTotal();
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
        var task = getRuntimeContext().getTaskInfo();
        NodeStatus status = nodes.status(task.getIndexOfThisSubtask(), task.getAttemptNumber());
        if (status != null) {
            overloaded = Boolean.TRUE.equals(status.overloaded()) ? 1 : 0;
            status = probes == null ? status : status.withLinks(probes.address(), probes.links());
            output.collect(STATUS, new StreamRecord<>(status));
        }
    }

    @Override
    public void endInput() throws Exception {
        for (int key : nodes.keys()) {
            setCurrentKey(key);
            nodes.endOfInput(key);
        }
        while (!nodes.idle()) {
            mailbox.yield();
        }
    }

    @Override
    public void close() throws Exception {
        if (probes != null) {
            probes.close();
        }
        if (executor != null) {
            executor.close();
        }
        super.close();
    }
}
