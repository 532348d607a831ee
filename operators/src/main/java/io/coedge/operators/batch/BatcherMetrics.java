package io.coedge.operators.batch;

import io.coedge.format.FrameResult;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The node batcher's metrics in Flink's metric system: outcomes, latency, batch sizes, queue
 * length.
 */
final class BatcherMetrics {
    private final Counter ok;
    private final Counter late;
    private final Counter dropped;
    private final Counter errors;
    private final Histogram batchSizes;
    private final Histogram latencyMs;

    BatcherMetrics(MetricGroup group, IntSupplier queueLength) {
        ok = group.counter("framesOk");
        late = group.counter("framesLate");
        dropped = group.counter("framesShed");
        errors = group.counter("framesError");
        batchSizes = group.histogram("batchSize", new DescriptiveStatisticsHistogram(1000));
        latencyMs = group.histogram("latencyMs", new DescriptiveStatisticsHistogram(1000));
        group.gauge("queueLength", queueLength::getAsInt);
        group.gauge(
                "deadlineMisses", () -> late.getCount() + dropped.getCount() + errors.getCount());
    }

    void batch(int size) {
        batchSizes.update(size);
    }

    /** One frame's result. */
    void result(FrameResult r) {
        switch (r.status()) {
            case OK -> ok.inc();
            case LATE -> late.inc();
            case DROPPED -> dropped.inc();
            case ERROR -> errors.inc();
        }
        if (r.status() == FrameResult.Status.OK || r.status() == FrameResult.Status.LATE) {
            latencyMs.update(r.latencyMs());
        }
    }
}
