package io.coedge.operators.dispatch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.TaskSpec;
import io.coedge.format.NodeStatus;
import io.coedge.scheduler.dispatch.CoEdgeDispatch;
import io.coedge.scheduler.dispatch.DispatchPolicy;
import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Model;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Topology;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The dispatcher's re-planning on node statuses, without Flink: the nodes' latest statuses become
 * the scheduler's {@link io.coedge.scheduler.model.Topology} ({@link TopologyBuilder}) and go to
 * the {@link Replanner} from {@code scheduler/}, the class the simulator re-plans with.
 *
 * <p>Time here is status time (the newest status timestamp), not a subtask's clock: every
 * dispatcher subtask sees the same statuses in the same order, so all of them reach the same plan.
 * The start-up wait runs from the first report ever (the replanner state keeps the earliest), so a
 * node that never reports holds the first plan back at most that long.
 */
final class StatusPlanner {
    private final Catalog catalog;
    private final Replanner replanner;
    private final TopologyBuilder topologies;
    private final Map<String, String> originOfTask = new HashMap<>();
    private final DispatchPolicy policy;
    private Topology topology;
    private java.util.Set<String> overloaded = java.util.Set.of();

    /**
     * @param staleAfterMs a node whose last status is older than this is treated as unhealthy
     */
    StatusPlanner(
            Catalog catalog,
            DispatchPolicy policy,
            Replanner.Settings settings,
            long staleAfterMs) {
        this.catalog = catalog;
        this.policy = policy;
        this.replanner = new Replanner(policy, settings);
        this.topologies = new TopologyBuilder(catalog, staleAfterMs);
        for (TaskSpec t : catalog.tasks()) {
            originOfTask.put(t.id(), t.origin());
        }
    }

    /** Whether a status replaces the node's previous one: not when it is older. */
    static boolean supersedes(NodeStatus status, NodeStatus previous) {
        return previous == null || previous.timestamp() <= status.timestamp();
    }

    /**
     * @param statuses every node's latest status, by node id
     * @param state the replanner's state as stored, or null before the first status
     */
    Replanner.Outcome onStatuses(Map<String, NodeStatus> statuses, Replanner.State state) {
        long now = 0;
        long oldestReady = Long.MAX_VALUE;
        java.util.Set<String> overloaded = new java.util.HashSet<>();
        for (NodeStatus s : statuses.values()) {
            now = Math.max(now, s.timestamp());
            if (Boolean.TRUE.equals(s.overloaded())) {
                overloaded.add(s.node());
            }
            if (s.healthy()) {
                oldestReady = Math.min(oldestReady, s.timestamp());
            }
        }
        topology = topologies.build(statuses, now);
        // The start-up wait runs from the first report of a node ready to serve: on the testbed a
        // CPU-capped TaskManager's first sidecar polls can fail for ten seconds after it reports,
        // and a wait that ran from those reports ended with one node ready and put every task
        // there.
        return replanner.onStatus(
                state == null ? Replanner.State.initial() : state,
                topology,
                originOfTask,
                statuses.keySet(),
                oldestReady == Long.MAX_VALUE ? Long.MAX_VALUE : oldestReady * 1_000,
                now * 1_000,
                this.overloaded = java.util.Set.copyOf(overloaded));
    }

    /**
     * The topology of the latest statuses (links at their measured bandwidth while fresh), or the
     * catalog's before the first status.
     */
    Topology topology() {
        if (topology == null) {
            topology = topologies.build(Map.of(), 0);
        }
        return topology;
    }

    /**
     * Why a plan wants moves, for the log: each node's pressure (CoEdge's ratio of estimated
     * latency to budget, {@link CoEdgeDispatch#pressures}) under the assignment in force and under
     * the plan's, and each node's planning latency of one frame per model, from the latest
     * topology; a node that reports it cannot keep up is marked overloaded. An operator reading
     * "task RES1 moves node3 -> node1" can see what the plan saw. Other policies get the latencies
     * only.
     */
    String explain(Map<String, String> before, Map<String, String> planned) {
        Topology t = topology();
        StringBuilder out = new StringBuilder();
        double[] was = null;
        double[] will = null;
        if (policy instanceof CoEdgeDispatch coedge) {
            was = coedge.pressures(t, new Assignment(withOrigins(before)));
            will = coedge.pressures(t, new Assignment(withOrigins(planned)));
        }
        for (int n = 0; n < t.nodes().size(); n++) {
            NodeProfile node = t.nodes().get(n);
            if (n > 0) {
                out.append("; ");
            }
            out.append(node.name());
            if (!node.healthy()) {
                out.append(" (unhealthy)");
            } else if (overloaded.contains(node.name())) {
                out.append(" (overloaded)");
            }
            if (was != null) {
                out.append(String.format(Locale.ROOT, " pressure %.2f -> %.2f", was[n], will[n]));
            }
            out.append(" [");
            boolean first = true;
            for (Model m : t.models()) {
                LatencyProfile p = node.effectiveProfile(m);
                if (p == null) {
                    continue;
                }
                out.append(first ? "" : ", ")
                        .append(m.name())
                        .append(
                                String.format(
                                        Locale.ROOT, " %.1f ms", p.latencyMicros(1) / 1000.0));
                first = false;
            }
            out.append(']');
        }
        return out.toString();
    }

    /** A stored assignment completed with every task it lacks on the task's origin. */
    Map<String, String> withOrigins(Map<String, String> assignment) {
        Map<String, String> a = new HashMap<>(assignment);
        for (TaskSpec t : catalog.tasks()) {
            a.putIfAbsent(t.id(), t.origin());
        }
        return a;
    }
}
