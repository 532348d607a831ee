package io.coedge.sidecar.repository;

import java.util.List;
import java.util.Optional;

/**
 * What the sidecar serves for one model: from config.pbtxt when present, else derived from the ONNX
 * graph. {@code maxBatchSize} 0 means the model does not batch; {@code maxQueueSize} 0 means the
 * queue is unbounded.
 */
public record ServedModel(
        String name,
        String platform,
        int maxBatchSize,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs,
        int maxQueueSize) {

    public static final String PLATFORM = "onnxruntime_onnx";

    /**
     * config.pbtxt {@code backend} of the delay runtime ({@code runtime/DelayModel}); also its
     * served platform.
     */
    public static final String DELAY_BACKEND = "coedge_delay";

    public boolean batching() {
        return maxBatchSize > 0;
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
