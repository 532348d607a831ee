package io.coedge.sidecar;

import java.nio.file.Path;

/**
 * How a sidecar is started. Ports 0 pick free ports (tests); {@code metricsPort} -1 disables the
 * HTTP endpoint; {@code threads} 0 lets ONNX Runtime use every core, {@link #AUTO_THREADS} (the
 * default) leaves one core to gRPC and the TaskManager beside it (see {@link #intraOpThreads}).
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
        int warmUpRuns,
        long reprofileAfterMillis) {

    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    /**
     * {@code --reprofile-after}'s default: a single-frame figure older than this is re-measured.
     */
    public static final long DEFAULT_REPROFILE_AFTER_MILLIS = 10_000;

    /** {@code --threads auto}: one intra-op thread fewer than the cores, at least one. */
    public static final int AUTO_THREADS = -1;

    /**
     * The intra-op threads the sessions get: {@code threads} as given (0: ONNX Runtime's default,
     * every core), or for {@link #AUTO_THREADS} the cores of this machine less one, at least one
     * (docs/SIDECAR.md, "Threads": measured on a 2-core node).
     */
    public int intraOpThreads() {
        return threads == AUTO_THREADS
                ? autoThreads(Runtime.getRuntime().availableProcessors())
                : threads;
    }

    /** The automatic intra-op thread count for a machine of {@code cores} cores. */
    public static int autoThreads(int cores) {
        return Math.max(1, cores - 1);
    }

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
        private int threads = AUTO_THREADS;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int concurrency = 1;
        private int warmUpRuns = 3;
        private long reprofileAfterMillis = DEFAULT_REPROFILE_AFTER_MILLIS;

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

        /**
         * A model's single-frame figure not measured for this long is re-measured by one run while
         * the accelerator is idle ({@link io.coedge.sidecar.scheduling.Reprofiler}); 0 never.
         */
        public Builder reprofileAfterMillis(long reprofileAfterMillis) {
            this.reprofileAfterMillis = reprofileAfterMillis;
            return this;
        }

        public SidecarOptions build() {
            if (reprofileAfterMillis < 0) {
                throw new IllegalArgumentException(
                        "--reprofile-after must be >= 0 (0: never), got "
                                + reprofileAfterMillis / 1000.0
                                + " s");
            }
            if (maxMessageBytes < 1024) {
                throw new IllegalArgumentException(
                        "--max-message-bytes must be >= 1024, got " + maxMessageBytes);
            }
            if (threads < AUTO_THREADS) {
                throw new IllegalArgumentException(
                        "--threads must be auto or a number >= 0, got " + threads);
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
                    warmUpRuns,
                    reprofileAfterMillis);
        }
    }
}
