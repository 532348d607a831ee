package io.coedge.oip;

/**
 * Where a tensor lives in a registered system shared memory region (Triton's shared memory
 * parameters).
 */
public record SharedMemoryRef(String region, long offset, long byteSize) {
    public SharedMemoryRef {
        if (region.isEmpty() || offset < 0 || byteSize <= 0) {
            throw new IllegalArgumentException(
                    "shared memory reference needs a region, offset >= 0 and byte size > 0,"
                            + " got '"
                            + region
                            + "' "
                            + offset
                            + " "
                            + byteSize);
        }
    }
}
