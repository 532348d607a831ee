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
}
