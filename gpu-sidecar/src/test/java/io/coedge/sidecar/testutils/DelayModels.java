package io.coedge.sidecar.testutils;

import io.coedge.oip.InferInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Models of the delay runtime ({@code backend: "coedge_delay"}) written into a test repository:
 * FP32 {@code input} and {@code output} of the same dims (so the output is a copy of the input), an
 * execution time of {@code delayUs + perItemUs x batch size}, and an optional queue bound.
 */
public final class DelayModels {
    private DelayModels() {}

    /** What a test needs to call one. */
    public record DelayModel(
            String name, long[] dims, int maxBatchSize, long delayUs, long perItemUs) {
        /** Execution time of one batch, as configured. */
        public long delayNanos(int batch) {
            return (delayUs + perItemUs * batch) * 1000;
        }

        /**
         * {@code batch} frames (or one request of a model that does not batch) of the given value.
         */
        public InferInput input(int batch, float value) {
            long[] shape = shape(batch);
            float[] values =
                    new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
            Arrays.fill(values, value);
            return InferInput.fp32("input", shape, values);
        }

        /** The request shape; a variable dimension is sent as 1. */
        public long[] shape(int batch) {
            long[] frame = Arrays.stream(dims).map(d -> d < 0 ? 1 : d).toArray();
            if (maxBatchSize == 0) {
                return frame;
            }
            long[] shape = new long[frame.length + 1];
            shape[0] = batch;
            System.arraycopy(frame, 0, shape, 1, frame.length);
            return shape;
        }
    }

    public static DelayModel write(
            Path repository,
            String name,
            long[] dims,
            int maxBatchSize,
            long delayUs,
            long perItemUs,
            int maxQueueSize)
            throws IOException {
        String d = Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining(", "));
        String config =
                "name: \""
                        + name
                        + "\"\n"
                        + "backend: \"coedge_delay\"\n"
                        + "max_batch_size: "
                        + maxBatchSize
                        + "\n"
                        + "input [ { name: \"input\" data_type: TYPE_FP32 dims: [ "
                        + d
                        + " ] } ]\n"
                        + "output [ { name: \"output\" data_type: TYPE_FP32 dims: [ "
                        + d
                        + " ] } ]\n"
                        + "parameters { key: \"execute_delay_us\" value { string_value: \""
                        + delayUs
                        + "\" } }\n"
                        + "parameters { key: \"execute_delay_per_item_us\" value { string_value: \""
                        + perItemUs
                        + "\" } }\n"
                        + (maxQueueSize > 0
                                ? "dynamic_batching { default_queue_policy { max_queue_size: "
                                        + maxQueueSize
                                        + " } }\n"
                                : "");
        Path dir = repository.resolve(name);
        Files.createDirectories(dir.resolve("1"));
        Files.writeString(dir.resolve("config.pbtxt"), config);
        return new DelayModel(name, dims.clone(), maxBatchSize, delayUs, perItemUs);
    }
}
