package io.coedge.sidecar.shm;

import io.grpc.Status;
import io.grpc.StatusException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * System shared memory regions registered by clients on the same host, as Triton's system shared
 * memory extension defines them: a region is a window {@code [offset, offset + byte_size)} of a
 * POSIX shared memory object, named by its key ({@code /name}, which on Linux is the file {@code
 * /dev/shm/name}). Tensors in a region reach ONNX Runtime and come back from it without being
 * copied or sent over the socket.
 *
 * <p>Keys are confined to the shared memory directory: a key is one file name, never a path, and
 * the file must be a regular file (not a link). The number of regions is bounded.
 */
public final class SharedMemoryManager {
    /** Where POSIX shared memory objects live on Linux. */
    public static final Path DEFAULT_ROOT = Paths.get("/dev/shm");

    public static final int DEFAULT_MAX_REGIONS = 1024;

    private static final Pattern KEY = Pattern.compile("/?[A-Za-z0-9][A-Za-z0-9._-]{0,250}");

    /** A registered region and its mapping. */
    public record Region(
            String name, String key, long offset, long byteSize, MappedByteBuffer mapping) {}

    private final Path root;
    private final int maxRegions;
    private final Map<String, Region> regions = new ConcurrentHashMap<>();

    public SharedMemoryManager(Path root, int maxRegions) {
        this.root = root;
        this.maxRegions = maxRegions;
    }

    public SharedMemoryManager() {
        this(DEFAULT_ROOT, DEFAULT_MAX_REGIONS);
    }

    /**
     * Maps {@code [offset, offset + byteSize)} of the object {@code key} and registers it as {@code
     * name}.
     */
    public synchronized void register(String name, String key, long offset, long byteSize)
            throws StatusException {
        if (name.isEmpty()) {
            throw invalid("shared memory region name must not be empty");
        }
        if (regions.containsKey(name)) {
            throw Status.ALREADY_EXISTS
                    .withDescription("shared memory region '" + name + "' already in manager")
                    .asException();
        }
        if (regions.size() >= maxRegions) {
            throw Status.RESOURCE_EXHAUSTED
                    .withDescription(
                            "cannot register shared memory region '"
                                    + name
                                    + "': "
                                    + maxRegions
                                    + " regions are registered already; unregister some first")
                    .asException();
        }
        if (!KEY.matcher(key).matches()) {
            throw invalid(
                    "shared memory key '"
                            + key
                            + "' is not a POSIX shared memory name: expected '/name' with"
                            + " letters, digits, '.', '_' or '-' only");
        }
        if (offset < 0 || byteSize <= 0 || byteSize > Integer.MAX_VALUE) {
            throw invalid(
                    "shared memory region '"
                            + name
                            + "': offset must be >= 0 and byte_size in 1.."
                            + Integer.MAX_VALUE
                            + ", got offset "
                            + offset
                            + " byte_size "
                            + byteSize);
        }
        Path file = root.resolve(key.startsWith("/") ? key.substring(1) : key);
        if (!file.getParent().equals(root)
                || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw invalid(
                    "Unable to open shared memory region: '"
                            + key
                            + "' (no such regular file in "
                            + root
                            + ")");
        }
        try (FileChannel channel =
                FileChannel.open(
                        file,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS)) {
            long size = channel.size();
            // offset > size - byteSize, not offset + byteSize > size: the sum of two caller
            // values can pass Long.MAX_VALUE and wrap negative.
            if (offset > size - byteSize) {
                throw invalid(
                        "shared memory region '"
                                + name
                                + "': offset "
                                + offset
                                + " + byte_size "
                                + byteSize
                                + " exceeds the size of '"
                                + key
                                + "' ("
                                + size
                                + " bytes)");
            }
            MappedByteBuffer mapping =
                    channel.map(FileChannel.MapMode.READ_WRITE, offset, byteSize);
            regions.put(name, new Region(name, key, offset, byteSize, mapping));
        } catch (IOException e) {
            throw invalid("Unable to open shared memory region: '" + key + "': " + e.getMessage());
        }
    }

    /**
     * Unregisters one region, or every region when {@code name} is empty. Unknown names are not an
     * error (as Triton).
     */
    public void unregister(String name) {
        if (name.isEmpty()) {
            regions.clear();
        } else {
            regions.remove(name);
        }
    }

    /**
     * The status of one region (NOT_FOUND if unknown), or of every region when {@code name} is
     * empty.
     */
    public Map<String, Region> status(String name) throws StatusException {
        if (name.isEmpty()) {
            return new TreeMap<>(regions);
        }
        Region r = regions.get(name);
        if (r == null) {
            throw Status.NOT_FOUND
                    .withDescription("Unable to find system shared memory region: '" + name + "'")
                    .asException();
        }
        return Map.of(name, r);
    }

    /**
     * {@code byteSize} bytes at {@code offset} inside a registered region, as a little-endian view
     * over the mapping; a clear error if the region is unknown or too small.
     */
    public ByteBuffer slice(String name, long offset, long byteSize, String tensor)
            throws StatusException {
        Region r = regions.get(name);
        if (r == null) {
            throw invalid(
                    "Unable to find shared memory region: '"
                            + name
                            + "' (for tensor '"
                            + tensor
                            + "')");
        }
        if (offset < 0 || byteSize < 0 || offset > r.byteSize() - byteSize) {
            throw invalid(
                    "Invalid offset + byte size for shared memory region: '"
                            + name
                            + "': tensor '"
                            + tensor
                            + "' needs "
                            + byteSize
                            + " bytes at offset "
                            + offset
                            + " but the region has "
                            + r.byteSize());
        }
        return r.mapping().slice((int) offset, (int) byteSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    public int size() {
        return regions.size();
    }

    private static StatusException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asException();
    }
}
