package io.coedge.sidecar.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferRequest;
import io.coedge.oip.InferResult;
import io.coedge.oip.ModelProfile;
import io.coedge.oip.v2.GRPCInferenceServiceGrpc;
import io.coedge.oip.v2.InferParameter;
import io.coedge.oip.v2.ModelInferRequest;
import io.coedge.oip.v2.ModelInferResponse;
import io.coedge.oip.v2.ModelMetadataResponse;
import io.coedge.oip.v2.ServerMetadataResponse;
import io.coedge.sidecar.testutils.Frames;
import io.coedge.sidecar.testutils.RunningSidecar;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every RPC of the Open Inference Protocol, checked through our client and through a raw generated
 * stub.
 */
class OipConformanceITCase {
    @TempDir static Path repo;
    static List<ModelGenerator.GeneratedModel> models;
    static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        models = new ModelGenerator(7, ModelGenerator.Scale.TINY).generateAll(repo);
        sidecar = RunningSidecar.start(repo);
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    @Test
    void serverIsLiveAndReadyAfterWarmUp() {
        assertThat(sidecar.client.serverLive()).isTrue();
        assertThat(sidecar.client.serverReady()).isTrue();
    }

    @Test
    void everyGeneratedModelIsReadyAndUnknownOnesAreNot() {
        for (var m : models) {
            assertThat(sidecar.client.modelReady(m.name(), "")).as(m.name()).isTrue();
            assertThat(sidecar.client.modelReady(m.name(), "1")).as(m.name()).isTrue();
            assertThat(sidecar.client.modelReady(m.name(), "2")).as(m.name()).isFalse();
        }
        assertThat(sidecar.client.modelReady("no-such-model", "")).isFalse();
    }

    @Test
    void serverMetadataNamesTheServerAndTheDeviceUsed() {
        ServerMetadataResponse meta = sidecar.client.serverMetadata();
        assertThat(meta.getName()).isEqualTo("coedge-sidecar");
        assertThat(meta.getVersion()).isNotEmpty();
        assertThat(meta.getExtensionsList())
                .contains("device=cpu", "device_requested=cpu", "coedge_latency_profile");
    }

