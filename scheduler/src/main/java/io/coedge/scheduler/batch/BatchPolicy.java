package io.coedge.scheduler.batch;

import io.coedge.scheduler.model.LatencyProfile;
import java.util.List;

/**
 * The local task scheduler on one node: a pure function from the node's queues, its latency
 * profiles and the time to the next action. Call it when a frame arrives while the accelerator is
 * idle, when the accelerator becomes free, and when a timer requested by {@link
 * BatchDecision.WaitUntil} fires. Implementations hold configuration only; any two calls with equal
 * arguments return equal decisions.
 */
public interface BatchPolicy {

    /** Name used on the command line and in reports, e.g. {@code coedge}. */
    String name();

    /**
     * @param nowMicros current time (epoch micros) from the caller's {@link
     *     io.coedge.scheduler.model.Clock}
     * @param acceleratorFreeMicros when the accelerator can start the next batch (&lt;= now when
     *     idle)
     * @param queues the node's per-model queues
     * @param profiles latency profile of each model index on this node, as the policy should plan
     *     with (e.g. a p99 estimate); null for models the node lacks
     */
    BatchDecision decide(
            long nowMicros,
            long acceleratorFreeMicros,
            ModelQueues queues,
            List<LatencyProfile> profiles);

    /**
     * The same decision when the caller also knows when the accelerator is <em>typically</em> free:
     * the running work's predicted end by its typical (median) run time, where {@code
     * acceleratorFreeMicros} is its end by the pessimistic estimate (the p99 the profiles hold). A
     * policy that drops frames should drop only those that cannot make their deadline even from the
     * typical free time: the running batch's end is a guess that the policy sees replaced by the
     * truth when it is asked again at that end, while a shed frame is gone. Batches are sized and
     * ordered from {@code acceleratorFreeMicros}. Policies that do not drop by prediction ignore
     * the typical free time: this default. The node engine passes the pessimistic end here too
     * while its node is overloaded (see {@code io.coedge.scheduler.node.OverloadSignal}): there a
     * kept frame that then misses costs the frames behind it.
     *
     * @param typicalFreeMicros when the accelerator is typically free (&lt;= {@code
     *     acceleratorFreeMicros}; &lt;= now when idle)
     * @param acceleratorFreeMicros when it is free at worst, the time to plan batches from
     */
    default BatchDecision decide(
            long nowMicros,
            long typicalFreeMicros,
            long acceleratorFreeMicros,
            ModelQueues queues,
            List<LatencyProfile> profiles) {
        return decide(nowMicros, acceleratorFreeMicros, queues, profiles);
    }

    /**
     * Whether the node engine may run a head this policy sheds, alone and next, when the typical
     * estimate says it makes its deadline (the running batch ends as usual, the head runs alone as
     * usual) on a node that keeps up: a shed is a certain miss, the run a likely hit. The coedge
     * policy allows it; a baseline that sheds on its own pessimistic prediction (Clockwork) does
     * not, and neither does this default.
     */
    default boolean runsHeadsTheTypicalEstimateMeets() {
        return false;
    }

    /**
     * The model whose head frame arrived first (ties: lowest index), or -1 when all queues are
     * empty.
     */
    static int oldestHead(ModelQueues q) {
        int best = -1;
        for (int m = 0; m < q.modelCount(); m++) {
            if (q.size(m) > 0 && (best < 0 || q.headArrival(m) < q.headArrival(best))) {
                best = m;
            }
        }
        return best;
    }

    /**
     * The model whose head frame has the earliest deadline (ties: lowest index), or -1 when all are
     * empty.
     */
    static int mostUrgent(ModelQueues q) {
        int best = -1;
        for (int m = 0; m < q.modelCount(); m++) {
            if (q.size(m) > 0 && (best < 0 || q.headDeadline(m) < q.headDeadline(best))) {
                best = m;
            }
        }
        return best;
    }
}
