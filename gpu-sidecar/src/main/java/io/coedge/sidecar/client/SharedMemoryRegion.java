package io.coedge.sidecar.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * A POSIX shared memory object this process creates ({@code /dev/shm/<name>}), mapped here,
 * for a sidecar or Triton on the same host to map too: tensors written into it reach the
 * model without crossing the socket, and outputs come back the same way. The object is
 * removed on {@link #close()}; unregister it from the server first.
 */
public final class SharedMemoryRegion implements AutoCloseable {
    private static final Path ROOT = Paths.get("/dev/shm");

    private final String key;
    private final Path file;
    private final MappedByteBuffer mapping;

    private SharedMemoryRegion(String key, Path file, MappedByteBuffer mapping) {
        this.key = key;
        this.file = file;
        this.mapping = mapping;
    }

    /** Whether this host has a POSIX shared memory directory we can write to. */
    public static boolean supported() {
        return Files.isDirectory(ROOT) && Files.isWritable(ROOT);
    }

    /** Creates a new object of {@code byteSize} bytes named {@code /<prefix>-<random>}. */
    public static SharedMemoryRegion create(String prefix, long byteSize) throws IOException {
        if (byteSize <= 0 || byteSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shared memory size must be in 1.." + Integer.MAX_VALUE + ", got " + byteSize);
        }
        String name = prefix + "-" + UUID.randomUUID();
        Path file = ROOT.resolve(name);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            channel.truncate(byteSize);
            channel.write(ByteBuffer.wrap(new byte[1]), byteSize - 1); // sets the size; pages stay unallocated
            MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, byteSize);
            return new SharedMemoryRegion("/" + name, file, mapping);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** The key to register with the server ({@code /name}). */
    public String key() {
        return key;
    }

    public long byteSize() {
        return mapping.capacity();
    }

    /** A little-endian view of {@code length} bytes at {@code offset}. */
    public ByteBuffer slice(long offset, long length) {
        return mapping.slice(Math.toIntExact(offset), Math.toIntExact(length)).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove shared memory object " + file, e);
        }
    }
}
