package io.coedge.operators.batch;

import io.coedge.catalog.Catalog;
import io.coedge.oip.ModelProfile;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the batches the node engine starts: pre-processing, the inference call, post-processing, all
 * off the task thread. The batcher's one link to the accelerator: {@link SidecarExecutor} talks to
 * the node's sidecar; tests hand in an executor that takes exactly the time they set.
 */
public interface InferenceExecutor extends AutoCloseable {

    /** What the sidecar last said of itself, for the node's status. */
    SidecarView view();

    /**
     * Runs one batch of {@code model} (the catalog's model index).
     *
     * @param deadlineMicros the latest deadline among the frames, for the call's own deadline
     */
    CompletableFuture<BatchOutcome> run(int model, List<QueuedFrame> frames, long deadlineMicros);

    @Override
    void close();

    /** The sidecar as last polled: ready, device and per-model profiles (p99 by batch size). */
    record SidecarView(
            boolean ready, String reason, String device, Map<String, ModelProfile> profiles) {
        /**
         * Before the first poll answers nothing is known: the node stays silent rather than
         * announce itself unhealthy, which would move its tasks away (and make them dwell
         * elsewhere) for nothing.
         */
        public static final SidecarView NOT_POLLED =
                new SidecarView(false, "not polled yet", "", Map.of());
    }

    /**
     * Where the executor runs.
     *
     * @param node the node this batcher subtask runs
     * @param sidecarTarget host:port of the node's sidecar
     * @param sharedMemoryName a name for this subtask's shared memory region, unique on the host
     * @param slots batches in flight at once (shared memory slots needed)
     */
    record Context(
            Catalog catalog,
            BatcherConfig config,
            String node,
            String sidecarTarget,
            String sharedMemoryName,
            int slots) {
        /**
         * For batcher subtask {@code subtask} of job {@code jobId}: a region name unique on the
         * host, a slot per batch in flight and one more.
         */
        public static Context of(
                Catalog catalog,
                BatcherConfig config,
                String node,
                String sidecarTarget,
                String jobId,
                int subtask) {
            return new Context(
                    catalog,
                    config,
                    node,
                    sidecarTarget,
                    "coedge-" + jobId.substring(0, 8) + "-" + node + "-" + subtask,
                    config.engineSettings().maxInFlight() + 1);
        }
    }

    /** Creates the executor when the operator opens (so it ships with the job graph). */
    @FunctionalInterface
    interface Factory extends Serializable {
        InferenceExecutor create(Context context);
    }
}
