package io.coedge.sidecar.shm;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferInput;
import io.coedge.oip.InferRequest;
import io.coedge.oip.SharedMemoryRef;
import io.coedge.oip.SharedMemoryRegion;
import io.coedge.sidecar.testutils.Frames;
import io.coedge.sidecar.testutils.RunningSidecar;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's system shared memory extension: tensors in a registered region give the same answers as
 * tensors in the message, regions are listed and removed, and every misuse gets its own error while
 * the sidecar keeps serving.
 */
class SharedMemoryITCase {
    @TempDir static Path repo;
    static ModelGenerator.GeneratedModel resnet;
    static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        resnet = new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("resnet", repo);
        sidecar = RunningSidecar.start(repo, b -> b);
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    @AfterEach
    void unregisterAll() {
        sidecar.client.unregisterSystemSharedMemory("");
        assertThat(sidecar.client.systemSharedMemoryStatus("")).isEmpty();
    }

    @Test
    void inputsAndOutputsInSharedMemoryEqualTheSameCallThroughTheMessage() throws Exception {
        int batch = 4;
        float[] frames = Frames.random(resnet, batch, 11);
        long inBytes = frames.length * 4L;
        long outBytes = batch * 10L * 4;
        try (SharedMemoryRegion region =
                SharedMemoryRegion.create("coedge-test", 64 + inBytes + outBytes)) {
            sidecar.client.registerSystemSharedMemory("tensors", region);
            region.slice(64, inBytes).asFloatBuffer().put(frames);
            var viaShm =
                    sidecar.client
                            .infer(
                                    fromSharedMemory(
                                                    Frames.shape(resnet, batch),
                                                    new SharedMemoryRef("tensors", 64, inBytes))
                                            .output(
                                                    resnet.outputName(),
                                                    new SharedMemoryRef(
                                                            "tensors", 64 + inBytes, outBytes))
                                            .build())
                            .get(30, TimeUnit.SECONDS);
            var viaMessage =
                    sidecar.client
                            .infer(
                                    InferRequest.builder("resnet")
                                            .input(Frames.input(resnet, batch, frames))
                                            .build())
                            .get(30, TimeUnit.SECONDS);

            assertThat(viaShm.output(resnet.outputName()).data().isEmpty()).isTrue();
            assertThat(viaShm.output(resnet.outputName()).shape()).containsExactly(batch, 10);
            float[] fromShm = new float[batch * 10];
            region.slice(64 + inBytes, outBytes).asFloatBuffer().get(fromShm);
            assertThat(fromShm)
                    .containsExactly(viaMessage.output(resnet.outputName()).toFloatArray());
            assertThat(Frames.maxAbsDiff(fromShm, Frames.reference(resnet, batch, frames)))
                    .isLessThanOrEqualTo(1e-5f);
        }
    }

    @Test
    void registeredRegionsAreListedAndUnregistered() throws Exception {
        try (SharedMemoryRegion region = SharedMemoryRegion.create("coedge-test", 4096)) {
            sidecar.client.registerSystemSharedMemory("a", region.key(), 0, 1024);
            sidecar.client.registerSystemSharedMemory("b", region.key(), 1024, 2048);
            var all = sidecar.client.systemSharedMemoryStatus("");
            assertThat(all).containsOnlyKeys("a", "b");
            assertThat(all.get("b").getKey()).isEqualTo(region.key());
            assertThat(all.get("b").getOffset()).isEqualTo(1024);
            assertThat(all.get("b").getByteSize()).isEqualTo(2048);

            sidecar.client.unregisterSystemSharedMemory("a");
            assertThat(sidecar.client.systemSharedMemoryStatus("")).containsOnlyKeys("b");
            assertThat(status(() -> sidecar.client.systemSharedMemoryStatus("a")).getCode())
                    .isEqualTo(Status.Code.NOT_FOUND);
        }
    }

