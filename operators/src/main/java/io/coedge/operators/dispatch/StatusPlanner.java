package io.coedge.operators.dispatch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.TaskSpec;
import io.coedge.format.NodeStatus;
import io.coedge.scheduler.dispatch.DispatchPolicy;
import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.scheduler.model.Topology;
import java.util.HashMap;
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
    private Topology topology;

    /**
     * @param staleAfterMs a node whose last status is older than this is treated as unhealthy
     */
    StatusPlanner(
            Catalog catalog,
            DispatchPolicy policy,
            Replanner.Settings settings,
            long staleAfterMs) {
        this.catalog = catalog;
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
        for (NodeStatus s : statuses.values()) {
            now = Math.max(now, s.timestamp());
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
                now * 1_000);
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

    /** A stored assignment completed with every task it lacks on the task's origin. */
    Map<String, String> withOrigins(Map<String, String> assignment) {
        Map<String, String> a = new HashMap<>(assignment);
        for (TaskSpec t : catalog.tasks()) {
            a.putIfAbsent(t.id(), t.origin());
        }
        return a;
    }
}
