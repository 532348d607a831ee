package io.coedge.operators.batch;

import io.coedge.oip.OipClient;
import io.coedge.oip.SharedMemoryRef;
import io.coedge.oip.SharedMemoryRegion;
import io.coedge.oip.TensorShapes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The batcher's shared memory with a sidecar on the same host (the sidecar's system shared memory
 * extension): a few slots, one per batch in flight, each holding a batch's input and output, so
 * that frames reach the model and detections come back without crossing the socket. A batch that
 * finds no free slot, or a sidecar that lost the registration (it restarted), goes through the
 * message instead; nothing depends on shared memory working.
 */
final class SharedTensors implements AutoCloseable {
    /** One batch's place: its input at {@code input}, its output at {@code output}. */
    record Slot(int index, long input, long output) {}

    /**
     * A model's output as the sidecar describes it: name and dimensions after the batch dimension.
     */
    record Output(String name, long[] dims) {}

    private final SharedMemoryRegion region;
    private final String name;
    private final long inputBytes;
    private final long outputBytes;
    private final Map<String, Output> outputs;
    private final ConcurrentLinkedQueue<Slot> free = new ConcurrentLinkedQueue<>();
    private volatile boolean registered;

    private SharedTensors(
            SharedMemoryRegion region,
            String name,
            long inputBytes,
            long outputBytes,
            int slots,
            Map<String, Output> outputs) {
        this.region = region;
        this.outputs = Map.copyOf(outputs);
        this.name = name;
        this.inputBytes = inputBytes;
        this.outputBytes = outputBytes;
        for (int i = 0; i < slots; i++) {
            long base = i * (inputBytes + outputBytes);
            free.add(new Slot(i, base, base + inputBytes));
        }
    }

    /**
     * Creates the shared memory object ({@code slots} x the largest batch input and output) and
     * registers it with the sidecar as {@code name}. Empty if this host has no POSIX shared memory
     * or the object cannot be created; a registration the sidecar refuses throws.
     */
    static Optional<SharedTensors> create(
            OipClient client,
            String name,
            long inputBytes,
            long outputBytes,
            int slots,
            Map<String, Output> outputs)
            throws IOException {
        if (!SharedMemoryRegion.supported()) {
            return Optional.empty();
        }
        SharedMemoryRegion region =
                SharedMemoryRegion.create(name, slots * (inputBytes + outputBytes));
        SharedTensors shared =
                new SharedTensors(region, name, inputBytes, outputBytes, slots, outputs);
        try {
            shared.register(client);
            // Both sides have it mapped: without its name nothing outlives the two processes, even
            // a killed one.
            region.close();
            return Optional.of(shared);
        } catch (RuntimeException e) {
            region.close();
            throw e;
        }
    }

    /**
     * Whether the sidecar at {@code target} (host:port) can map this host's shared memory: it runs
     * on this host.
     */
    static boolean sameHost(String target) {
        String host =
                target.startsWith("[")
                        ? target.substring(1, Math.max(1, target.indexOf(']')))
                        : target.substring(0, Math.max(0, target.lastIndexOf(':')));
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Registers under this batcher's name; an old registration of the name (an earlier attempt of
     * this job) is replaced.
     */
    private void register(OipClient client) {
        try {
            client.registerSystemSharedMemory(name, region);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
            // Left by this batcher's previous attempt (a restart of the job in this process).
            client.unregisterSystemSharedMemory(name);
            client.registerSystemSharedMemory(name, region);
        }
        registered = true;
    }

    boolean registered() {
        return registered;
    }

    /**
     * The sidecar no longer knows the region (it restarted): batches go inside the messages until
     * the batcher registers a new region (this one's name is gone from {@code /dev/shm}).
     */
    void lost() {
        registered = false;
    }

    /** Whether a failed call failed because the sidecar does not know this region. */
    static boolean isRegionUnknown(Status status) {
        return status.getCode() == Status.Code.INVALID_ARGUMENT
                && status.getDescription() != null
                && status.getDescription().contains("Unable to find shared memory region");
    }

    /**
     * The shape of {@code model}'s output for a batch of {@code batch}, or null if it does not go
     * through shared memory.
     */
    long[] outputShape(String model, int batch) {
        Output o = outputs.get(model);
        return o == null ? null : TensorShapes.withBatch(batch, o.dims());
    }

    String outputName(String model) {
        return outputs.get(model).name();
    }

    /** A free slot for a batch whose input and output fit, if any. */
    Optional<Slot> acquire(long input, long output) {
        if (!registered || input > inputBytes || output > outputBytes) {
            return Optional.empty();
        }
        return Optional.ofNullable(free.poll());
    }

    void release(Slot slot) {
        free.add(slot);
    }

    ByteBuffer input(Slot slot, long bytes) {
        return region.slice(slot.input(), bytes);
    }

    ByteBuffer output(Slot slot, long bytes) {
        return region.slice(slot.output(), bytes);
    }

    SharedMemoryRef inputRef(Slot slot, long bytes) {
        return new SharedMemoryRef(name, slot.input(), bytes);
    }

    SharedMemoryRef outputRef(Slot slot, long bytes) {
        return new SharedMemoryRef(name, slot.output(), bytes);
    }

    /**
     * Unregisters (best effort: the sidecar may be gone) and removes the object. Also when this
     * side thinks it is not registered: a registration in flight when the sidecar was thought lost
     * may have completed there, and unregistering an unknown name is a no-op.
     */
    void close(OipClient client) {
        try {
            client.unregisterSystemSharedMemory(name);
        } catch (RuntimeException ignored) {
            // the sidecar is gone or restarting; it forgets the region with its process
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        registered = false;
        region.close();
    }
}
