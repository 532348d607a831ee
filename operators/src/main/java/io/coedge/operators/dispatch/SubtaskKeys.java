package io.coedge.operators.dispatch;

import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * One key per subtask of a keyed operator: keying a record by {@code keyOf(i)} sends it to subtask
 * {@code i}, and the receiving operator still has keyed state and timers (which a custom
 * partitioner alone would not give it). The table depends on the parallelism and the maximum
 * parallelism, so both are fixed by the job.
 */
public final class SubtaskKeys {
    private final int[] keys;

    public SubtaskKeys(int parallelism, int maxParallelism) {
        keys = new int[parallelism];
        boolean[] found = new boolean[parallelism];
        int missing = parallelism;
        for (int candidate = 0; missing > 0; candidate++) {
            int subtask =
                    KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            candidate, maxParallelism, parallelism);
            if (!found[subtask]) {
                found[subtask] = true;
                keys[subtask] = candidate;
                missing--;
            }
        }
    }

    public int keyOf(int subtask) {
        return keys[subtask];
    }

    public int parallelism() {
        return keys.length;
    }
}
