package io.coedge.sidecar.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the execution provider once for the whole process and builds session options for it. */
public final class DeviceSelector {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceSelector.class);

    private DeviceSelector() {}

    /**
     * Probes the CUDA execution provider when asked for one. Without CUDA 12.x and cuDNN 9 it
     * cannot load: then CPU is used and the reason kept, unless {@code strict}.
     */
    public static Device select(String requested, boolean strict)
            throws DeviceUnavailableException {
        String normalized = requested.trim().toLowerCase();
        if (normalized.equals("cpu")) {
            return new Device("cpu", "cpu", Optional.empty());
        }
        int id = parseCuda(normalized);
        String cuda = "cuda:" + id;
        try (OrtSession.SessionOptions probe = new OrtSession.SessionOptions()) {
            probe.addCUDA(id);
            return new Device(cuda, cuda, Optional.empty());
        } catch (OrtException | RuntimeException | LinkageError e) {
            String reason =
                    "CUDA execution provider for "
                            + cuda
                            + " could not be loaded (ONNX Runtime 1.27 needs"
                            + " CUDA 12.x and cuDNN 9 libraries and an NVIDIA driver): "
                            + e.getMessage();
            if (strict) {
                throw new DeviceUnavailableException(
                        reason + "; --strict refuses to fall back to CPU", e);
            }
            LOG.warn("{}; falling back to CPU", reason);
            return new Device(cuda, "cpu", Optional.of(reason));
        }
    }

    public static OrtSession.SessionOptions sessionOptions(Device device, int threads)
            throws OrtException {
        return sessionOptions(device, threads, 1);
    }

    /**
     * @param threads intra-op threads, 0 for ONNX Runtime's default (every core)
     * @param interOpThreads inter-op threads (used only by parallel execution), 0 for the default
     */
    public static OrtSession.SessionOptions sessionOptions(
            Device device, int threads, int interOpThreads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            if (interOpThreads > 0) {
                options.setInterOpNumThreads(interOpThreads);
            }
            // Idle intra-op threads must not spin: on a small edge CPU they would starve the
            // gRPC threads that receive the next request while the accelerator is busy.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (device.cuda()) {
                options.addCUDA(device.cudaDeviceId());
            }
            return options;
        } catch (OrtException e) {
            options.close();
            throw e;
        }
    }

    private static int parseCuda(String device) {
        if (device.equals("cuda") || device.equals("gpu")) {
            return 0;
        }
        if (device.startsWith("cuda:")) {
            try {
                int id = Integer.parseInt(device.substring(5));
                if (id >= 0) {
                    return id;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new IllegalArgumentException(
                "--device must be 'cpu' or 'cuda:N', got '" + device + "'");
    }

    /** Thrown when --strict forbids the CPU fallback. */
    public static final class DeviceUnavailableException extends Exception {
        DeviceUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
