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
}
