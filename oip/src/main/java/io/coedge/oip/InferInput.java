package io.coedge.oip;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Optional;

/**
 * One input tensor: little-endian, row-major raw bytes sent in raw_input_contents, or a reference
 * to where they already are in a registered shared memory region.
 */
public record InferInput(
        String name,
        String datatype,
        long[] shape,
        ByteString data,
        Optional<SharedMemoryRef> sharedMemory) {

    public InferInput(String name, String datatype, long[] shape, ByteString data) {
        this(name, datatype, shape, data, Optional.empty());
    }

    /** An input the caller has written into a registered shared memory region. */
    public static InferInput inSharedMemory(
            String name, String datatype, long[] shape, SharedMemoryRef where) {
        return new InferInput(name, datatype, shape.clone(), ByteString.EMPTY, Optional.of(where));
    }

    public static InferInput fp32(String name, long[] shape, float[] values) {
        ByteBuffer buffer =
                ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return new InferInput(name, "FP32", shape.clone(), UnsafeByteOperations.unsafeWrap(buffer));
    }

    /** Wraps a little-endian buffer (for example one filled by pre-processing) without copying. */
    public static InferInput fp32(String name, long[] shape, ByteBuffer littleEndianFloats) {
        if (littleEndianFloats.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("tensor bytes must be little-endian");
        }
        return new InferInput(
                name,
                "FP32",
                shape.clone(),
                UnsafeByteOperations.unsafeWrap(littleEndianFloats.slice()));
    }

    /**
     * Wraps a little-endian buffer of any datatype ({@code FP32}, {@code UINT8}, ...) without
     * copying.
     */
    public static InferInput raw(
            String name, String datatype, long[] shape, ByteBuffer littleEndianBytes) {
        if (littleEndianBytes.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("tensor bytes must be little-endian");
        }
        return new InferInput(
                name,
                datatype,
                shape.clone(),
                UnsafeByteOperations.unsafeWrap(littleEndianBytes.slice()));
    }

    public static InferInput fp32(String name, long[] shape, FloatBuffer values) {
        ByteBuffer buffer =
                ByteBuffer.allocate(values.remaining() * Float.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values.duplicate());
        return new InferInput(name, "FP32", shape.clone(), UnsafeByteOperations.unsafeWrap(buffer));
    }
}
