package io.coedge.sidecar.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.coedge.models.onnx.GraphProto;
import io.coedge.models.onnx.ModelProto;
import io.coedge.models.onnx.NodeProto;
import io.coedge.models.onnx.OperatorSetIdProto;
import io.coedge.models.onnx.TensorProto;
import io.coedge.models.onnx.TensorShapeProto;
import io.coedge.models.onnx.TypeProto;
import io.coedge.models.onnx.ValueInfoProto;
import io.coedge.oip.InferInput;
import io.coedge.oip.InferRequest;
import io.coedge.oip.SharedMemoryRef;
import io.coedge.oip.SharedMemoryRegion;
import io.coedge.sidecar.testutils.RunningSidecar;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shapes, offsets and input lists come from callers: every product and sum over them is checked,
 * and each hostile value is answered INVALID_ARGUMENT with the reason, as Triton answers (issue 17,
 * item 6). Before the checks, these requests reached ONNX Runtime (INTERNAL) or threw inside the
 * service (UNKNOWN). The model is ONNX's Gemm with every dimension variable (y = a x b + c), so
 * only the sidecar's own checks stand between a shape and the runtime. After each test a good
 * request still succeeds.
 */
class UntrustedArithmeticITCase {
    @TempDir static Path repo;
    static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        writeGemm(repo.resolve("gemm"));
        sidecar = RunningSidecar.start(repo);
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    @AfterEach
    void stillServes() throws Exception {
        // [[1,2,3],[4,5,6]] x [[1,0],[0,1],[1,1]] + [10, 20] = [[14, 25], [20, 31]]
        var result =
                sidecar.client
                        .infer(gemm(fp32("a", new long[] {2, 3}, 1, 2, 3, 4, 5, 6)))
                        .get(30, TimeUnit.SECONDS);
        assertThat(result.output("y").toFloatArray()).containsExactly(14, 25, 20, 31);
        sidecar.client.unregisterSystemSharedMemory("");
    }

    @Test
    void shapeWhoseByteCountWrapsToZeroWithEmptyContents() {
        // 2^62 FP32 elements are 2^64 bytes, which wraps to 0 and so matched empty contents.
        sidecar.assertInvalid(
                gemm(new InferInput("a", "FP32", new long[] {1, 1L << 62}, ByteString.EMPTY)),
                "input 'a' for model 'gemm' has shape [1, 4611686018427387904]: its byte size"
                        + " (elements x 4 bytes of FP32) exceeds 9223372036854775807");
    }

    @Test
    void shapeWhoseElementCountOverflows() {
        sidecar.assertInvalid(
                gemm(new InferInput("a", "FP32", new long[] {8, 1L << 61}, ByteString.EMPTY)),
                "input 'a' for model 'gemm' has shape [8, 2305843009213693952]: its byte size"
                        + " (elements x 4 bytes of FP32) exceeds 9223372036854775807");
    }

    @Test
    void negativeDimensions() {
        // Two negative dimensions multiply to a positive element count (6 floats = 24 bytes).
        sidecar.assertInvalid(
                gemm(fp32("a", new long[] {-2, -3}, 1, 2, 3, 4, 5, 6)),
                "unexpected shape for input 'a' for model 'gemm'. Expected [-1, -1], got [-2, -3]");
    }

    @Test
    void inputNamedTwiceAndAnotherOmitted() {
        sidecar.assertInvalid(
                InferRequest.builder("gemm")
                        .input(fp32("a", new long[] {2, 3}, 1, 2, 3, 4, 5, 6))
                        .input(fp32("a", new long[] {2, 3}, 1, 2, 3, 4, 5, 6))
                        .input(fp32("b", new long[] {3, 2}, 1, 0, 0, 1, 1, 1))
                        .build(),
                "input 'a' appears more than once in the request for model 'gemm';"
                        + " missing required input(s) [c]");
    }

    @Test
    void contentsOfTheWrongByteSize() {
        sidecar.assertInvalid(
                gemm(fp32("a", new long[] {2, 3}, 1, 2, 3, 4, 5)),
                "input 'a' raw content has 20 bytes but shape [2, 3] needs 24 bytes");
    }

    @Test
    void sharedMemoryRegistrationAtTheLargestOffset() throws Exception {
        assertRegistrationInvalid(
                "far",
                Long.MAX_VALUE,
                16,
                "shared memory region 'far': offset 9223372036854775807 + byte_size 16 exceeds the"
                        + " size of '%s' (4096 bytes)");
    }

