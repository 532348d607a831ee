package io.coedge.sidecar.scheduling;

import io.coedge.sidecar.runtime.ModelInstance;
import io.grpc.Status;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One inference request waiting for the accelerator. It ends exactly once: executed, refused, shed
 * from the queue, or cancelled by its caller.
 */
public final class ScheduledRequest {
    /** What the request does when its turn comes, and how it reports the outcome. */
    public interface Work {
        /** Runs the model; called on an executor thread, at most once. */
        void execute() throws Exception;

        /** Sends the result; called after a successful {@link #execute()}. */
        void succeed(long queueNanos, long computeNanos);

        /** Sends an error; called at most once, instead of {@link #succeed}. */
        void fail(Status status, String reason);

        /** Asks a running execution to stop because the caller went away. */
        default void terminate() {}
    }

    static final int QUEUED = 0;
    static final int RUNNING = 1;
    static final int DONE = 2;

    /**
     * Deadline used for requests that carry none: they sort after every request with a deadline.
     */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    final ModelInstance model;
    final int batchSize;
    final long deadlineNanos;
    final long priority;
    final Work work;
    long sequence;
    long enqueuedNanos;

    /** A re-profiling probe ({@link Reprofiler}), not a caller's request. */
    final boolean probe;

    /** Admitted at an idle accelerator: judged on its model's median, not its p99. */
    volatile boolean onMedian;

    final AtomicInteger state = new AtomicInteger(QUEUED);
    volatile ScheduledFuture<?> shedTimer;

    /**
     * @param deadlineNanos on the scheduler's nanosecond clock, or {@link #NO_DEADLINE}
     * @param priority lower is more urgent; breaks ties between equal deadlines
     */
    public ScheduledRequest(
            ModelInstance model, int batchSize, long deadlineNanos, long priority, Work work) {
        this(model, batchSize, deadlineNanos, priority, work, false);
    }

    ScheduledRequest(
            ModelInstance model,
            int batchSize,
            long deadlineNanos,
            long priority,
            Work work,
            boolean probe) {
        this.probe = probe;
        this.model = model;
        this.batchSize = batchSize;
        this.deadlineNanos = deadlineNanos;
        this.priority = priority;
        this.work = work;
    }

    public long deadlineNanos() {
        return deadlineNanos;
    }

    public int batchSize() {
        return batchSize;
    }
}
