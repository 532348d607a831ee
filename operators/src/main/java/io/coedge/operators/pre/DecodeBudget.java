package io.coedge.operators.pre;

import io.coedge.format.ErrorCode;
import java.util.concurrent.Semaphore;

/**
 * A node's bound on the memory its frames take while they are decoded: each decode first takes its
 * decoded size (width x height x channels at the scale it decodes, and its buffers) from here and
 * gives it back when its tensor is written, so concurrent decodes never hold more than {@link
 * #capacity()} bytes whatever their encoded size. A frame that alone needs more is refused ({@code
 * IMAGE_TOO_LARGE}) before anything is allocated.
 */
public final class DecodeBudget {
    /** Units of 1 KiB: a Semaphore counts ints. */
    private static final int UNIT = 1024;

    private final long capacity;
    private final Semaphore units;

    public DecodeBudget(long capacityBytes) {
        if (capacityBytes < UNIT) {
            throw new IllegalArgumentException("decode budget below 1 KiB: " + capacityBytes);
        }
        this.capacity = capacityBytes;
        this.units =
                new Semaphore(Math.toIntExact(Math.min(Integer.MAX_VALUE, capacityBytes / UNIT)));
    }

    /**
     * What a node allows: a quarter of the heap, at most 256 MiB (at least 32 MiB), so that the
     * queues, the batches' tensors and Flink keep the rest.
     */
    public static DecodeBudget forHeap(long maxHeapBytes) {
        return new DecodeBudget(Math.max(32L << 20, Math.min(256L << 20, maxHeapBytes / 4)));
    }

    /** System property: a node's decode budget in bytes instead of {@link #forHeap}'s. */
    public static final String BYTES_PROPERTY = "coedge.pre.decodeBudgetBytes";

    /** {@value #BYTES_PROPERTY} if set, else {@link #forHeap} of this JVM's heap. */
    public static DecodeBudget forNode() {
        Long bytes = Long.getLong(BYTES_PROPERTY);
        return bytes != null ? new DecodeBudget(bytes) : forHeap(Runtime.getRuntime().maxMemory());
    }

    /** No bound (tools and benchmarks that decode one frame at a time). */
    public static DecodeBudget unbounded() {
        return new DecodeBudget((long) Integer.MAX_VALUE * UNIT);
    }

    public long capacity() {
        return capacity;
    }

    /** Bytes now taken by decodes under way. */
    public long inUse() {
        return capacity - (long) units.availablePermits() * UNIT;
    }

    /** Waits for {@code bytes}; refuses at once what could never fit. */
    Grant acquire(long bytes, String what) throws ImageDecodeException {
        if (bytes > capacity) {
            throw new ImageDecodeException(
                    ErrorCode.IMAGE_TOO_LARGE,
                    what
                            + " needs "
                            + (bytes >> 20)
                            + " MiB to decode; this node decodes at most "
                            + (capacity >> 20)
                            + " MiB at once");
        }
        int n = Math.toIntExact(Math.max(1, (bytes + UNIT - 1) / UNIT));
        try {
            units.acquire(n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageDecodeException(
                    ErrorCode.OUT_OF_MEMORY, "interrupted waiting for decode memory");
        }
        return new Grant(n);
    }

    /** Decode memory taken, given back once. */
    final class Grant implements AutoCloseable {
        private int held;

        private Grant(int units) {
            this.held = units;
        }

        @Override
        public void close() {
            if (held > 0) {
                units.release(held);
                held = 0;
            }
        }
    }
}