    @Test
    void sharedMemoryRegistrationWhoseEndOverflows() throws Exception {
        assertRegistrationInvalid(
                "wraps",
                Long.MAX_VALUE - 100,
                Integer.MAX_VALUE,
                "shared memory region 'wraps': offset 9223372036854775707 + byte_size 2147483647"
                        + " exceeds the size of '%s' (4096 bytes)");
    }

    @Test
    void sharedMemoryTensorAtAnOffsetPastTheRegion() throws Exception {
        assertInvalidFromSharedMemory(
                new SharedMemoryRef("tensors", Long.MAX_VALUE - 8, 24),
                "Invalid offset + byte size for shared memory region: 'tensors': tensor 'a' needs"
                        + " 24 bytes at offset 9223372036854775799 but the region has 4096");
    }

    @Test
    void sharedMemoryByteSizeNotMatchingTheShape() throws Exception {
        assertInvalidFromSharedMemory(
                new SharedMemoryRef("tensors", 0, 16),
                "input 'a' in shared memory has shared_memory_byte_size 16 but shape"
                        + " [2, 3] needs 24 bytes");
    }

    /** A request to gemm with {@code a} and good b and c. */
    private static InferRequest gemm(InferInput a) {
        return InferRequest.builder("gemm")
                .input(a)
                .input(fp32("b", new long[] {3, 2}, 1, 0, 0, 1, 1, 1))
                .input(fp32("c", new long[] {2}, 10, 20))
                .build();
    }

    private static InferInput fp32(String name, long[] shape, float... values) {
        return InferInput.fp32(name, shape, values);
    }

    /**
     * Registering {@code byteSize} bytes at {@code offset} of a 4096-byte region as {@code name}
     * fails INVALID_ARGUMENT with {@code description} (its {@code %s}: the region's key).
     */
    private static void assertRegistrationInvalid(
            String name, long offset, long byteSize, String description) throws Exception {
        try (SharedMemoryRegion region = SharedMemoryRegion.create("coedge-test", 4096)) {
            try {
                sidecar.client.registerSystemSharedMemory(name, region.key(), offset, byteSize);
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription())
                        .isEqualTo(description.formatted(region.key()));
                return;
            }
            throw new AssertionError("registration unexpectedly succeeded");
        }
    }

    /**
     * A gemm request whose input a ([2, 3]) is at {@code ref} of a 4096-byte region registered as
     * "tensors" fails INVALID_ARGUMENT with {@code description}.
     */
    private static void assertInvalidFromSharedMemory(SharedMemoryRef ref, String description)
            throws Exception {
        try (SharedMemoryRegion region = SharedMemoryRegion.create("coedge-test", 4096)) {
            sidecar.client.registerSystemSharedMemory("tensors", region.key(), 0, 4096);
            sidecar.assertInvalid(
                    gemm(InferInput.inSharedMemory("a", "FP32", new long[] {2, 3}, ref)),
                    description);
        }
    }

    /** ONNX Gemm, y = a x b + c, every dimension variable; max_batch_size 0. */
    private static void writeGemm(Path dir) throws Exception {
        GraphProto graph =
                GraphProto.newBuilder()
                        .setName("gemm")
                        .addInput(floatInfo("a", "m", "k"))
                        .addInput(floatInfo("b", "k", "n"))
                        .addInput(floatInfo("c", "n"))
                        .addOutput(floatInfo("y", "m", "n"))
                        .addNode(
                                NodeProto.newBuilder()
                                        .setOpType("Gemm")
                                        .setName("gemm")
                                        .addInput("a")
                                        .addInput("b")
                                        .addInput("c")
                                        .addOutput("y"))
                        .build();
        ModelProto model =
                ModelProto.newBuilder()
                        .setIrVersion(8)
                        .setProducerName("coedge-tests")
                        .setGraph(graph)
                        .addOpsetImport(
                                OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                        .build();
        Files.createDirectories(dir.resolve("1"));
        try (OutputStream os = Files.newOutputStream(dir.resolve("1/model.onnx"))) {
            model.writeTo(os);
        }
        Files.writeString(
                dir.resolve("config.pbtxt"),
                "name: \"gemm\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 0\n",
                StandardCharsets.UTF_8);
    }

    private static ValueInfoProto floatInfo(String name, String... dimParams) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (String d : dimParams) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(d));
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        TypeProto.newBuilder()
                                .setTensorType(
                                        TypeProto.Tensor.newBuilder()
                                                .setElemType(TensorProto.DataType.FLOAT_VALUE)
                                                .setShape(shape)))
                .build();
    }
}
