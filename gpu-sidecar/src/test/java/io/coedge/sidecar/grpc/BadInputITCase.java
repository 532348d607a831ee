package io.coedge.sidecar.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferInput;
import io.coedge.oip.InferRequest;
import io.coedge.sidecar.testutils.Frames;
import io.coedge.sidecar.testutils.RunningSidecar;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of bad input gets its own status and message, and the sidecar keeps serving: after
 * every test a good request still succeeds.
 */
class BadInputITCase {
    private static final int MAX_MESSAGE_BYTES = 1024 * 1024;

    @TempDir static Path repo;
    @TempDir static Path outside;
    static ModelGenerator.GeneratedModel vgg;
    static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        ModelGenerator tiny = new ModelGenerator(5, ModelGenerator.Scale.TINY);
        vgg = tiny.generate("vgg", repo);
        // A model whose file is not ONNX.
        Files.createDirectories(repo.resolve("not-onnx/1"));
        Files.writeString(
                repo.resolve("not-onnx/1/model.onnx"),
                "this is not a protobuf",
                StandardCharsets.UTF_8);
        // A model directory that is a symlink to a valid model outside the repository.
        tiny.generate("resnet", outside);
        Files.createSymbolicLink(repo.resolve("escapes"), outside.resolve("resnet"));
        // A config whose model file name climbs out of the repository.
        Files.createDirectories(repo.resolve("climbs/1"));
        Files.writeString(
                repo.resolve("climbs/config.pbtxt"),
                "name: \"climbs\"\nplatform: \"onnxruntime_onnx\"\ndefault_model_filename: \"../../../"
                        + outside.getFileName()
                        + "/resnet/1/model.onnx\"\n");
        // A config that is not text-format protobuf.
        Files.createDirectories(repo.resolve("bad-config/1"));
        Files.copy(
                vgg.directory().resolve("1/model.onnx"), repo.resolve("bad-config/1/model.onnx"));
        Files.writeString(repo.resolve("bad-config/config.pbtxt"), "max_batch_size: [oops");
        sidecar = RunningSidecar.start(repo, b -> b.maxMessageBytes(MAX_MESSAGE_BYTES));
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    @AfterEach
    void stillServesOthers() throws Exception {
        float[] frame = Frames.random(vgg, 1, 1);
        var result =
                sidecar.client
                        .infer(
                                InferRequest.builder("vgg")
                                        .input(Frames.input(vgg, 1, frame))
                                        .build())
                        .get(30, TimeUnit.SECONDS);
        assertThat(
                        Frames.maxAbsDiff(
                                result.output("logits").toFloatArray(),
                                Frames.reference(vgg, 1, frame)))
                .isLessThanOrEqualTo(1e-5f);
        assertThat(sidecar.client.serverLive()).isTrue();
    }

    private static InferRequest.Builder vggRequest() {
        return InferRequest.builder("vgg");
    }

    @Test
    void unknownModel() {
        Status s =
                sidecar.failure(
                        InferRequest.builder("no-such-model")
                                .input(Frames.input(vgg, 1, Frames.random(vgg, 1, 0)))
                                .build());
        assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(s.getDescription())
                .isEqualTo("Request for unknown model: 'no-such-model' is not found");
    }

    @Test
    void unknownVersion() {
        Status s =
                sidecar.failure(
                        vggRequest()
                                .version("7")
                                .input(Frames.input(vgg, 1, Frames.random(vgg, 1, 0)))
                                .build());
        assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(s.getDescription())
                .isEqualTo("Request for unknown model: 'vgg' version 7 is not found");
    }

    @Test
    void wrongInputName() {
        sidecar.assertInvalid(
                vggRequest()
                        .input(
                                InferInput.fp32(
                                        "images", Frames.shape(vgg, 1), Frames.random(vgg, 1, 0)))
                        .build(),
                "unexpected inference input 'images' for model 'vgg', expected [input]");
    }

    @Test
    void missingInput() {
        sidecar.assertInvalid(
                vggRequest().build(), "expected 1 inputs [input] but got 0 inputs for model 'vgg'");
    }

    @Test
    void wrongDatatype() {
        byte[] raw = new byte[3 * 32 * 32 * 8];
        sidecar.assertInvalid(
                vggRequest()
                        .input(
                                new InferInput(
                                        "input",
                                        "INT64",
                                        Frames.shape(vgg, 1),
                                        ByteString.copyFrom(raw)))
                        .build(),
                "inference input 'input' data-type is 'INT64', but model 'vgg' expects 'FP32'");
    }

