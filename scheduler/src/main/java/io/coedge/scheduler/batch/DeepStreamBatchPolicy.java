package io.coedge.scheduler.batch;

import io.coedge.scheduler.model.LatencyProfile;
import java.util.List;

/**
 * Baseline: DeepStream's nvstreammux. A batch is pushed when {@code batchSize} frames are collected
 * or when {@code batched-push-timeout} has passed since the batch's first frame, whichever comes
 * first; no deadlines, nothing dropped. Models are served in order of their oldest ready batch.
 *
 * @param batchSize nvstreammux {@code batch-size} (capped by the model's max batch)
 * @param pushTimeoutMicros nvstreammux {@code batched-push-timeout} (microseconds, as in
 *     DeepStream)
 */
public record DeepStreamBatchPolicy(int batchSize, long pushTimeoutMicros) implements BatchPolicy {

    public static final String NAME = "deepstream";

    public DeepStreamBatchPolicy {
        if (batchSize < 1 || pushTimeoutMicros < 0) {
            throw new IllegalArgumentException("batch size must be >= 1 and timeout >= 0");
        }
    }

    public static DeepStreamBatchPolicy withDefaults() {
        return new DeepStreamBatchPolicy(4, 40_000);
    }

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
        int ready = -1;
        long wakeUp = Long.MAX_VALUE;
        for (int m = 0; m < queues.modelCount(); m++) {
            int queued = queues.size(m);
            if (queued == 0) {
                continue;
            }
            int full = Math.min(batchSize, profiles.get(m).maxBatch());
            long timeout = queues.headArrival(m) + pushTimeoutMicros;
            if (queued >= full || nowMicros >= timeout) {
                if (ready < 0 || queues.headArrival(m) < queues.headArrival(ready)) {
                    ready = m;
                }
            } else {
                wakeUp = Math.min(wakeUp, timeout);
            }
        }
        if (ready >= 0) {
            int full = Math.min(batchSize, profiles.get(ready).maxBatch());
            return new BatchDecision.Run(ready, Math.min(full, queues.size(ready)));
        }
        return wakeUp == Long.MAX_VALUE ? BatchDecision.IDLE : new BatchDecision.WaitUntil(wakeUp);
    }
}
