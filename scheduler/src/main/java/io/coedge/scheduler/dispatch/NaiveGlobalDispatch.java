package io.coedge.scheduler.dispatch;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The talk's second baseline, "naive global allocation": tasks are placed only by estimated compute
 * performance. Each task's demand on a node is frame rate x batch-1 latency (stretched by the
 * node's background load); tasks are taken in decreasing demand on their origin and each goes to
 * the reachable node with the lowest utilisation after placing it (longest-processing-time-first
 * list scheduling). It is blind to transfer time, deadlines and batching, by design. Reachability
 * is still respected: a node that has no link from the task's origin cannot receive its frames.
 */
public record NaiveGlobalDispatch() implements DispatchPolicy {

    public static final String NAME = "naive-global";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Assignment plan(Topology topology, Assignment previous) {
        List<NodeProfile> nodes = topology.nodes();
        double[] util = new double[nodes.size()];
        List<Task> order = new ArrayList<>(topology.tasks());
        order.sort(
                Comparator.comparingDouble(
                        (Task t) -> -demand(t, nodes.get(topology.nodeIndex(t.origin())))));
        Map<String, String> out = new HashMap<>();
        for (Task t : order) {
            int origin = topology.nodeIndex(t.origin());
            int best = origin;
            double bestUtil = Double.POSITIVE_INFINITY;
            for (int d : candidates(topology, origin)) {
                NodeProfile node = nodes.get(d);
                if (!node.healthy() || !node.canRun(t.model())) {
                    continue;
                }
                double u = util[d] + demand(t, node);
                if (u < bestUtil) {
                    bestUtil = u;
                    best = d;
                }
            }
            if (bestUtil < Double.POSITIVE_INFINITY) {
                util[best] = bestUtil;
            }
            out.put(t.id(), nodes.get(best).name());
        }
        return new Assignment(out);
    }

    private static int[] candidates(Topology topology, int origin) {
        int[] nb = topology.neighbours(origin);
        int[] all = new int[nb.length + 1];
        all[0] = origin;
        System.arraycopy(nb, 0, all, 1, nb.length);
        java.util.Arrays.sort(all);
        return all;
    }

    private static double demand(Task t, NodeProfile node) {
        LatencyProfile p = node.effectiveProfile(t.model());
        if (p == null) {
            return Double.POSITIVE_INFINITY;
        }
        return t.frameRate() * p.latencyMicros(1) / 1e6;
    }
}