    @Test
    void wrongShape() {
        long[] shape = {1, 3, 31, 32};
        sidecar.assertInvalid(
                vggRequest().input(InferInput.fp32("input", shape, new float[3 * 31 * 32])).build(),
                "unexpected shape for input 'input' for model 'vgg'. Expected [-1, 3, 32, 32], got [1, 3, 31, 32]");
    }

    @Test
    void rawContentsLengthNotMatchingTheShape() {
        sidecar.assertInvalid(
                vggRequest()
                        .input(
                                InferInput.fp32(
                                        "input", Frames.shape(vgg, 2), Frames.random(vgg, 1, 0)))
                        .build(),
                "input 'input' raw content has 12288 bytes but shape [2, 3, 32, 32] needs 24576 bytes");
    }

    @Test
    void batchAboveMaxBatchSize() {
        sidecar.assertInvalid(
                vggRequest().input(Frames.input(vgg, 17, Frames.random(vgg, 17, 0))).build(),
                "inference request batch-size must be <= 16 for 'vgg', got 17");
    }

    @Test
    void oversizeMessage() {
        // 100 frames of 12 KiB: past the 1 MiB limit, refused by gRPC before batch-size checks.
        int frames = 100;
        Status s =
                sidecar.failure(
                        vggRequest()
                                .input(Frames.input(vgg, frames, Frames.random(vgg, frames, 0)))
                                .build());
        assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(s.getDescription()).contains("exceeds maximum size " + MAX_MESSAGE_BYTES);
    }

    @Test
    void nanFilledTensor() {
        float[] frame = Frames.random(vgg, 1, 0);
        Arrays.fill(frame, 100, 200, Float.NaN);
        sidecar.assertInvalid(
                vggRequest().input(Frames.input(vgg, 1, frame)).build(),
                "input 'input' contains NaN (first at element 100)");
    }

    @Test
    void unknownRequestedOutput() {
        sidecar.assertInvalid(
                vggRequest()
                        .input(Frames.input(vgg, 1, Frames.random(vgg, 1, 0)))
                        .output("probs")
                        .build(),
                "unexpected inference output 'probs' for model 'vgg', expected [logits]");
    }

    @Test
    void modelFileThatIsNotOnnxIsReportedNotReady() {
        assertThat(sidecar.client.modelReady("not-onnx", "")).isFalse();
        assertThatThrownBy(() -> sidecar.client.modelMetadata("not-onnx", ""))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            assertThat(e.getStatus().getDescription())
                                    .startsWith(
                                            "model 'not-onnx' version 1 is not ready: model 'not-onnx' version 1: model.onnx is not a loadable ONNX model");
                        });
        Status s =
                sidecar.failure(
                        InferRequest.builder("not-onnx")
                                .input(Frames.input(vgg, 1, Frames.random(vgg, 1, 0)))
                                .build());
        assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void modelDirectoryEscapingTheRepositoryIsRefused() {
        assertThat(sidecar.client.modelReady("escapes", "")).isFalse();
        assertThatThrownBy(() -> sidecar.client.modelMetadata("escapes", ""))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            assertThat(e.getStatus().getDescription())
                                    .contains("outside the model repository");
                        });
    }

    @Test
    void modelFileNameEscapingTheRepositoryIsRefused() {
        assertThat(sidecar.client.modelReady("climbs", "")).isFalse();
        assertThatThrownBy(() -> sidecar.client.modelMetadata("climbs", ""))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            assertThat(e.getStatus().getDescription())
                                    .contains("escapes the model repository");
                        });
    }

    @Test
    void unparsableConfigIsReportedNotReady() {
        assertThat(sidecar.client.modelReady("bad-config", "")).isFalse();
        assertThatThrownBy(() -> sidecar.client.modelMetadata("bad-config", ""))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            assertThat(e.getStatus().getDescription())
                                    .contains("not a valid model configuration");
                        });
    }

    @Test
    void modelNameThatLooksLikeAPathIsJustUnknown() {
        Status s =
                sidecar.failure(
                        InferRequest.builder("../" + outside.getFileName() + "/resnet")
                                .input(Frames.input(vgg, 1, Frames.random(vgg, 1, 0)))
                                .build());
        assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void serverStaysReadyWithFailedModelsBeside() {
        assertThat(sidecar.client.serverReady()).isTrue();
    }
}
