package io.coedge.scheduler.node;

import io.coedge.scheduler.batch.BatchDecision;
import io.coedge.scheduler.batch.BatchPolicy;
import io.coedge.scheduler.batch.ModelQueues;
import io.coedge.scheduler.model.Clock;
import io.coedge.scheduler.model.LatencyProfile;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * The local task scheduler of one edge node, as a state machine: the one implementation that the
 * Flink batcher ({@code NodeBatcherOperator}), the simulator and the tests all drive.
 *
 * <p>It takes events — a frame arrived ({@link #arrive}), a batch finished ({@link #finished}), a
 * timer fired ({@link #timerFired}), the sidecar's profile changed ({@link #sidecarProfile}), the
 * input ended ({@link #endOfInput}) — and answers each with actions on a {@link NodeActions}: start
 * a batch, shed a frame, refuse a frame, set a timer. Time comes from the injected {@link Clock}
 * only (the operator's processing time, the simulator's event time, a test's fixed instants); the
 * engine holds no threads and reads no wall clock.
 *
 * <p>What it does, in the order of {@link #drive}: per-model deadline-ordered queues; the batch
 * policy asked on every event with the accelerator's free time by the typical and by the
 * pessimistic estimate of the batches in flight (the typical one replaced by the pessimistic one
 * while the node is overloaded, {@link OverloadSignal}); frames the policy finds hopeless shed at
 * once, also while a batch runs; at most {@link Settings#maxInFlight()} batches at the sidecar, the
 * next one sent its measured overhead (plus a margin) before the running one is predicted to end,
 * so the accelerator does not idle while it is pre-processed and sent; at the end of the input
 * every queued frame runs, one batch at a time. Latency estimates come from one {@link
 * LatencyEstimator} per model: the sidecar's p99 profile plus the overhead this node measured
 * around it.
 */
public final class NodeEngine {

    /**
     * How a node's engine runs.
     *
     * @param maxInFlight batches at the sidecar at once: the running one and the next
     * @param pipelineMarginMicros the next batch is sent this much before its estimated overhead
     *     ahead of the running one's predicted end, for scheduling jitter
     * @param maxFrames frames the node holds (queued and running) before it refuses new ones
     * @param maxBytes encoded image bytes the node holds before it refuses new ones
     * @param overheadMicros per-batch allowance for the call before any run was observed
     * @param perFrameMicros per-frame allowance for pre/post-processing before any run was observed
     * @param observationMaxAgeMicros observed runs older than this no longer count
     */
    public record Settings(
            int maxInFlight,
            long pipelineMarginMicros,
            int maxFrames,
            long maxBytes,
            long overheadMicros,
            long perFrameMicros,
            long observationMaxAgeMicros) {
        public Settings {
            if (maxInFlight < 1
                    || pipelineMarginMicros < 0
                    || maxFrames < 1
                    || maxBytes < 1
                    || overheadMicros < 0
                    || perFrameMicros < 0
                    || observationMaxAgeMicros < 1) {
                throw new IllegalArgumentException("invalid node engine settings");
            }
        }

        /**
         * Two batches in flight, 3 ms margin, 10,000 frames / 64 MiB, 2 ms + 3 ms per frame
         * allowances, 5 s window.
         */
        public static Settings defaults() {
            return new Settings(2, 3_000, 10_000, 64L << 20, 2_000, 3_000, 5_000_000);
        }

        public Settings withBounds(int frames, long bytes) {
            return new Settings(
                    maxInFlight,
                    pipelineMarginMicros,
                    frames,
                    bytes,
                    overheadMicros,
                    perFrameMicros,
                    observationMaxAgeMicros);
        }

        public Settings withPipelineMargin(long micros) {
            return new Settings(
                    maxInFlight,
                    micros,
                    maxFrames,
                    maxBytes,
                    overheadMicros,
                    perFrameMicros,
                    observationMaxAgeMicros);
        }

        public Settings withAllowances(long overhead, long perFrame) {
            return new Settings(
                    maxInFlight,
                    pipelineMarginMicros,
                    maxFrames,
                    maxBytes,
                    overhead,
                    perFrame,
                    observationMaxAgeMicros);
        }
    }

    private final BatchPolicy policy;
    private final Settings settings;
    private final Clock clock;
    private final int[] maxBatch;
    private final FrameQueue[] queues;
    private final LatencyEstimator[] estimators;
    private final LatencyProfile[] plan;
    private final List<LatencyProfile> planView;
    private final ModelQueues view = new View();
    private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
    private boolean draining;
    private long timerAt = Long.MAX_VALUE;
    private int heldFrames;
    private long heldBytes;
    private long busyMicros;
    private long lastCompletionMicros;
    private final OverloadSignal overload = new OverloadSignal();
    private final ServiceFactor service = new ServiceFactor();

    /** The two earliest deadlines of a queue, for the busy-node rule (no allocation per shed). */
    private final long[] scratchTwoDeadlines = new long[2];

    /** When a frame of each model last arrived (epoch micros), by model index. */
    private final long[] lastArrival;

    /**
     * @param maxBatch the largest batch of each model (the catalog's), by model index
     */
    public NodeEngine(BatchPolicy policy, int[] maxBatch, Settings settings, Clock clock) {
        this.policy = policy;
        this.settings = settings;
        this.clock = clock;
        this.maxBatch = maxBatch.clone();
        int models = maxBatch.length;
        queues = new FrameQueue[models];
        lastArrival = new long[models];
        java.util.Arrays.fill(lastArrival, Long.MIN_VALUE / 2); // none yet: quiet for any window
        estimators = new LatencyEstimator[models];
        plan = new LatencyProfile[models];
        for (int m = 0; m < models; m++) {
            queues[m] = new FrameQueue();
            estimators[m] =
                    new LatencyEstimator(
                            maxBatch[m],
                            settings.overheadMicros(),
                            settings.perFrameMicros(),
                            settings.observationMaxAgeMicros(),
                            clock);
        }
        planView = java.util.Collections.unmodifiableList(Arrays.asList(plan));
    }

    // ---- events ----

    /**
     * The sidecar's latest p99 profile of {@code model} (null: unknown). Planning follows at the
     * next event.
     */
    public void sidecarProfile(int model, LatencyProfile p99) {
        estimators[model].sidecar(p99);
    }

    /** The sidecar's latest median (null: not reported) and p99 profiles of {@code model}. */
    public void sidecarProfile(int model, LatencyProfile p50, LatencyProfile p99) {
        estimators[model].sidecar(p50, p99);
    }

    /**
     * A frame reached the node: it is queued (or refused when the node is full) and the policy
     * decides.
     *
     * @param handle the caller's name for the frame, unique among the frames the node holds
     * @return whether it was admitted
     */
    public boolean arrive(
            long handle, int model, long deadlineMicros, long bytes, NodeActions out) {
        if (heldFrames >= settings.maxFrames() || heldBytes + bytes > settings.maxBytes()) {
            out.refuse(
                    handle,
                    model,
                    "QUEUE_FULL: the node holds "
                            + heldFrames
                            + " frames of "
                            + heldBytes
                            + " bytes; its bounds are "
                            + settings.maxFrames()
                            + " frames and "
                            + settings.maxBytes()
                            + " bytes");
            return false;
        }
        enqueue(handle, model, deadlineMicros, bytes);
        overload.arrived();
        lastArrival[model] = clock.nowMicros();
        drive(out);
        return true;
    }

    /**
     * A frame the node held before a restart (from checkpointed state): queued without a decision
     * and without the bounds check; call {@link #timerFired} once all are back.
     */
    public void restore(long handle, int model, long deadlineMicros, long bytes) {
        enqueue(handle, model, deadlineMicros, bytes);
    }

    private void enqueue(long handle, int model, long deadlineMicros, long bytes) {
        queues[model].push(handle, deadlineMicros, clock.nowMicros(), bytes);
        heldFrames++;
        heldBytes += bytes;
    }

    /**
     * A batch this engine started is over: its frames have their results (or their errors).
     *
     * @param framesRun frames of it that the sidecar ran (frames whose image could not be decoded
     *     do not count)
     * @param succeeded whether the sidecar ran it; only successful runs of batches sent to an idle
     *     accelerator teach the estimator (a pipelined batch's time includes waiting for the one
     *     before)
     */
    public void finished(Batch batch, int framesRun, boolean succeeded, NodeActions out) {
        long now = clock.nowMicros();
        if (!inFlight.remove(batch)) {
            throw new IllegalArgumentException("batch not in flight on this node");
        }
        long busy = Math.max(0, now - Math.max(batch.startMicros(), lastCompletionMicros));
        busyMicros += busy;
        lastCompletionMicros = now;
        if (succeeded && framesRun > 0) {
            // Against the typical estimate before this run teaches it (pipelined batches too: the
            // busy time counts only their own run).
            service.record(now, busy, estimators[batch.model()].typical(framesRun));
            if (!batch.pipelined()) {
                estimators[batch.model()].observe(framesRun, now - batch.startMicros());
            }
        }
        heldFrames -= batch.size();
        heldBytes -= batch.bytes();
        drive(out);
    }

    /** A timer the engine asked for fired (or any other reason to look again). */
    public void timerFired(NodeActions out) {
        if (clock.nowMicros() >= timerAt) {
            timerAt = Long.MAX_VALUE;
        }
        drive(out);
    }

    /** Nothing arrives any more: every queued frame runs (or is shed), one batch at a time. */
    public void endOfInput(NodeActions out) {
        draining = true;
        drive(out);
    }

    // ---- the node loop ----

    /**
     * Applies the policy until it starts a batch it may not follow by another, waits, or the queues
     * are empty.
     */
    private void drive(NodeActions out) {
        while (true) {
            long now = clock.nowMicros();
            int busy = inFlight.size();
            Batch last = inFlight.peekLast();
            long free = busy == 0 ? now : Math.max(now, last.predictedEndMicros());
            // Shedding is final and the running batch's end a guess, so on a node that keeps up the
            // policy sheds only frames that miss even when it ends as usual. On an overloaded node
            // a kept frame that then misses has taken accelerator time from the frames behind it:
            // there it sheds against the pessimistic end, as it plans batches.
            long typicalFree = busy == 0 ? now : Math.max(now, last.typicalEndMicros());
            long shedFree = overload.overloaded() ? free : typicalFree;
            List<LatencyProfile> profiles = profiles();
            BatchDecision decision = policy.decide(now, shedFree, free, view, profiles);
            if (decision instanceof BatchDecision.Shed shed
                    && typicallyMakesIt(shed, typicalFree, free)) {
                // On a node that keeps up, a head the pessimistic estimate sheds but the typical
                // one runs in time goes alone, next: shedding it is a certain miss, running it a
                // likely hit, and a node that keeps up has the slack to try.
                decision = new BatchDecision.Run(shed.model(), 1);
            }
            if (decision instanceof BatchDecision.Shed shed) {
                int m = shed.model();
                long deadline = queues[m].headDeadline();
                if (busy == 0 && onlyQueued(m) && now + estimators[m].typical(1) <= deadline) {
                    // An idle node with nothing else queued runs a frame that typically makes
                    // its deadline, though the pessimistic estimate says it misses: a miss costs
                    // no more than the shed, and the run refreshes the profile. Without it a
                    // sidecar whose p99 window holds one slow run above the task's deadline
                    // (measured on the testbed: 519 ms against 500, from its warm-up) shed every
                    // frame of the task for good, since nothing ran to push that run out.
                    start(m, 1, now, out);
                    continue;
                }
                long handle = take(m);
                long alone = profiles.get(m).latencyMicros(1);
                if (deadline - typicalFree < alone) {
                    overload.hopeless();
                }
                out.shed(
                        handle,
                        m,
                        new NodeActions.Shed(
                                alone,
                                deadline - shedFree,
                                busy > 0,
                                overload.overloaded(),
                                shed.givesWayTo()));
                continue;
            }
            if (busy >= settings.maxInFlight() || (draining && busy > 0)) {
                // A completion decides the next batch. At the end of the input nothing arrives any
                // more:
                // batches go one at a time, so a later one cannot overtake one still being
                // pre-processed.
                return;
            }
            if (decision instanceof BatchDecision.Run run) {
                int b =
                        Math.min(
                                Math.min(run.batchSize(), queues[run.model()].size()),
                                maxBatch[run.model()]);
                if (busy > 0) {
                    // The batch chosen for the predicted free time goes only just before then, so
                    // that it still
                    // sees the frames arriving until the accelerator is about to be free.
                    long sendAt =
                            free
                                    - estimators[run.model()].overhead(b)
                                    - settings.pipelineMarginMicros();
                    if (now < sendAt) {
                        arm(sendAt, out);
                        return;
                    }
                }
                start(run.model(), b, now, out);
                continue;
            }
            if (decision instanceof BatchDecision.WaitUntil wait) {
                if (draining) {
                    int m = BatchPolicy.mostUrgent(view);
                    start(m, Math.min(queues[m].size(), maxBatch[m]), now, out);
                    continue;
                }
                arm(wait.timeMicros(), out);
                return;
            }
            return; // idle
        }
    }

    /**
     * Whether a head the policy sheds on the pessimistic estimate makes its deadline when the batch
     * in flight ends as usual and the head runs alone as usual, on a node that keeps up, and the
     * policy lets such heads run ({@link BatchPolicy#runsHeadsTheTypicalEstimateMeets}), and its
     * run costs no other frame its deadline: a miss then costs no more than the shed. An overloaded
     * node sheds on the pessimistic estimate, and a head that gives way is shed for the frames
     * behind it.
     */
    private boolean typicallyMakesIt(BatchDecision.Shed shed, long typicalFree, long free) {
        int m = shed.model();
        if (!policy.runsHeadsTheTypicalEstimateMeets()
                || overload.overloaded()
                || shed.givesWayTo() != 0
                || typicalFree + estimators[m].typical(1) > queues[m].headDeadline()) {
            return false;
        }
        // Its run must not cost another frame its deadline: after it (by the pessimistic estimate)
        // the next frame of its model and every other model's head can still run in time.
        long after = free + plan[m].latencyMicros(1);
        long[] two = scratchTwoDeadlines;
        if (queues[m].earliestDeadlines(two) == 2 && after + plan[m].latencyMicros(1) > two[1]) {
            return false;
        }
        for (int o = 0; o < queues.length; o++) {
            if (o != m
                    && queues[o].size() > 0
                    && plan[o] != null
                    && after + plan[o].latencyMicros(1) > queues[o].headDeadline()) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code model} holds the only queued frames of the node. */
    private boolean onlyQueued(int model) {
        for (int i = 0; i < queues.length; i++) {
            if (i != model && queues[i].size() > 0) {
                return false;
            }
        }
        return true;
    }

    private long take(int model) {
        FrameQueue q = queues[model];
        long handle = q.pop();
        heldFrames--;
        heldBytes -= q.poppedBytes();
        return handle;
    }

    private void start(int model, int size, long now, NodeActions out) {
        FrameQueue q = queues[model];
        long[] handles = new long[size];
        long bytes = 0;
        for (int i = 0; i < size; i++) {
            handles[i] = q.pop();
            bytes += q.poppedBytes();
        }
        LatencyEstimator est = estimators[model];
        long cost = plan[model].latencyMicros(size);
        long typicalCost = Math.min(cost, est.typical(size));
        long overhead = est.overhead(size);
        Batch previous = inFlight.peekLast();
        // Sent while another batch runs, its pre-processing and call overlap that batch: only its
        // compute
        // adds to the predicted end.
        long end =
                previous == null
                        ? now + cost
                        : Math.max(now + cost, previous.predictedEndMicros() + cost - overhead);
        long typicalEnd =
                previous == null
                        ? now + typicalCost
                        : Math.max(
                                now + typicalCost,
                                previous.typicalEndMicros() + Math.max(0, typicalCost - overhead));
        Batch batch =
                new Batch(
                        model,
                        handles,
                        bytes,
                        now,
                        end,
                        Math.min(end, typicalEnd),
                        previous != null);
        inFlight.addLast(batch);
        out.start(batch);
    }

    private void arm(long atMicros, NodeActions out) {
        long now = clock.nowMicros();
        if (atMicros < timerAt || timerAt <= now) {
            timerAt = atMicros;
            out.timer(atMicros);
        }
    }

    /**
     * The profiles the policy plans with: each model's estimator, refreshed only when it changed.
     */
    private List<LatencyProfile> profiles() {
        for (int m = 0; m < plan.length; m++) {
            plan[m] = estimators[m].profile();
        }
        return planView;
    }

    // ---- what the node reports ----

    public int queued(int model) {
        return queues[model].size();
    }

    public int queuedTotal() {
        int n = 0;
        for (FrameQueue q : queues) {
            n += q.size();
        }
        return n;
    }

    /**
     * Whether the node sheds against the pessimistic end of the running batch because it cannot
     * keep up ({@link OverloadSignal}); otherwise against its typical end.
     */
    public boolean overloaded() {
        return overload.overloaded();
    }

    public int inFlight() {
        return inFlight.size();
    }

    /** No frame queued and no batch in flight. */
    public boolean idle() {
        return heldFrames == 0 && inFlight.isEmpty();
    }

    /**
     * Accelerator busy time since the last call (from each batch's start or the previous completion
     * to its end).
     */
    public long takeBusyMicros() {
        long b = busyMicros;
        busyMicros = 0;
        return b;
    }

    /**
     * What the dispatcher plans this model on this node with: the typical profile scaled by the
     * node's {@link #serviceFactor()}. The typical profile is what a batch usually takes (a
     * median); a node's capacity is set by the mean, which a contended CPU's stalls lift above it.
     */
    public LatencyProfile planningProfile(int model) {
        LatencyProfile typical = estimators[model].typicalProfile();
        double factor = serviceFactor();
        return factor == 1.0 ? typical : typical.scaled(factor);
    }

    /**
     * How much longer the node's batches took in all than their typical estimates over the last 20
     * s, at least 1 ({@link ServiceFactor}).
     */
    public double serviceFactor() {
        return service.factor(clock.nowMicros());
    }

    /** The model's estimator: what the node plans with and publishes. */
    public LatencyEstimator estimator(int model) {
        return estimators[model];
    }

    private final class View implements ModelQueues {
        @Override
        public int modelCount() {
            return queues.length;
        }

        @Override
        public int size(int model) {
            return queues[model].size();
        }

        @Override
        public long headDeadline(int model) {
            return queues[model].headDeadline();
        }

        @Override
        public long headArrival(int model) {
            return queues[model].headArrival();
        }

        @Override
        public int earliestDeadlines(int model, long[] out) {
            return queues[model].earliestDeadlines(out);
        }

        @Override
        public boolean overloaded() {
            return overload.overloaded();
        }

        @Override
        public boolean othersQuietFor(int model, long micros) {
            long since = clock.nowMicros() - micros;
            for (int m = 0; m < lastArrival.length; m++) {
                if (m != model && lastArrival[m] > since) {
                    return false;
                }
            }
            return true;
        }
    }
}