    @Test
    void modelMetadataDescribesTensorsAndPublishesTheLatencyProfile() {
        ModelMetadataResponse meta = sidecar.client.modelMetadata("yolo-big", "");
        assertThat(meta.getName()).isEqualTo("yolo-big");
        assertThat(meta.getVersionsList()).containsExactly("1");
        assertThat(meta.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(meta.getInputsList())
                .containsExactly(
                        ModelMetadataResponse.TensorMetadata.newBuilder()
                                .setName("images")
                                .setDatatype("FP32")
                                .addAllShape(List.of(-1L, 3L, 64L, 64L))
                                .build());
        assertThat(meta.getOutputsList())
                .containsExactly(
                        ModelMetadataResponse.TensorMetadata.newBuilder()
                                .setName("output0")
                                .setDatatype("FP32")
                                .addAllShape(List.of(-1L, 84L, 84L))
                                .build());
        assertThat(meta.getParametersMap())
                .containsKeys(
                        "latency_us_b1",
                        "latency_us_b2",
                        "latency_us_b4",
                        "latency_us_b8",
                        "queue_length",
                        "device",
                        "max_batch_size",
                        "max_queue_size");
        assertThat(meta.getParametersMap().get("device").getStringParam()).isEqualTo("cpu");

        ModelProfile profile = sidecar.client.profile("vgg");
        assertThat(profile.p99MicrosByBatchSize()).containsOnlyKeys(1, 2, 4, 8, 16);
        assertThat(profile.p99MicrosByBatchSize().values())
                .allSatisfy(us -> assertThat(us).isPositive());
        assertThat(profile.maxBatchSize()).isEqualTo(16);
        assertThat(profile.device()).isEqualTo("cpu");
    }

    @Test
    void modelMetadataOfAnUnknownModelIsNotFound() {
        assertThatThrownBy(() -> sidecar.client.modelMetadata("nope", ""))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void modelInferAnswersWhatTheModelComputesInProcess() throws Exception {
        for (var m : models) {
            float[] frames = Frames.random(m, 2, 11);
            InferResult result =
                    sidecar.client
                            .infer(
                                    InferRequest.builder(m.name())
                                            .id("req-" + m.name())
                                            .input(Frames.input(m, 2, frames))
                                            .build())
                            .get(30, TimeUnit.SECONDS);
            assertThat(result.model()).isEqualTo(m.name());
            assertThat(result.version()).isEqualTo("1");
            assertThat(result.id()).isEqualTo("req-" + m.name());
            assertThat(result.outputs()).hasSize(1);
            assertThat(result.queueMicros()).isNotNegative();
            assertThat(result.computeMicros()).isPositive();
            long[] expectedShape = new long[m.outputDims().length + 1];
            expectedShape[0] = 2;
            System.arraycopy(m.outputDims(), 0, expectedShape, 1, m.outputDims().length);
            assertThat(result.output(m.outputName()).shape()).containsExactly(expectedShape);
            assertThat(
                            Frames.maxAbsDiff(
                                    result.output(m.outputName()).toFloatArray(),
                                    Frames.reference(m, 2, frames)))
                    .as(m.name())
                    .isLessThanOrEqualTo(1e-5f);
        }
    }

    /** What a Triton client sends: the generated stub, raw contents, Triton's own parameters. */
    @Test
    void rawStubRequestInTritonStyleIsServed() throws Exception {
        var m = models.get(2);
        float[] frame = Frames.random(m, 1, 3);
        ByteBuffer raw = ByteBuffer.allocate(frame.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(frame);
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", sidecar.server.port())
                        .usePlaintext()
                        .build();
        try {
            ModelInferResponse response =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .modelInfer(
                                    ModelInferRequest.newBuilder()
                                            .setModelName(m.name())
                                            .setModelVersion("1")
                                            .putParameters(
                                                    "priority",
                                                    InferParameter.newBuilder()
                                                            .setUint64Param(1)
                                                            .build())
                                            .putParameters(
                                                    "timeout",
                                                    InferParameter.newBuilder()
                                                            .setInt64Param(5_000_000)
                                                            .build())
                                            .addInputs(
                                                    ModelInferRequest.InferInputTensor.newBuilder()
                                                            .setName(m.inputName())
                                                            .setDatatype("FP32")
                                                            .addAllShape(List.of(1L, 3L, 32L, 32L)))
                                            .addOutputs(
                                                    ModelInferRequest.InferRequestedOutputTensor
                                                            .newBuilder()
                                                            .setName(m.outputName()))
                                            .addRawInputContents(ByteString.copyFrom(raw.array()))
                                            .build());
            assertThat(response.getOutputsList())
                    .extracting(ModelInferResponse.InferOutputTensor::getName)
                    .containsExactly("logits");
            ByteBuffer out =
                    response.getRawOutputContents(0)
                            .asReadOnlyByteBuffer()
                            .order(ByteOrder.LITTLE_ENDIAN);
            float[] got = new float[10];
            out.asFloatBuffer().get(got);
            assertThat(Frames.maxAbsDiff(got, Frames.reference(m, 1, frame)))
                    .isLessThanOrEqualTo(1e-5f);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void typedFp32ContentsAreAcceptedToo() throws Exception {
        var m = models.get(3);
        float[] frame = Frames.random(m, 1, 5);
        var contents = io.coedge.oip.v2.InferTensorContents.newBuilder();
        for (float f : frame) {
            contents.addFp32Contents(f);
        }
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", sidecar.server.port())
                        .usePlaintext()
                        .build();
        try {
            ModelInferResponse response =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel)
                            .modelInfer(
                                    ModelInferRequest.newBuilder()
                                            .setModelName(m.name())
                                            .addInputs(
                                                    ModelInferRequest.InferInputTensor.newBuilder()
                                                            .setName(m.inputName())
                                                            .setDatatype("FP32")
                                                            .addAllShape(List.of(1L, 3L, 32L, 32L))
                                                            .setContents(contents))
                                            .build());
            float[] got = new float[10];
            response.getRawOutputContents(0)
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(got);
            assertThat(Frames.maxAbsDiff(got, Frames.reference(m, 1, frame)))
                    .isLessThanOrEqualTo(1e-5f);
        } finally {
            channel.shutdownNow();
        }
    }
}
