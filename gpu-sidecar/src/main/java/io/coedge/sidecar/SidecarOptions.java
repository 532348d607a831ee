package io.coedge.sidecar;

import java.nio.file.Path;

/**
 * How a sidecar is started. Ports 0 pick free ports (tests); {@code metricsPort} -1 disables the
 * HTTP endpoint; {@code threads} 0 lets ONNX Runtime use every core.
 */
public record SidecarOptions(
        Path modelRepository,
        String bind,
        int port,
        int metricsPort,
        String device,
        boolean strict,
        int threads,
        int maxMessageBytes,
        int concurrency,
        int warmUpRuns) {

    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    public static Builder builder(Path modelRepository) {
        return new Builder(modelRepository);
    }

    public static final class Builder {
        private final Path modelRepository;
        private String bind = "127.0.0.1";
        private int port = 8001;
        private int metricsPort = 8002;
        private String device = "cpu";
        private boolean strict;
        private int threads;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int concurrency = 1;
        private int warmUpRuns = 3;

        private Builder(Path modelRepository) {
            this.modelRepository = modelRepository;
        }

        public Builder bind(String bind) {
            this.bind = bind;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder metricsPort(int metricsPort) {
            this.metricsPort = metricsPort;
            return this;
        }

        public Builder device(String device) {
            this.device = device;
            return this;
        }

        public Builder strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder maxMessageBytes(int maxMessageBytes) {
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /**
         * Measured runs per batch size at start-up (after one unmeasured run); 0 skips measuring.
         */
        public Builder warmUpRuns(int warmUpRuns) {
            this.warmUpRuns = warmUpRuns;
            return this;
        }

        public SidecarOptions build() {
            if (maxMessageBytes < 1024) {
                throw new IllegalArgumentException(
                        "--max-message-bytes must be >= 1024, got " + maxMessageBytes);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException(
                        "--concurrency must be >= 1, got " + concurrency);
            }
            return new SidecarOptions(
                    modelRepository,
                    bind,
                    port,
                    metricsPort,
                    device,
                    strict,
                    threads,
                    maxMessageBytes,
                    concurrency,
                    warmUpRuns);
        }
    }
}
