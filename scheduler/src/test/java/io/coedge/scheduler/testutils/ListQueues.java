package io.coedge.scheduler.testutils;

import io.coedge.scheduler.batch.ModelQueues;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ModelQueues over plain lists of (deadline, arrival) pairs, for batch-policy tests. Times in
 * micros.
 */
public final class ListQueues implements ModelQueues {

    private final List<List<long[]>> queues = new ArrayList<>();
    private boolean overloaded;
    private final java.util.Set<Integer> arriving = new java.util.HashSet<>();

    public ListQueues(int models) {
        for (int i = 0; i < models; i++) {
            queues.add(new ArrayList<>());
        }
    }

    public ListQueues add(int model, long arrivalMicros, long deadlineMicros) {
        List<long[]> q = queues.get(model);
        q.add(new long[] {deadlineMicros, arrivalMicros});
        q.sort(Comparator.comparingLong((long[] f) -> f[0]));
        return this;
    }

    /** n frames for model, all arriving at arrival, deadlines at deadline, deadline + 1, ... */
    public ListQueues addMany(int model, int n, long arrivalMicros, long deadlineMicros) {
        for (int i = 0; i < n; i++) {
            add(model, arrivalMicros, deadlineMicros + i);
        }
        return this;
    }

    @Override
    public int modelCount() {
        return queues.size();
    }

    @Override
    public int size(int model) {
        return queues.get(model).size();
    }

    @Override
    public long headDeadline(int model) {
        return queues.get(model).get(0)[0];
    }

    @Override
    public long headArrival(int model) {
        return queues.get(model).get(0)[1];
    }

    /** The node's overload signal as the policy sees it. */
    public ListQueues overloaded(boolean overloaded) {
        this.overloaded = overloaded;
        return this;
    }

    /** Frames of {@code model} keep arriving (lately, whatever the window asked about). */
    public ListQueues arriving(int model) {
        arriving.add(model);
        return this;
    }

    @Override
    public int earliestDeadlines(int model, long[] out) {
        List<long[]> q = queues.get(model);
        int k = Math.min(out.length, q.size());
        for (int i = 0; i < k; i++) {
            out[i] = q.get(i)[0];
        }
        return k;
    }

    @Override
    public boolean overloaded() {
        return overloaded;
    }

    @Override
    public boolean othersQuietFor(int model, long micros) {
        return arriving.stream().allMatch(m -> m == model);
    }
}
