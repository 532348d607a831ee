package io.coedge.oip;

/**
 * The parameter names of the Open Inference Protocol requests and responses that CoEdge reads or
 * writes beside the standard fields: the sidecar's extensions (priority, deadline, its profile in
 * ModelMetadata, where a request's time went) and the parameters of Triton's system shared memory
 * extension. One list for the client and the server (docs/SIDECAR.md).
 */
public final class OipParameters {
    private OipParameters() {}

    /** Request parameters read by the sidecar. */
    public static final String PARAM_PRIORITY = "priority";

    public static final String PARAM_TIMEOUT_US = "timeout";
    public static final String PARAM_DEADLINE_EPOCH_US = "deadline";

    /** Tensor parameters of Triton's shared memory extension. */
    public static final String PARAM_SHM_REGION = "shared_memory_region";

    public static final String PARAM_SHM_OFFSET = "shared_memory_offset";
    public static final String PARAM_SHM_BYTE_SIZE = "shared_memory_byte_size";

    /** ModelMetadata parameters: the node's profile for this model (see docs/SIDECAR.md). */
    public static final String META_LATENCY_PREFIX = "latency_us_b";

    /** The median beside the p99 of {@link #META_LATENCY_PREFIX}, by batch size. */
    public static final String META_MEDIAN_PREFIX = "latency_p50_us_b";

    public static final String META_QUEUE_LENGTH = "queue_length";
    public static final String META_DEVICE = "device";
    public static final String META_MAX_BATCH_SIZE = "max_batch_size";
    public static final String META_MAX_QUEUE_SIZE = "max_queue_size";

    /**
     * ModelInfer response parameters: where this request's time went, for the caller's own profile.
     */
    public static final String RESPONSE_QUEUE_US = "coedge_queue_us";

    public static final String RESPONSE_COMPUTE_US = "coedge_compute_us";
}
