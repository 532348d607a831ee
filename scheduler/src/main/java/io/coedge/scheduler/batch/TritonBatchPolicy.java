package io.coedge.scheduler.batch;

import io.coedge.scheduler.model.LatencyProfile;
import java.util.Arrays;
import java.util.List;

/**
 * Baseline: the NVIDIA Triton dynamic batcher as its model configuration documents it. Per model, a
 * batch is sent when the largest preferred batch size can be formed (or max_batch_size is reached);
 * otherwise the batcher holds requests until the oldest has waited {@code max_queue_delay}, then
 * sends what it has (up to max_batch_size). There is no deadline-driven batch size and no dropping
 * of queued requests (Triton's queue-policy timeouts are off by default). Models share the
 * accelerator in order of their oldest ready request. Queue delay is measured from the head frame's
 * arrival.
 *
 * @param preferredBatchSizes Triton's {@code preferred_batch_size}; empty means only max batch
 * @param maxQueueDelayMicros Triton's {@code max_queue_delay_microseconds}
 */
public record TritonBatchPolicy(int[] preferredBatchSizes, long maxQueueDelayMicros)
        implements BatchPolicy {

    public static final String NAME = "triton";

    public TritonBatchPolicy {
        preferredBatchSizes = preferredBatchSizes.clone();
        Arrays.sort(preferredBatchSizes);
        if (maxQueueDelayMicros < 0) {
            throw new IllegalArgumentException("max queue delay must not be negative");
        }
    }

    public static TritonBatchPolicy withDefaults() {
        return new TritonBatchPolicy(new int[] {4, 8}, 5_000);
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
        int readySize = 0;
        long wakeUp = Long.MAX_VALUE;
        for (int m = 0; m < queues.modelCount(); m++) {
            int queued = queues.size(m);
            if (queued == 0) {
                continue;
            }
            int size =
                    readyBatch(
                            queued, profiles.get(m).maxBatch(), nowMicros - queues.headArrival(m));
            if (size > 0) {
                if (ready < 0 || queues.headArrival(m) < queues.headArrival(ready)) {
                    ready = m;
                    readySize = size;
                }
            } else {
                wakeUp = Math.min(wakeUp, queues.headArrival(m) + maxQueueDelayMicros);
            }
        }
        if (ready >= 0) {
            return new BatchDecision.Run(ready, readySize);
        }
        return wakeUp == Long.MAX_VALUE ? BatchDecision.IDLE : new BatchDecision.WaitUntil(wakeUp);
    }

    /** Size of the batch the dynamic batcher would send now, or 0 to keep waiting. */
    private int readyBatch(int queued, int maxBatch, long oldestWaitedMicros) {
        if (queued >= maxBatch) {
            return maxBatch;
        }
        for (int i = preferredBatchSizes.length - 1; i >= 0; i--) {
            int pref = preferredBatchSizes[i];
            if (pref <= maxBatch && pref <= queued && pref > 0) {
                return pref;
            }
        }
        return oldestWaitedMicros >= maxQueueDelayMicros ? queued : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TritonBatchPolicy t
                && Arrays.equals(preferredBatchSizes, t.preferredBatchSizes)
                && maxQueueDelayMicros == t.maxQueueDelayMicros;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(preferredBatchSizes) + Long.hashCode(maxQueueDelayMicros);
    }

    @Override
    public String toString() {
        return "TritonBatchPolicy[preferredBatchSizes="
                + Arrays.toString(preferredBatchSizes)
                + ", maxQueueDelayMicros="
                + maxQueueDelayMicros
                + "]";
    }
}
