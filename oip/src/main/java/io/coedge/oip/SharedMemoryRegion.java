package io.coedge.oip;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/**
 * A POSIX shared memory object this process creates ({@code /dev/shm/<name>}), mapped here, for a
 * sidecar or Triton on the same host to map too: tensors written into it reach the model without
 * crossing the socket, and outputs come back the same way. The object is removed on {@link
 * #close()}; unregister it from the server first.
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

    /**
     * Creates a new object of {@code byteSize} bytes named {@code /<prefix>-<random>}, readable and
     * writable by its owner and group (a sidecar in another container of the pod must share one).
     */
    public static SharedMemoryRegion create(String prefix, long byteSize) throws IOException {
        if (byteSize <= 0 || byteSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "shared memory size must be in 1.." + Integer.MAX_VALUE + ", got " + byteSize);
        }
        String name = prefix + "-" + UUID.randomUUID();
        Path file = ROOT.resolve(name);
        try (FileChannel channel =
                FileChannel.open(
                        file,
                        Set.of(
                                StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.READ,
                                StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rw-rw----")))) {
            Files.setPosixFilePermissions(
                    file, PosixFilePermissions.fromString("rw-rw----")); // whatever the umask
            // Written out, not left sparse: a full /dev/shm then fails here with an IOException
            // instead of faulting later when a page of the mapping is first touched.
            ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
            for (long at = 0; at < byteSize; at += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), byteSize - at));
                while (zeros.hasRemaining()) {
                    channel.write(zeros, at + zeros.position());
                }
            }
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
        return mapping.slice(Math.toIntExact(offset), Math.toIntExact(length))
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Removes the object's name. The memory stays mapped here and in every process that mapped it
     * (a server that registered it) until they let go, so a caller may close the region as soon as
     * the server has registered it: then nothing is left in {@code /dev/shm} if this process dies.
     * A closed region cannot be registered again.
     */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove shared memory object " + file, e);
        }
    }
}
