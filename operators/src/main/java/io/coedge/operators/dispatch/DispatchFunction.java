package io.coedge.operators.dispatch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.TaskSpec;
import io.coedge.format.Frame;
import io.coedge.operators.profile.NodeStatus;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.dispatch.DispatchPolicy;
import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.Topology;
import java.util.ArrayList;
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
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global task dispatcher. Node statuses arrive as broadcast state; each one re-plans the task
 * -> node assignment with the dispatch policy (pure, from {@code scheduler/}), and each frame is
 * routed to the batcher subtask that its task's node announced. Frames whose node has not
 * announced its subtask yet wait in checkpointed operator state and leave as soon as it does.
 */
public final class DispatchFunction extends BroadcastProcessFunction<Frame, NodeStatus, RoutedFrame>
    implements CheckpointedFunction {
  private static final Logger LOG = LoggerFactory.getLogger(DispatchFunction.class);

  public static final MapStateDescriptor<String, NodeStatus> STATUSES =
      new MapStateDescriptor<>("node-statuses", Types.STRING, TypeInformation.of(NodeStatus.class));
  public static final MapStateDescriptor<String, String> ASSIGNMENT =
      new MapStateDescriptor<>("assignment", Types.STRING, Types.STRING);
  /** When each task last moved, and when the last plan ran (key {@value #LAST_PLAN}), in status time. */
  public static final MapStateDescriptor<String, Long> MOVES = new MapStateDescriptor<>("moves", Types.STRING, Types.LONG);

  private static final String LAST_PLAN = "\u0000last-plan";
  private static final String HEALTH = "\u0000health";

  /** Image bytes held while nodes have not announced themselves, beside the frame-count bound: a heap bound. */
  static final long MAX_WAITING_BYTES = 64L << 20;

  private final CatalogText catalogText;
  private final String policyName;
  private final int batcherParallelism;
  private final int maxParallelism;
  private final long staleAfterMs;
  private final int maxWaiting;
  private final long replanIntervalMs;
  private final long dwellMs;

  private transient Catalog catalog;
  private transient DispatchPolicy policy;
  private transient TopologyBuilder topologies;
  private transient SubtaskKeys keys;
  private transient ListState<Frame> waitingState;
  private transient List<Frame> waiting;
  private transient long waitingBytes;
  private transient Map<String, String> assignment;
  private transient Map<String, Integer> subtaskOfNode;
  private transient Counter moveCounter;
  private transient Counter replans;

  /**
   * @param policyName dispatch policy ({@code coedge}, {@code no-offloading}, {@code naive-global})
   * @param batcherParallelism parallelism of the batcher (= nodes)
   * @param maxParallelism max parallelism of the batcher
   * @param staleAfterMs a node whose last status is older than this is treated as unhealthy
   * @param maxWaiting frames held while nodes have not announced themselves
   * @param replanIntervalMs re-plan at most this often, unless a node's health changes
   * @param dwellMs a task that moved stays at least this long, unless its node fails
   */
  public DispatchFunction(CatalogText catalog, String policyName, int batcherParallelism, int maxParallelism,
      long staleAfterMs, int maxWaiting, long replanIntervalMs, long dwellMs) {
    this.replanIntervalMs = replanIntervalMs;
    this.dwellMs = dwellMs;
    this.catalogText = catalog;
    this.policyName = policyName;
    this.batcherParallelism = batcherParallelism;
    this.maxParallelism = maxParallelism;
    this.staleAfterMs = staleAfterMs;
    this.maxWaiting = maxWaiting;
    DispatchPolicies.byName(policyName);
  }

  @Override
  public void open(OpenContext context) {
    catalog = catalogText.parse();
    policy = DispatchPolicies.byName(policyName);
    topologies = new TopologyBuilder(catalog, staleAfterMs);
    keys = new SubtaskKeys(batcherParallelism, maxParallelism);
    moveCounter = getRuntimeContext().getMetricGroup().counter("taskMoves");
    replans = getRuntimeContext().getMetricGroup().counter("replans");
    getRuntimeContext().getMetricGroup().gauge("framesWaitingForNodes", () -> waiting == null ? 0 : waiting.size());
  }

  @Override
  public void processElement(Frame frame, ReadOnlyContext ctx, Collector<RoutedFrame> out) throws Exception {
    if (assignment == null) {
      restoreRouting(ctx.getBroadcastState(STATUSES), ctx.getBroadcastState(ASSIGNMENT));
    }
    flushWaiting(ctx.currentProcessingTime(), out);
    route(frame, ctx.currentProcessingTime(), out);
  }

  /**
   * Time here is status time (the newest status timestamp), not each subtask's clock: every
   * dispatcher subtask sees the same statuses in the same order, so all of them reach the same
   * plan. Plans are rate-limited and moved tasks dwell, so live profile noise does not make
   * tasks flap between nodes; a change in any node's health re-plans at once.
   */
  @Override
  public void processBroadcastElement(NodeStatus status, Context ctx, Collector<RoutedFrame> out) throws Exception {
    BroadcastState<String, NodeStatus> statuses = ctx.getBroadcastState(STATUSES);
    NodeStatus previous = statuses.get(status.node());
    if (previous != null && previous.timestamp() > status.timestamp()) {
      return;
    }
    statuses.put(status.node(), status);
    Map<String, NodeStatus> all = new HashMap<>();
    long now = 0;
    for (Map.Entry<String, NodeStatus> e : statuses.entries()) {
      all.put(e.getKey(), e.getValue());
      now = Math.max(now, e.getValue().timestamp());
    }
    subtaskOfNode = subtasks(all);
    BroadcastState<String, Long> moves = ctx.getBroadcastState(MOVES);
    BroadcastState<String, String> assignmentState = ctx.getBroadcastState(ASSIGNMENT);
    Map<String, String> before = new HashMap<>();
    for (Map.Entry<String, String> e : assignmentState.entries()) {
      before.put(e.getKey(), e.getValue());
    }
    Topology topology = topologies.build(all, now);
    // Hearing from a node for the first time counts as a change: the plan that waited for everyone runs at once.
    long health = healthSignature(topology) * 31 + all.size();
    Long lastPlan = moves.get(LAST_PLAN);
    Long lastHealth = moves.get(HEALTH);
    boolean due = lastPlan == null || now - lastPlan >= replanIntervalMs || lastHealth == null || lastHealth != health;
    if (due) {
      Map<String, String> after = plan(all, before, now);
      for (Map.Entry<String, String> e : after.entrySet()) {
        String was = before.get(e.getKey());
        if (was == null || was.equals(e.getValue())) {
          continue;
        }
        Long moved = moves.get(e.getKey());
        boolean wasHealthy = topology.nodes().get(topology.nodeIndex(was)).healthy();
        if (moved != null && now - moved < dwellMs && wasHealthy) {
          e.setValue(was); // still dwelling where it last moved to
        } else {
          moves.put(e.getKey(), now);
          LOG.info("dispatch: task {} moves {} -> {}", e.getKey(), was, e.getValue());
          moveCounter.inc();
        }
      }
      assignmentState.clear();
      assignmentState.putAll(after);
      assignment = after;
      moves.put(LAST_PLAN, now);
      moves.put(HEALTH, health);
    } else if (assignment == null) {
      restoreRouting(ctx.getBroadcastState(STATUSES), ctx.getBroadcastState(ASSIGNMENT));
    }
    flushWaiting(ctx.currentProcessingTime(), out);
  }

  private static long healthSignature(Topology topology) {
    long signature = 0;
    for (int i = 0; i < topology.nodes().size(); i++) {
      if (topology.nodes().get(i).healthy()) {
        signature |= 1L << (i % 64);
      }
    }
    return signature * 31 + topology.nodes().size();
  }

  /**
   * Re-plans; keeps the previous plan (or origins) when no node can be planned for yet. At start
   * the first plan waits until every node has reported, or until the first report is older than
   * the staleness bound: a node not heard from yet is not a failed node, and planning without it
   * would move its tasks away only to bring them back a second later.
   */
  Map<String, String> plan(Map<String, NodeStatus> statuses, Map<String, String> before, long nowMs) {
    Topology topology = topologies.build(statuses, nowMs);
    boolean anyHealthy = topology.nodes().stream().anyMatch(n -> n.healthy());
    long firstReport = statuses.values().stream().mapToLong(NodeStatus::timestamp).min().orElse(nowMs);
    boolean everyoneHeard = statuses.keySet().containsAll(catalog.nodes().stream().map(n -> n.id()).toList());
    boolean starting = !everyoneHeard && nowMs - firstReport <= staleAfterMs;
    Map<String, String> after = new HashMap<>(before);
    if (anyHealthy && !starting) {
      try {
        after = new HashMap<>(policy.plan(topology, new Assignment(before)).nodeOfTask());
        replans.inc();
      } catch (RuntimeException e) {
        LOG.warn("dispatch policy {} could not plan; keeping the previous assignment: {}", policyName, e.getMessage());
      }
    }
    for (TaskSpec t : catalog.tasks()) {
      after.putIfAbsent(t.id(), t.origin());
    }
    return after;
  }

  private static Map<String, Integer> subtasks(Map<String, NodeStatus> statuses) {
    // Two nodes may claim one subtask after a failover; the newest claim wins.
    Map<Integer, NodeStatus> claim = new HashMap<>();
    for (NodeStatus s : statuses.values()) {
      NodeStatus other = claim.get(s.subtask());
      if (other == null || other.timestamp() < s.timestamp()) {
        claim.put(s.subtask(), s);
      }
    }
    Map<String, Integer> out = new HashMap<>();
    claim.forEach((subtask, s) -> out.put(s.node(), subtask));
    return out;
  }

  private void restoreRouting(
      ReadOnlyBroadcastState<String, NodeStatus> statuses, ReadOnlyBroadcastState<String, String> assignmentState)
      throws Exception {
    Map<String, NodeStatus> all = new HashMap<>();
    for (Map.Entry<String, NodeStatus> e : statuses.immutableEntries()) {
      all.put(e.getKey(), e.getValue());
    }
    Map<String, String> a = new HashMap<>();
    for (Map.Entry<String, String> e : assignmentState.immutableEntries()) {
      a.put(e.getKey(), e.getValue());
    }
    for (TaskSpec t : catalog.tasks()) {
      a.putIfAbsent(t.id(), t.origin());
    }
    assignment = a;
    subtaskOfNode = subtasks(all);
  }

  private void route(Frame frame, long nowMs, Collector<RoutedFrame> out) {
    String node = assignment.getOrDefault(frame.task(), frame.origin());
    Integer subtask = subtaskOfNode.get(node);
    if (subtask == null || subtask >= keys.parallelism()) {
      if (waiting.size() >= maxWaiting || waitingBytes + frame.image().length > MAX_WAITING_BYTES) {
        // Still routed rather than lost: the batcher on the origin's key index will shed or run it.
        subtask = Math.floorMod(node.hashCode(), keys.parallelism());
      } else {
        waiting.add(frame);
        waitingBytes += frame.image().length;
        return;
      }
    }
    out.collect(new RoutedFrame(frame, node, keys.keyOf(subtask), nowMs));
  }

  private void flushWaiting(long nowMs, Collector<RoutedFrame> out) {
    if (waiting.isEmpty() || assignment == null) {
      return;
    }
    List<Frame> held = new ArrayList<>(waiting);
    waiting.clear();
    waitingBytes = 0;
    for (Frame f : held) {
      route(f, nowMs, out);
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    waitingState.update(waiting);
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    waitingState =
        context.getOperatorStateStore().getListState(new ListStateDescriptor<>("frames-waiting-for-nodes", Frame.class));
    waiting = new ArrayList<>();
    for (Frame f : waitingState.get()) {
      waiting.add(f);
      waitingBytes += f.image().length;
    }
  }
}
