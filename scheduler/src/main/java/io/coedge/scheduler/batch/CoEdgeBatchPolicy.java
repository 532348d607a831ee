package io.coedge.scheduler.batch;

import io.coedge.scheduler.model.LatencyProfile;
import java.util.List;

/**
 * CoEdge's batched real-time DNN execution:
 *
 * <ol>
 *   <li>shed, one at a time, any head frame that cannot meet its deadline even in a batch of one
 *       (queues are deadline-ordered, so these are exactly the queue prefixes). The batch of one
 *       starts when the accelerator is <em>typically</em> free: while a batch runs, its end is a
 *       guess (the caller's pessimistic one is the p99, on a shared CPU far above the typical run),
 *       and the policy is asked again when it really ends, so only a frame that misses even if the
 *       running work ends as usual is hopeless. The frame's own run is planned pessimistically: a
 *       frame likely to miss would take accelerator time from the frames behind it;
 *   <li>pick the most urgent model: argmin over models of the earliest queued deadline;
 *   <li>pick the largest batch b whose profiled latency lets every frame in it finish by its
 *       deadline when started at the (pessimistic) free time. The batch holds the b earliest
 *       deadlines, so that is {@code start + latency(b) <= headDeadline}. When the head fits only
 *       if the running work ends as usual, it runs alone;
 *   <li>on an overloaded node ({@link ModelQueues#overloaded()}) whose other models sent nothing
 *       for {@link #OTHERS_QUIET_MICROS}: shed the head when the frames behind it make a larger
 *       batch that meets all their deadlines at more frames per accelerator second ({@link
 *       #fasterBatchBehindHead}); a node that cannot keep up then serves more frames on time;
 *   <li>if that batch takes the model's whole queue, no other model is waiting and the head frame's
 *       slack would still allow one frame more, wait — at most {@code waitFraction} of the slack
 *       left after a batch of b + 1 — for more frames to batch with.
 * </ol>
 *
 * <p>{@link #withDefaults()} does not wait ({@code waitFraction = 0}): in every shipped scenario an
 * idle accelerator that waits costs deadline misses under overload (e.g. load-sweep at 1.5x: 6.82%
 * DMR with 0.1 or 0.5 vs 6.77% work-conserving), because frames keep arriving while a batch runs
 * and the next batch grows on its own. Waiting pays only for a lightly loaded node that must save
 * energy or share the accelerator; configure it per scenario with {@code
 * batching.coedge.waitFraction}.
 *
 * <p>Why not also shed by the frame's typical run time and run at-risk frames alone: on an
 * overloaded node that trades batches for single runs that often miss, and loses more than it saves
 * (simulator: load-sweep at 1.5x 7.10% DMR instead of 6.77%, city 0.49% instead of 0.47%,
 * bench-contended without offloading 12.74% instead of 7.44%). The pessimism that cost frames was
 * in the running batch's end.
 *
 * <p>Called without a typical free time ({@link #decide(long, long, ModelQueues, List)}), the
 * typical free time is taken to be the pessimistic one.
 */
public record CoEdgeBatchPolicy(double waitFraction) implements BatchPolicy {

    public static final String NAME = "coedge";

    public CoEdgeBatchPolicy {
        if (!(waitFraction >= 0 && waitFraction < 1)) {
            throw new IllegalArgumentException("waitFraction must be in [0, 1)");
        }
    }

    public static CoEdgeBatchPolicy withDefaults() {
        return new CoEdgeBatchPolicy(0.0);
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Yes: a frame is shed on the pessimistic estimate so that a frame that then misses does not
     * take accelerator time from the frames behind it; on a node that keeps up there is slack for a
     * head the typical estimate says makes it, and its miss costs no more than its shed.
     */
    @Override
    public boolean runsHeadsTheTypicalEstimateMeets() {
        return true;
    }

    @Override
    public BatchDecision decide(
            long nowMicros,
            long acceleratorFreeMicros,
            ModelQueues queues,
            List<LatencyProfile> profiles) {
        return decide(nowMicros, acceleratorFreeMicros, acceleratorFreeMicros, queues, profiles);
    }

    @Override
    public BatchDecision decide(
            long nowMicros,
            long typicalFreeMicros,
            long acceleratorFreeMicros,
            ModelQueues queues,
            List<LatencyProfile> profiles) {
        long start = Math.max(nowMicros, acceleratorFreeMicros);
        long typicalStart = Math.max(nowMicros, Math.min(typicalFreeMicros, acceleratorFreeMicros));
        int queuedModels = 0;
        for (int m = 0; m < queues.modelCount(); m++) {
            if (queues.size(m) > 0) {
                queuedModels++;
                if (typicalStart + profiles.get(m).latencyMicros(1) > queues.headDeadline(m)) {
                    return new BatchDecision.Shed(m);
                }
            }
        }
        int m = BatchPolicy.mostUrgent(queues);
        if (m < 0) {
            return BatchDecision.IDLE;
        }
        LatencyProfile p = profiles.get(m);
        int queued = queues.size(m);
        long head = queues.headDeadline(m);
        int b = p.largestPayingBatch(p.largestBatchWithin(head - start, queued));
        if (b == 0) {
            // in time only if the running work ends as usual: not hopeless, so it runs (alone) next
            return new BatchDecision.Run(m, 1);
        }
        if (queued > b
                && b < p.maxBatch()
                && queues.overloaded()
                && queues.othersQuietFor(m, OTHERS_QUIET_MICROS)) {
            int faster = fasterBatchBehindHead(queues, m, p, start, b);
            if (faster > 0) {
                return new BatchDecision.Shed(m, faster);
            }
        }
        if (b == queued
                && b < p.maxBatch()
                && p.batchPays(b + 1)
                && queuedModels == 1
                && waitFraction > 0) {
            long latestStartForMore = head - p.latencyMicros(b + 1);
            long waitUntil = start + (long) ((latestStartForMore - start) * waitFraction);
            if (waitUntil > nowMicros) {
                return new BatchDecision.WaitUntil(waitUntil);
            }
        }
        return new BatchDecision.Run(m, b);
    }

    /**
     * How long no frame of another model may have reached the node before the head of one gives way
     * to a faster batch behind it: a longer batch of one model would hold up the next frame of
     * another (load-sweep and cloud without offloading: 13.76 -> 19.78% and 27.73 -> 35.73% DMR
     * when heads gave way whatever else the node ran).
     */
    static final long OTHERS_QUIET_MICROS = 1_000_000;

    /**
     * A batch of the frames behind the head of {@code m} that meets all their deadlines from {@code
     * start} and runs more frames per accelerator second than the batch of {@code b} the head
     * allows: the largest such batch after leaving the fewest frames (k >= 1) that yields one; 0
     * when none does. Looks at most two largest batches deep into the queue.
     */
    static int fasterBatchBehindHead(
            ModelQueues queues, int m, LatencyProfile p, long start, int b) {
        int queued = queues.size(m);
        long[] deadlines = new long[Math.min(queued, 2 * p.maxBatch())];
        int n = queues.earliestDeadlines(m, deadlines);
        double rate = b / (double) p.latencyMicros(b);
        for (int k = 1; k < n; k++) {
            int bk = p.largestPayingBatch(p.largestBatchWithin(deadlines[k] - start, queued - k));
            if (bk > b && bk / (double) p.latencyMicros(bk) > rate) {
                return bk;
            }
        }
        return 0;
    }
}
