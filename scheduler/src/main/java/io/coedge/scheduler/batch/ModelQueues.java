package io.coedge.scheduler.batch;

/**
 * Read-only view of one node's per-model queues, as a batch policy sees them. Models are dense
 * indexes (the same order as the latency profile list handed to the policy). Each queue is ordered
 * by absolute deadline, earliest first; the policy only needs each queue's size and its head.
 *
 * <p>The node engine ({@code scheduler/node/NodeEngine}) implements it over its per-model deadline
 * heaps; the Flink operator and the simulator both drive that engine, so every policy sees the same
 * view in the job, the simulator and the tests.
 */
public interface ModelQueues {

    int modelCount();

    /** Frames queued for {@code model}. */
    int size(int model);

    /**
     * Earliest absolute deadline queued for {@code model} (epoch micros); only valid when size &gt;
     * 0.
     */
    long headDeadline(int model);

    /** When the head frame arrived at this node (epoch micros); only valid when size &gt; 0. */
    long headArrival(int model);

    /**
     * The deadlines of the {@code out.length} earliest frames of {@code model}, earliest first
     * (fewer when fewer are queued); returns how many were written.
     */
    default int earliestDeadlines(int model, long[] out) {
        if (size(model) == 0 || out.length == 0) {
            return 0;
        }
        out[0] = headDeadline(model);
        return 1;
    }

    /** Whether no frame of another model than {@code model} arrived in the last {@code micros}. */
    default boolean othersQuietFor(int model, long micros) {
        return false;
    }

    /** Whether the node cannot keep up with what arrives (its engine's overload signal). */
    default boolean overloaded() {
        return false;
    }
}
