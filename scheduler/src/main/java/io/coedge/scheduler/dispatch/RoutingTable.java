package io.coedge.scheduler.dispatch;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.Topology;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-frame routing lookup derived from an {@link Assignment}: task -> node in O(1). Built once
 * per re-plan; a Flink partitioner holds the current table and swaps it atomically on a new plan.
 * Use the int overloads on the hot path (one array read); the String overload costs one hash
 * lookup.
 */
public final class RoutingTable {

    private final int[] nodeOfTask;
    private final List<String> nodeNames;
    private final Map<String, Integer> taskIndex;

    public RoutingTable(Topology topology, Assignment assignment) {
        int t = topology.tasks().size();
        this.nodeOfTask = new int[t];
        this.taskIndex = new HashMap<>(t * 2);
        this.nodeNames = topology.nodes().stream().map(n -> n.name()).toList();
        for (int i = 0; i < t; i++) {
            String id = topology.tasks().get(i).id();
            String node = assignment.nodeOf(id);
            if (node == null) {
                throw new IllegalArgumentException("assignment has no node for task " + id);
            }
            nodeOfTask[i] = topology.nodeIndex(node);
            taskIndex.put(id, i);
        }
    }

    /** Node index for a task index (indexes as in the topology). */
    public int nodeOf(int taskIndex) {
        return nodeOfTask[taskIndex];
    }

    /** Node index for a task id, or -1 when the task is unknown. */
    public int nodeOf(String taskId) {
        Integer i = taskIndex.get(taskId);
        return i == null ? -1 : nodeOfTask[i];
    }

    public String nodeName(int nodeIndex) {
        return nodeNames.get(nodeIndex);
    }
}
