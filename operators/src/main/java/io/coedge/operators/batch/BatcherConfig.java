package io.coedge.operators.batch;

import io.coedge.catalog.CatalogText;
import io.coedge.scheduler.node.NodeEngine;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;

/**
 * How the node batchers run.
 *
 * @param catalog the deployment
 * @param batchPolicy batch policy name ({@code coedge}, {@code fifo}, {@code triton}, {@code
 *     deepstream}, {@code clockwork})
 * @param localMode all subtasks share one host (MiniCluster): subtask i is the catalog's i-th node
 * @param sidecarOverrides node id -> sidecar host:port, replacing the catalog's address
 * @param maxMessageBytes gRPC message bound for a batch request and its answer
 * @param preprocessThreads threads per node that decode and resize frames in parallel
 * @param statusIntervalMs how often the node publishes its status
 * @param maxQueuedFrames frames a node holds (queued and running) before it sheds new arrivals
 *     (memory bound)
 * @param maxQueuedBytes encoded image bytes a node holds before it sheds new arrivals (memory
 *     bound)
 * @param inferTimeout bound on one sidecar call beyond the frames' deadlines
 * @param overheadMicros per-batch allowance for the call, before completions are observed
 * @param perFrameMicros per-frame allowance for pre/post-processing, before completions are
 *     observed
 * @param sharedMemory hand batches to a sidecar on the same host through shared memory (the
 *     sidecar's system shared memory extension) instead of inside the gRPC messages; falls back to
 *     messages when the sidecar is elsewhere or cannot map this host's {@code /dev/shm}
 */
public record BatcherConfig(
        CatalogText catalog,
        String batchPolicy,
        boolean localMode,
        Map<String, String> sidecarOverrides,
        int maxMessageBytes,
        int preprocessThreads,
        long statusIntervalMs,
        int maxQueuedFrames,
        long maxQueuedBytes,
        Duration inferTimeout,
        long overheadMicros,
        long perFrameMicros,
        boolean sharedMemory)
        implements Serializable {

    public static BatcherConfig defaults(
            CatalogText catalog, String batchPolicy, boolean localMode) {
        return new BatcherConfig(
                catalog,
                batchPolicy,
                localMode,
                Map.of(),
                64 << 20,
                2,
                1000,
                10_000,
                64L << 20,
                Duration.ofSeconds(30),
                2_000,
                3_000,
                true);
    }

    /**
     * How each node's engine runs: two batches in flight, this config's queue bounds and overhead
     * allowances.
     */
    public NodeEngine.Settings engineSettings() {
        return NodeEngine.Settings.defaults()
                .withBounds(maxQueuedFrames, maxQueuedBytes)
                .withAllowances(overheadMicros, perFrameMicros);
    }

    public BatcherConfig withSidecars(Map<String, String> overrides) {
        return new BatcherConfig(
                catalog,
                batchPolicy,
                localMode,
                Map.copyOf(overrides),
                maxMessageBytes,
                preprocessThreads,
                statusIntervalMs,
                maxQueuedFrames,
                maxQueuedBytes,
                inferTimeout,
                overheadMicros,
                perFrameMicros,
                sharedMemory);
    }

    /**
     * The same with other bounds on what one node holds: the heap a node's queues can take is about
     * {@code bytes}.
     */
    public BatcherConfig withQueueBounds(int frames, long bytes) {
        return new BatcherConfig(
                catalog,
                batchPolicy,
                localMode,
                sidecarOverrides,
                maxMessageBytes,
                preprocessThreads,
                statusIntervalMs,
                frames,
                bytes,
                inferTimeout,
                overheadMicros,
                perFrameMicros,
                sharedMemory);
    }

    /**
     * The same, with batches in shared memory ({@code true}, the default) or always inside the
     * messages.
     */
    public BatcherConfig withSharedMemory(boolean enabled) {
        return new BatcherConfig(
                catalog,
                batchPolicy,
                localMode,
                sidecarOverrides,
                maxMessageBytes,
                preprocessThreads,
                statusIntervalMs,
                maxQueuedFrames,
                maxQueuedBytes,
                inferTimeout,
                overheadMicros,
                perFrameMicros,
                enabled);
    }
}
