package io.coedge.scheduler.model;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Which node runs which task: the dispatcher's output (task id -> node name). */
public record Assignment(Map<String, String> nodeOfTask) {

    public static final Assignment EMPTY = new Assignment(Map.of());

    public Assignment {
        nodeOfTask = Map.copyOf(nodeOfTask);
    }

    public String nodeOf(String taskId) {
        return nodeOfTask.get(taskId);
    }

    /** Node name -> sorted task ids on it; nodes without tasks are absent. */
    public Map<String, Set<String>> tasksByNode() {
        Map<String, Set<String>> out = new TreeMap<>();
        nodeOfTask.forEach(
                (task, node) -> out.computeIfAbsent(node, n -> new TreeSet<>()).add(task));
        return out;
    }

    /** Number of tasks whose node differs from {@code other}. */
    public int movesFrom(Assignment other) {
        int moves = 0;
        for (Map.Entry<String, String> e : nodeOfTask.entrySet()) {
            String before = other.nodeOfTask.get(e.getKey());
            if (before != null && !before.equals(e.getValue())) {
                moves++;
            }
        }
        return moves;
    }
}
