package io.coedge.oip;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An inference call. {@code deadline} is absolute (the frame's deadline), {@code timeout} relative;
 * either bounds the call on the client (gRPC deadline) and on the server (parameters {@code
 * deadline} in epoch microseconds and Triton's {@code timeout}).
 */
public record InferRequest(
        String model,
        String version,
        String id,
        List<InferInput> inputs,
        List<String> outputs,
        Map<String, SharedMemoryRef> outputTargets,
        Optional<Instant> deadline,
        Optional<Duration> timeout,
        long priority) {

    public static Builder builder(String model) {
        return new Builder(model);
    }

    public static final class Builder {
        private final String model;
        private String version = "";
        private String id = "";
        private final List<InferInput> inputs = new ArrayList<>();
        private final List<String> outputs = new ArrayList<>();
        private final Map<String, SharedMemoryRef> outputTargets = new LinkedHashMap<>();
        private Instant deadline;
        private Duration timeout;
        private long priority;

        private Builder(String model) {
            this.model = model;
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder input(InferInput input) {
            inputs.add(input);
            return this;
        }

        /** Restricts the response to these outputs; without any, every output is returned. */
        public Builder output(String name) {
            outputs.add(name);
            return this;
        }

        /**
         * Asks for this output to be written into a registered shared memory region instead of the
         * response.
         */
        public Builder output(String name, SharedMemoryRef target) {
            outputs.add(name);
            outputTargets.put(name, target);
            return this;
        }

        public Builder deadline(Instant deadline) {
            this.deadline = deadline;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Triton priority level: 1 is the highest, 0 the default. */
        public Builder priority(long priority) {
            this.priority = priority;
            return this;
        }

        public InferRequest build() {
            return new InferRequest(
                    model,
                    version,
                    id,
                    List.copyOf(inputs),
                    List.copyOf(outputs),
                    Map.copyOf(outputTargets),
                    Optional.ofNullable(deadline),
                    Optional.ofNullable(timeout),
                    priority);
        }
    }
}
