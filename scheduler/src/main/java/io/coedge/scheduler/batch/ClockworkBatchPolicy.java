package io.coedge.scheduler.batch;

import io.coedge.scheduler.model.LatencyProfile;
import java.util.List;

/**
 * Baseline: Clockwork (OSDI'20) as its paper describes the per-model scheduler. Latency estimates
 * are p99s (the profiles handed in); a batch of size b runs only if {@code start + latency(b) <=
 * deadline} for the requests in it, the largest such b is taken, and requests that cannot make it
 * even alone are dropped. There is no cross-model urgency: models are served in arrival order of
 * their oldest queued request.
 */
public record ClockworkBatchPolicy() implements BatchPolicy {

    public static final String NAME = "clockwork";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BatchDecision decide(
            long nowMicros,
            long acceleratorFreeMicros,
            ModelQueues queues,
            List<LatencyProfile> profiles) {
        long start = Math.max(nowMicros, acceleratorFreeMicros);
        int m = BatchPolicy.oldestHead(queues);
        if (m < 0) {
            return BatchDecision.IDLE;
        }
        LatencyProfile p = profiles.get(m);
        int b = p.largestBatchWithin(queues.headDeadline(m) - start, queues.size(m));
        return b == 0 ? new BatchDecision.Shed(m) : new BatchDecision.Run(m, b);
    }
}
