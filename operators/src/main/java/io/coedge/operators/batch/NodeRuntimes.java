package io.coedge.operators.batch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.ModelSpec;
import io.coedge.format.DeadLetter;
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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the node batcher does, without Flink: one {@link NodeEngine} (the class the simulator
 * drives) per key of the batcher subtask (one node in practice), the frames each engine holds by
 * handle, and what becomes of every frame: a result when its batch is over, a {@code DROPPED}
 * result when the engine sheds or refuses it, a dead letter when pre-processing refused its image.
 *
 * <p>{@link NodeBatcherOperator} is the Flink shell around it: it keeps the frames in keyed state,
 * sets the current key before every call here, turns timers into processing-time timers, runs the
 * batches through its executor and brings their completions back to the task thread. Everything
 * this class needs of it goes through a {@link Shell}. Task thread only (the engines are not
 * thread-safe).
 */
final class NodeRuntimes {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRuntimes.class);

    /** What the runtimes ask of the operator; each call concerns the operator's current key. */
    interface Shell {
        /**
         * Run the batch (off the task thread); call {@link #complete} on the task thread, with the
         * current key set to {@code rt.key()}, once it is over.
         *
         * @param deadlineMicros the latest deadline among the frames
         */
        void start(Runtime rt, Batch batch, List<QueuedFrame> frames, long deadlineMicros);

        /** The frame leaves the node: remove it from keyed state. */
        void release(QueuedFrame frame);

        /** Emit one frame's result. */
        void result(FrameResult result);

        /** Emit one frame's dead letter. */
        void deadLetter(DeadLetter letter);

        /** The processing-time service's time, epoch milliseconds. */
        long nowMs();

        /** Register a processing-time timer at this time (epoch milliseconds). */
        void timer(long ms);
    }

    private final Catalog catalog;
    private final List<ModelSpec> models;
    private final String node;
    private final String policy;
    private final int[] maxBatch;
    private final NodeEngine.Settings settings;
    private final Supplier<InferenceExecutor.SidecarView> sidecar;
    private final Clock clock;
    private final Shell shell;
    private final Map<Integer, Runtime> runtimes = new HashMap<>();
    private final FrameSizes frameSizes = new FrameSizes();
    private long nextHandle;
    private long lastStatusMicros;

    /**
     * @param catalog the deployment, as parsed from {@code config}
     * @param config the batch policy and engine settings each key's engine runs with
     * @param node the node this batcher subtask runs
     * @param sidecar what the node's sidecar last said of itself
     */
    NodeRuntimes(
            Catalog catalog,
            BatcherConfig config,
            String node,
            Supplier<InferenceExecutor.SidecarView> sidecar,
            Clock clock,
            Shell shell) {
        this.catalog = catalog;
        this.models = catalog.models();
        this.node = node;
        this.policy = config.batchPolicy();
        this.maxBatch = models.stream().mapToInt(ModelSpec::maxBatch).toArray();
        this.settings = config.engineSettings();
        this.sidecar = sidecar;
        this.clock = clock;
        this.shell = shell;
        this.lastStatusMicros = clock.nowMicros();
    }

    /** A fresh engine: one per key, or one to plan a status with before any frame arrived. */
    private NodeEngine newEngine() {
        return new NodeEngine(BatchPolicies.byName(policy), maxBatch, settings, clock);
    }

    /** One key's (one node's) engine, the frames it holds by handle, and its timer. */
    final class Runtime implements NodeActions {
        private final int key;
        private final NodeEngine engine;
        private final Map<Long, QueuedFrame> frames = new HashMap<>();
        private long timerMs = Long.MAX_VALUE;

        private Runtime(int key) {
            this.key = key;
            this.engine = newEngine();
            NodeStatuses.feed(engine, sidecar.get(), models);
        }

        int key() {
            return key;
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
            shell.start(this, batch, batchFrames, deadline);
        }

        @Override
        public void shed(long handle, int model, Shed why) {
            refuse(handle, model, why.describe(models.get(model).name()));
        }

        @Override
        public void refuse(long handle, int model, String reason) {
            QueuedFrame f = frames.remove(handle);
            shell.release(f);
            unrun(f.routed(), FrameResult.Status.DROPPED, reason, clock.nowMicros());
        }

        /** Processing-time timers have millisecond resolution: the first one at or after. */
        @Override
        public void timer(long atMicros) {
            long ms = Math.max(shell.nowMs() + 1, (atMicros + 999) / 1000);
            if (ms < timerMs) {
                timerMs = ms;
                shell.timer(ms);
            }
        }
    }

    /** The key's runtime, created (its engine fed the sidecar's profiles) on first use. */
    Runtime runtime(int key) {
        return runtimes.computeIfAbsent(key, Runtime::new);
    }

    /** The keys that have an engine (a copy). */
    List<Integer> keys() {
        return List.copyOf(runtimes.keySet());
    }

    /** The catalog's name of model {@code model} (its index). */
    String modelName(int model) {
        return models.get(model).name();
    }

    private int modelOf(Frame frame) {
        return models.indexOf(
                catalog.model(catalog.task(frame.task()).orElseThrow().model()).orElseThrow());
    }

    /**
     * A frame reached the node (already in keyed state): the key's engine admits it and decides.
     */
    void arrive(int key, QueuedFrame frame) {
        Runtime rt = runtime(key);
        long handle = nextHandle++;
        rt.frames.put(handle, frame);
        Frame f = frame.routed().frame();
        frameSizes.arrived(f.task(), f.image().length, clock.nowMicros() / 1000);
        rt.engine.arrive(handle, modelOf(f), frame.deadlineMicros(), f.image().length, rt);
    }

    /**
     * After a restore: every frame the key held in keyed state (queued or running when the
     * checkpoint was taken) queues again, and the engine decides at the next timer.
     */
    void restore(int key, Iterable<QueuedFrame> held) {
        Runtime rt = runtime(key);
        for (QueuedFrame f : held) {
            long handle = nextHandle++;
            rt.frames.put(handle, f);
            Frame frame = f.routed().frame();
            rt.engine.restore(handle, modelOf(frame), f.deadlineMicros(), frame.image().length);
        }
        rt.timer(clock.nowMicros());
    }

    /** The key's processing-time timer at {@code timestampMs} fired. */
    void timerFired(int key, long timestampMs) {
        Runtime rt = runtime(key);
        if (rt.timerMs == timestampMs) {
            rt.timerMs = Long.MAX_VALUE;
        }
        rt.engine.timerFired(rt);
    }

    /**
     * A batch {@link Shell#start} ran is over: each of its frames gets its one result (or dead
     * letter), and the engine decides again.
     */
    void complete(Runtime rt, Batch batch, BatchOutcome outcome) {
        long now = clock.nowMicros();
        for (long h : batch.handles()) {
            QueuedFrame f = rt.frames.remove(h);
            shell.release(f);
            BatchOutcome.Rejected rejected = outcome.rejected().get(f.id());
            if (rejected != null) {
                LOG.warn(
                        "node {}: frame {} refused by pre-processing: {}: {}",
                        node,
                        f.id(),
                        rejected.code(),
                        rejected.detail());
                if (rejected.deadLetter()) {
                    shell.deadLetter(
                            FrameResults.deadLetter(
                                    f.routed().frame(), rejected.code(), rejected.detail()));
                } else {
                    unrun(
                            f.routed(),
                            FrameResult.Status.ERROR,
                            rejected.code() + ": " + rejected.detail(),
                            now);
                }
            } else if (outcome.failure() != null) {
                BatchOutcome.Failure failure = outcome.failure();
                unrun(f.routed(), failure.status(), failure.code() + ": " + failure.detail(), now);
            } else {
                String model = models.get(batch.model()).name();
                shell.result(FrameResults.ran(f.routed(), model, node, outcome, now / 1000));
            }
        }
        rt.engine.finished(batch, outcome.outputs().size(), outcome.failure() == null, rt);
    }

    /** A result for a frame that did not run (shed, refused, failed). */
    private void unrun(
            RoutedFrame routed, FrameResult.Status status, String reason, long nowMicros) {
        String model = catalog.task(routed.frame().task()).map(t -> t.model()).orElse("");
        shell.result(FrameResults.unrun(routed, model, node, status, reason, nowMicros / 1000));
    }

    /** Nothing arrives any more: the key's engine runs (or sheds) every frame it holds. */
    void endOfInput(int key) {
        Runtime rt = runtimes.get(key);
        rt.engine.endOfInput(rt);
    }

    /** No engine holds a frame or has a batch in flight. */
    boolean idle() {
        return runtimes.values().stream().allMatch(rt -> rt.engine.idle());
    }

    /** Frames queued (not yet in a batch) on every engine. */
    int queuedTotal() {
        int q = 0;
        for (Runtime r : runtimes.values()) {
            q += r.engine.queuedTotal();
        }
        return q;
    }

    /**
     * The node's status since the previous one (see {@link NodeStatuses#publish}), which also hands
     * the sidecar's latest profiles to the engines; null while the sidecar has not answered a poll.
     */
    NodeStatus status(int subtask, int attempt) {
        InferenceExecutor.SidecarView view = sidecar.get();
        if (view == InferenceExecutor.SidecarView.NOT_POLLED) {
            return null;
        }
        long now = clock.nowMicros();
        List<NodeEngine> engines = new ArrayList<>();
        runtimes.values().forEach(r -> engines.add(r.engine));
        if (engines.isEmpty()) {
            engines.add(newEngine()); // no frame yet: what the node would plan with
        }
        NodeStatus status =
                NodeStatuses.publish(
                        node, subtask, attempt, view, models, engines, now - lastStatusMicros, now);
        lastStatusMicros = now;
        return status.withFrameBytes(frameSizes.published(now / 1000));
    }
}