    @Test
    void registrationMistakesAreRefusedEachWithItsReason() throws Exception {
        try (SharedMemoryRegion region = SharedMemoryRegion.create("coedge-test", 4096)) {
            sidecar.client.registerSystemSharedMemory("taken", region);
            assertThat(status(() -> sidecar.client.registerSystemSharedMemory("taken", region)))
                    .satisfies(s -> assertThat(s.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS))
                    .satisfies(s -> assertThat(s.getDescription()).contains("already in manager"));
            assertThat(
                            status(
                                    () ->
                                            sidecar.client.registerSystemSharedMemory(
                                                    "big", region.key(), 0, 8192)))
                    .satisfies(s -> assertThat(s.getDescription()).contains("exceeds the size"));
            assertThat(
                            status(
                                    () ->
                                            sidecar.client.registerSystemSharedMemory(
                                                    "none", "/coedge-no-such-object", 0, 8)))
                    .satisfies(
                            s ->
                                    assertThat(s.getDescription())
                                            .contains("Unable to open shared memory region"));
            // A key is one name inside /dev/shm, never a path that climbs out of it.
            assertThat(
                            status(
                                    () ->
                                            sidecar.client.registerSystemSharedMemory(
                                                    "escape", "/../etc/passwd", 0, 8)))
                    .satisfies(s -> assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                    .satisfies(
                            s ->
                                    assertThat(s.getDescription())
                                            .contains("not a POSIX shared memory name"));
        }
    }

    @Test
    void aLinkInTheSharedMemoryDirectoryIsNotFollowed() throws Exception {
        Path target = Files.createTempFile(repo, "secret", ".bin");
        Files.write(target, new byte[4096]);
        Path link = Paths.get("/dev/shm/coedge-test-link-" + ProcessHandle.current().pid());
        Files.createSymbolicLink(link, target);
        try {
            assertThat(
                            status(
                                    () ->
                                            sidecar.client.registerSystemSharedMemory(
                                                    "link", "/" + link.getFileName(), 0, 8)))
                    .satisfies(
                            s -> assertThat(s.getDescription()).contains("no such regular file"));
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void inferenceMistakesWithSharedMemoryAreRefusedEachWithItsReason() throws Exception {
        long inBytes = Frames.elementsPerFrame(resnet) * 4;
        try (SharedMemoryRegion region = SharedMemoryRegion.create("coedge-test", inBytes + 40)) {
            sidecar.client.registerSystemSharedMemory("r", region);
            long[] shape = Frames.shape(resnet, 1);
            assertThat(
                            inferFailure(
                                    fromSharedMemory(
                                                    shape,
                                                    new SharedMemoryRef("unknown", 0, inBytes))
                                            .build()))
                    .contains("Unable to find shared memory region: 'unknown'");
            assertThat(
                            inferFailure(
                                    fromSharedMemory(
                                                    shape, new SharedMemoryRef("r", 0, inBytes - 4))
                                            .build()))
                    .contains("shared_memory_byte_size " + (inBytes - 4))
                    .contains("needs " + inBytes);
            assertThat(
                            inferFailure(
                                    fromSharedMemory(shape, new SharedMemoryRef("r", 48, inBytes))
                                            .build()))
                    .contains("Invalid offset + byte size");
            // The output does not fit where the client asked for it.
            assertThat(
                            inferFailure(
                                    fromSharedMemory(shape, new SharedMemoryRef("r", 0, inBytes))
                                            .output(
                                                    resnet.outputName(),
                                                    new SharedMemoryRef("r", inBytes, 8))
                                            .build()))
                    .contains("should be at least 40 bytes");
        }
    }

    /** A request to resnet whose input sits in shared memory at {@code ref}. */
    private static InferRequest.Builder fromSharedMemory(long[] shape, SharedMemoryRef ref) {
        return InferRequest.builder("resnet")
                .input(InferInput.inSharedMemory(resnet.inputName(), "FP32", shape, ref));
    }

    /** The reason of the INVALID_ARGUMENT {@code request} fails with. */
    private static String inferFailure(InferRequest request) {
        Status s = sidecar.failure(request);
        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        return s.getDescription();
    }

    private static Status status(Runnable call) {
        try {
            call.run();
            throw new AssertionError("call succeeded");
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }
}
