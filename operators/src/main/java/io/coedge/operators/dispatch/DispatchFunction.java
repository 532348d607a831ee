package io.coedge.operators.dispatch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.TaskSpec;
import io.coedge.format.Frame;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.format.NodeStatus.LinkStatus;
import io.coedge.operators.batch.FrameResults;
import io.coedge.operators.links.LinkProbes;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.dispatch.Replanner;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global task dispatcher, as a thin Flink shell. Node statuses arrive as broadcast state; each
 * one goes through the {@link StatusPlanner} to the {@link Replanner} (pure, from {@code
 * scheduler/}, the class the simulator re-plans with), which decides whether to re-plan the task ->
 * node assignment with the dispatch policy and which moves to carry out, and the {@link
 * FrameRouter} routes each frame to the batcher subtask that its task's node announced. Frames
 * whose node has not announced its subtask yet wait in checkpointed operator state and leave as
 * soon as it does. This class keeps the broadcast and operator state, the metrics and the logs.
 */
public final class DispatchFunction extends BroadcastProcessFunction<Frame, NodeStatus, RoutedFrame>
        implements CheckpointedFunction {
    private static final Logger LOG = LoggerFactory.getLogger(DispatchFunction.class);

    public static final MapStateDescriptor<String, NodeStatus> STATUSES =
            new MapStateDescriptor<>(
                    "node-statuses", Types.STRING, TypeInformation.of(NodeStatus.class));

    /** The assignment in force (the replanner state's), task -> node: what frames are routed by. */
    public static final MapStateDescriptor<String, String> ASSIGNMENT =
            new MapStateDescriptor<>("assignment", Types.STRING, Types.STRING);

    /** The {@link Replanner.State}, one value under {@link #REPLANNER_KEY}. */
    public static final MapStateDescriptor<String, Replanner.State> REPLANNER =
            new MapStateDescriptor<>(
                    "replanner", Types.STRING, TypeInformation.of(Replanner.State.class));

    static final String REPLANNER_KEY = "state";

    /**
     * Frames shed at their origin because their link could not carry them by their deadline ({@link
     * io.coedge.scheduler.dispatch.LinkGate}): their one result each, {@code DROPPED} with a {@code
     * LINK_BACKLOG} reason, for the results sink.
     */
    public static final OutputTag<FrameResult> SHED_AT_ORIGIN =
            new OutputTag<>("shed-at-origin", TypeInformation.of(FrameResult.class));

    /**
     * How old this node's newest probe round may be for the link gate to prefer it to the
     * topology's bandwidth: three default probe intervals.
     */
    static final long FRESH_PROBE_MS = 15_000;

    private final CatalogText catalogText;
    private final String policyName;
    private final int batcherParallelism;
    private final int maxParallelism;
    private final long staleAfterMs;
    private final int maxWaiting;
    private final Replanner.Settings replanning;

    private transient Catalog catalog;
    private transient StatusPlanner planner;
    private transient FrameRouter router;
    private transient ListState<Frame> waitingState;
    private transient Counter moveCounter;
    private transient Counter replans;
    private transient Map<String, Counter> framesIn;
    private transient Counter shedAtOrigin;
    private transient Map<String, String> modelOfTask;

    /**
     * The context of the element being processed (a frame's or a status's): where shed frames'
     * results go.
     */
    private transient ReadOnlyContext frameContext;

    private transient Context statusContext;

    /** The assignment as metric reporters read it (replaced, never mutated, on the task thread). */
    private transient volatile Map<String, String> published;

    /**
     * @param policyName dispatch policy ({@code coedge}, {@code no-offloading}, {@code
     *     naive-global})
     * @param batcherParallelism parallelism of the batcher (= nodes)
     * @param maxParallelism max parallelism of the batcher
     * @param staleAfterMs a node whose last status is older than this is treated as unhealthy
     * @param maxWaiting frames held while nodes have not announced themselves
     * @param replanning re-plan interval, dwell and start-up wait, in microseconds of status time
     */
    public DispatchFunction(
            CatalogText catalog,
            String policyName,
            int batcherParallelism,
            int maxParallelism,
            long staleAfterMs,
            int maxWaiting,
            Replanner.Settings replanning) {
        this.catalogText = catalog;
        this.policyName = policyName;
        this.batcherParallelism = batcherParallelism;
        this.maxParallelism = maxParallelism;
        this.staleAfterMs = staleAfterMs;
        this.maxWaiting = maxWaiting;
        this.replanning = replanning;
        DispatchPolicies.byName(policyName);
    }

    @Override
    public void open(OpenContext context) {
        catalog = catalogText.parse();
        planner =
                new StatusPlanner(
                        catalog, DispatchPolicies.byName(policyName), replanning, staleAfterMs);
        registerMetrics();
        modelOfTask = new HashMap<>();
        for (TaskSpec t : catalog.tasks()) {
            modelOfTask.put(t.id(), t.model());
        }
        router.gate(
                new FrameRouter.FreshLinks() {
                    @Override
                    public Double mbps(String from, String to, long nowMs) {
                        LinkStatus l = LinkProbes.latest(from, to, nowMs, FRESH_PROBE_MS);
                        return l == null ? null : l.mbps();
                    }

                    @Override
                    public void sent(String from, String to, long bytes, long nowMs) {
                        LinkProbes.sent(from, to, bytes, nowMs);
                    }
                },
                this::shed);
        router.links(planner.topology());
    }

    /** A frame its link could not carry in time: its result, from here. */
    private void shed(Frame frame, String node, String reason, long nowMs) {
        shedAtOrigin.inc();
        FrameResult result =
                FrameResults.unrun(
                        frame,
                        nowMs,
                        modelOfTask.getOrDefault(frame.task(), ""),
                        node,
                        FrameResult.Status.DROPPED,
                        reason,
                        nowMs);
        if (frameContext != null) {
            frameContext.output(SHED_AT_ORIGIN, result);
        } else {
            statusContext.output(SHED_AT_ORIGIN, result);
        }
    }

    /**
     * Under the user scope {@code coedge}: {@code replans}, {@code taskMoves}, {@code
     * framesWaitingForNodes}; per task ({@code coedge.task.<id>}) {@code framesIn} and {@code
     * assignedNode} (the catalog index of the node the task is assigned to); per task and node
     * ({@code coedge.task.<id>.node.<id>}) {@code assigned}, 1 on the task's node and 0 elsewhere.
     * Per frame: one hash lookup and one counter increment; the gauges are read by the reporter.
     */
    private void registerMetrics() {
        MetricGroup scope = getRuntimeContext().getMetricGroup().addGroup("coedge");
        moveCounter = scope.counter("taskMoves");
        replans = scope.counter("replans");
        shedAtOrigin = scope.counter("framesShedAtOrigin");
        scope.gauge("framesWaitingForNodes", () -> router == null ? 0 : router.waitingCount());
        framesIn = new HashMap<>();
        List<String> nodeIds = catalog.nodes().stream().map(n -> n.id()).toList();
        for (TaskSpec t : catalog.tasks()) {
            MetricGroup task = scope.addGroup("task", t.id());
            framesIn.put(t.id(), task.counter("framesIn"));
            task.gauge("assignedNode", () -> nodeIds.indexOf(assignedNode(t)));
            for (String node : nodeIds) {
                task.addGroup("node", node)
                        .gauge("assigned", () -> node.equals(assignedNode(t)) ? 1 : 0);
            }
        }
    }

    /** The node a task's frames go to now: the plan's, else the task's origin. */
    private String assignedNode(TaskSpec t) {
        Map<String, String> a = published;
        return a == null ? t.origin() : a.getOrDefault(t.id(), t.origin());
    }

    @Override
    public void processElement(Frame frame, ReadOnlyContext ctx, Collector<RoutedFrame> out)
            throws Exception {
        frameContext = ctx;
        statusContext = null;
        if (!router.assigned()) {
            restoreRouting(ctx.getBroadcastState(STATUSES), ctx.getBroadcastState(ASSIGNMENT));
        }
        router.flush(ctx.currentProcessingTime(), out::collect);
        Counter in = framesIn.get(frame.task());
        if (in != null) {
            in.inc();
        }
        router.route(frame, ctx.currentProcessingTime(), out::collect);
    }

    /**
     * Each status goes to the {@link StatusPlanner} (status time, the same on every subtask). The
     * {@link Replanner} rate-limits plans and lets moved tasks dwell, so live profile noise does
     * not make tasks flap between nodes; a change in any node's health re-plans at once.
     */
    @Override
    public void processBroadcastElement(NodeStatus status, Context ctx, Collector<RoutedFrame> out)
            throws Exception {
        frameContext = null;
        statusContext = ctx;
        BroadcastState<String, NodeStatus> statuses = ctx.getBroadcastState(STATUSES);
        if (!StatusPlanner.supersedes(status, statuses.get(status.node()))) {
            return;
        }
        statuses.put(status.node(), status);
        Map<String, NodeStatus> all = new HashMap<>();
        for (Map.Entry<String, NodeStatus> e : statuses.entries()) {
            all.put(e.getKey(), e.getValue());
        }
        router.announced(all.values());
        io.coedge.operators.links.LinkPeers.announced(all.values());
        BroadcastState<String, Replanner.State> replannerState = ctx.getBroadcastState(REPLANNER);
        Replanner.Outcome outcome = planner.onStatuses(all, replannerState.get(REPLANNER_KEY));
        router.links(planner.topology());
        switch (outcome.verdict()) {
            case NOT_DUE -> {
                if (!router.assigned()) {
                    restoreRouting(statuses, ctx.getBroadcastState(ASSIGNMENT));
                }
                router.flush(ctx.currentProcessingTime(), out::collect);
                return;
            }
            case PLANNED -> {
                replans.inc();
                Replanner.State before = replannerState.get(REPLANNER_KEY);
                if (before == null || !before.policyPlanned()) {
                    LOG.info(
                            "dispatch: first plan, nodes {}, tasks {}",
                            planner.topology().nodes().stream()
                                    .map(n -> n.name() + (n.healthy() ? " ready" : " not ready"))
                                    .toList(),
                            new java.util.TreeMap<>(outcome.state().assignment()));
                }
            }
            case POLICY_FAILED ->
                    LOG.warn(
                            "dispatch policy {} could not plan; keeping the previous assignment: {}",
                            policyName,
                            outcome.policyFailure().getMessage());
            default -> {}
        }
        Replanner.State previous = replannerState.get(REPLANNER_KEY);
        if (previous != null
                && previous.policyPlanned()
                && !(outcome.moves().isEmpty() && outcome.awaitingConfirmation().isEmpty())) {
            Map<String, String> wantedPlan = new HashMap<>(outcome.state().assignment());
            for (Replanner.Move m : outcome.awaitingConfirmation()) {
                wantedPlan.put(m.task(), m.to());
            }
            LOG.info(
                    "dispatch: the plan's view (pressure now -> planned; one frame per model): {}",
                    planner.explain(previous.assignment(), wantedPlan));
        }
        for (Replanner.Move m : outcome.moves()) {
            LOG.info("dispatch: task {} moves {} -> {}", m.task(), m.from(), m.to());
            moveCounter.inc();
        }
        for (Replanner.Move m : outcome.awaitingConfirmation()) {
            LOG.info(
                    "dispatch: task {} would move {} -> {}; moves if still wanted a re-plan interval later",
                    m.task(),
                    m.from(),
                    m.to());
        }
        replannerState.put(REPLANNER_KEY, outcome.state());
        BroadcastState<String, String> assignmentState = ctx.getBroadcastState(ASSIGNMENT);
        assignmentState.clear();
        assignmentState.putAll(outcome.state().assignment());
        router.assign(outcome.state().assignment());
        published = Map.copyOf(outcome.state().assignment());
        router.flush(ctx.currentProcessingTime(), out::collect);
    }

    /** After a restore: routing by the checkpointed assignment and announcements. */
    private void restoreRouting(
            ReadOnlyBroadcastState<String, NodeStatus> statuses,
            ReadOnlyBroadcastState<String, String> assignmentState)
            throws Exception {
        Map<String, NodeStatus> all = new HashMap<>();
        for (Map.Entry<String, NodeStatus> e : statuses.immutableEntries()) {
            all.put(e.getKey(), e.getValue());
        }
        Map<String, String> a = new HashMap<>();
        for (Map.Entry<String, String> e : assignmentState.immutableEntries()) {
            a.put(e.getKey(), e.getValue());
        }
        a = planner.withOrigins(a);
        router.assign(a);
        published = Map.copyOf(a);
        router.announced(all.values());
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        waitingState.update(router.waiting());
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        waitingState =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>("frames-waiting-for-nodes", Frame.class));
        router = new FrameRouter(new SubtaskKeys(batcherParallelism, maxParallelism), maxWaiting);
        router.hold(waitingState.get());
    }
}
