package io.coedge.scheduler.batch;

import io.coedge.scheduler.model.LatencyProfile;
import java.util.List;

/** Baseline: no batching, frames in arrival order across all models, nothing dropped. */
public record FifoBatchPolicy() implements BatchPolicy {

    public static final String NAME = "fifo";

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
        int m = BatchPolicy.oldestHead(queues);
        return m < 0 ? BatchDecision.IDLE : new BatchDecision.Run(m, 1);
    }
}
