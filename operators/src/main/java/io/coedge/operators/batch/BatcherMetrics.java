package io.coedge.operators.batch;

import io.coedge.format.FrameResult;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The node batcher's metrics in Flink's metric system, under the user scope {@code coedge},
 * labelled by node and by task ({@code addGroup(key, value)} becomes a Prometheus label):
 *
 * <ul>
 *   <li>per node ({@code coedge.node.<id>}): {@code batches}, {@code batchSize} (histogram), {@code
 *       queueLength}, {@code inFlightBatches};
 *   <li>per node and task ({@code coedge.node.<id>.task.<id>}): {@code framesIn}, {@code framesOk},
 *       {@code framesLate}, {@code framesDropped}, {@code framesError}, {@code latencyMs}
 *       (histogram of OK and LATE frames, capture to result).
 * </ul>
 *
 * Per frame this costs one hash lookup of the task's name and one counter increment (plus one
 * histogram update for a result that ran); the groups are created once per task.
 */
final class BatcherMetrics {
    static final String SCOPE = "coedge";
    static final int HISTOGRAM_WINDOW = 1000;

    private final MetricGroup nodeGroup;
    private final Map<String, TaskMetrics> tasks = new HashMap<>();
    private final Histogram batchSizes;
    private final Counter batches;

    /** One task's figures on this node. */
    private static final class TaskMetrics {
        final Counter in;
        final Counter ok;
        final Counter late;
        final Counter dropped;
        final Counter errors;
        final Histogram latencyMs;

        TaskMetrics(MetricGroup group) {
            in = group.counter("framesIn");
            ok = group.counter("framesOk");
            late = group.counter("framesLate");
            dropped = group.counter("framesDropped");
            errors = group.counter("framesError");
            latencyMs =
                    group.histogram(
                            "latencyMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        }
    }

    /**
     * @param operatorGroup the operator's metric group
     * @param node the node this batcher runs
     * @param queueLength frames queued (not yet in a batch), read when a reporter asks
     * @param inFlight batches started and not yet completed, read when a reporter asks
     * @param overloaded 1 while the node's engine finds it cannot keep up (the flag its statuses
     *     carry, docs/SCHEDULING.md "Observed overload"), else 0
     */
    BatcherMetrics(
            MetricGroup operatorGroup,
            String node,
            IntSupplier queueLength,
            IntSupplier inFlight,
            IntSupplier overloaded) {
        nodeGroup = operatorGroup.addGroup(SCOPE).addGroup("node", node);
        batches = nodeGroup.counter("batches");
        batchSizes =
                nodeGroup.histogram(
                        "batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        nodeGroup.gauge("queueLength", queueLength::getAsInt);
        nodeGroup.gauge("inFlightBatches", inFlight::getAsInt);
        nodeGroup.gauge("overloaded", overloaded::getAsInt);
    }

    private TaskMetrics task(String task) {
        TaskMetrics m = tasks.get(task);
        if (m == null) {
            m = new TaskMetrics(nodeGroup.addGroup("task", task));
            tasks.put(task, m);
        }
        return m;
    }

    /** A frame reached this node's batcher. */
    void arrived(String task) {
        task(task).in.inc();
    }

    void batch(int size) {
        batches.inc();
        batchSizes.update(size);
    }

    /** One frame's result. */
    void result(FrameResult r) {
        TaskMetrics m = task(r.task());
        switch (r.status()) {
            case OK -> m.ok.inc();
            case LATE -> m.late.inc();
            case DROPPED -> m.dropped.inc();
            case ERROR -> m.errors.inc();
        }
        if (r.status() == FrameResult.Status.OK || r.status() == FrameResult.Status.LATE) {
            m.latencyMs.update(r.latencyMs());
        }
    }
}
