package io.coedge.sidecar.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.TextFormat;
import io.coedge.oip.v2.GRPCInferenceServiceGrpc;
import io.coedge.oip.v2.InferParameter;
import io.coedge.oip.v2.ModelInferRequest;
import io.coedge.oip.v2.config.ModelConfig;
import io.coedge.oip.InferRequest;
import io.coedge.oip.InferResult;
import io.coedge.oip.OipClient;
import io.coedge.sidecar.metrics.SidecarMetrics;
import io.coedge.sidecar.models.ModelGenerator;
import io.coedge.sidecar.runtime.ModelInstance;
import io.coedge.sidecar.testutils.Frames;
import io.coedge.sidecar.testutils.RunningSidecar;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission and order on the one accelerator: deadline refusal on arrival and in the queue,
 * queue-full refusal, earliest-deadline-first across callers, cancelled calls leave the queue.
 * The accelerator is kept busy with real yolo-big batches of 8 (about a second each on 2 cores).
 */
class DeadlineSchedulingTest {
    @TempDir
    static Path repo;
    static ModelGenerator.GeneratedModel yolo;
    static ModelGenerator.GeneratedModel vgg;
    static ModelGenerator.GeneratedModel tinyVgg;
    static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        ModelGenerator full = new ModelGenerator(1, ModelGenerator.Scale.FULL);
        yolo = full.generate("yolo-big", repo);
        vgg = full.generate("vgg", repo);
        Path tinyRoot = repo.resolveSibling(repo.getFileName() + "-tiny");
        var tiny = new ModelGenerator(1, ModelGenerator.Scale.TINY).generate("vgg", tinyRoot);
        // The same tiny model under another name, with a queue of 2.
        Path q2 = repo.resolve("vgg-q2");
        Files.createDirectories(q2.resolve("1"));
        Files.copy(tiny.directory().resolve("1/model.onnx"), q2.resolve("1/model.onnx"));
        ModelConfig.Builder config = ModelConfig.newBuilder();
        TextFormat.merge(Files.readString(tiny.directory().resolve("config.pbtxt")), config);
        config.setName("vgg-q2").getDynamicBatchingBuilder().getDefaultQueuePolicyBuilder().setMaxQueueSize(2);
        Files.writeString(q2.resolve("config.pbtxt"), TextFormat.printer().printToString(config.build()));
        tinyVgg = new ModelGenerator.GeneratedModel("vgg-q2", tiny.inputName(), tiny.inputDims(), tiny.outputName(),
                tiny.outputDims(), tiny.maxBatchSize(), q2);
        sidecar = RunningSidecar.start(repo);
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    /** Two yolo-big batches of 8: the first runs, the second waits; returns once that is so. */
    private static List<CompletableFuture<InferResult>> occupyAccelerator() throws InterruptedException {
        ModelInstance yoloInstance = instance("yolo-big");
        List<CompletableFuture<InferResult>> busy = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            busy.add(sidecar.client.infer(InferRequest.builder("yolo-big")
                    .input(Frames.input(yolo, 8, Frames.random(yolo, 8, i))).build()));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (yoloInstance.queued().get() != 1 && System.nanoTime() < until) {
            Thread.sleep(2);
        }
        assertThat(yoloInstance.queued().get()).as("second yolo batch waits behind the first").isEqualTo(1);
        return busy;
    }

    private static ModelInstance instance(String model) {
        return sidecar.server.registry().model(model).orElseThrow().versions().lastEntry().getValue().instance().orElseThrow();
    }

    private static void awaitAll(List<CompletableFuture<InferResult>> calls) throws Exception {
        for (var c : calls) {
            c.get(120, TimeUnit.SECONDS);
        }
    }

    @Test
    void requestThatCannotMeetItsDeadlineIsRefusedAtOnce() {
        long before = sidecar.server.metrics().failureCount("yolo-big", SidecarMetrics.Reason.REJECTED_DEADLINE);
        long start = System.nanoTime();
        // yolo-big needs a second or more for a batch of 8 on 2 cores; 500 ms cannot be met.
        var call = sidecar.client.infer(InferRequest.builder("yolo-big").timeout(Duration.ofMillis(500))
                .input(Frames.input(yolo, 8, Frames.random(yolo, 8, 5))).build());
        assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS)).isInstanceOfSatisfying(ExecutionException.class, e -> {
            Status status = OipClient.statusOf(e.getCause());
            assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(status.getDescription()).startsWith("Request timeout expired");
        });
        // Refused on arrival, not after waiting out the 500 ms.
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(500);
        assertThat(sidecar.server.metrics().failureCount("yolo-big", SidecarMetrics.Reason.REJECTED_DEADLINE))
                .isEqualTo(before + 1);
    }

    @Test
    void pastDeadlineParameterIsRefusedWithTritonsMessage() {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.server.port()).usePlaintext().build();
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
            long pastMicros = Instant.now().minusSeconds(1).toEpochMilli() * 1000;
            assertThatThrownBy(() -> stub.modelInfer(tinyRequest()
                    .putParameters("deadline", InferParameter.newBuilder().setInt64Param(pastMicros).build()).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getStatus().getDescription()).startsWith("Request timeout expired");
                    });
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void queuedRequestIsShedOnceItsDeadlineCannotBeMet() throws Exception {
        var busy = occupyAccelerator();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.server.port()).usePlaintext().build();
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
            long start = System.nanoTime();
            // Triton's timeout parameter only (no gRPC deadline): the server alone decides.
            assertThatThrownBy(() -> stub.modelInfer(tinyRequest()
                    .putParameters("timeout", InferParameter.newBuilder().setInt64Param(300_000).build()).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getStatus().getDescription()).startsWith("Request timeout expired");
                    });
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(elapsedMs).isBetween(250L, 1000L);
            assertThat(busy.get(1)).as("shed while the accelerator was still busy").isNotDone();
            assertThat(instance("vgg-q2").queued().get()).isZero();
        } finally {
            channel.shutdownNow();
        }
        awaitAll(busy);
    }

    @Test
    void fullQueueRefusesWithResourceExhausted() throws Exception {
        var busy = occupyAccelerator();
        List<CompletableFuture<InferResult>> queued = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            queued.add(sidecar.client.infer(InferRequest.builder("vgg-q2")
                    .input(Frames.input(tinyVgg, 1, Frames.random(tinyVgg, 1, i))).build()));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (instance("vgg-q2").queued().get() < 2 && System.nanoTime() < until) {
            Thread.sleep(2);
        }
        var third = sidecar.client.infer(InferRequest.builder("vgg-q2")
                .input(Frames.input(tinyVgg, 1, Frames.random(tinyVgg, 1, 9))).build());
        assertThatThrownBy(() -> third.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(ExecutionException.class, e -> {
            Status status = OipClient.statusOf(e.getCause());
            assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(status.getDescription()).startsWith("Exceeds maximum queue size");
        });
        assertThat(busy.get(1)).isNotDone();
        awaitAll(queued);
        awaitAll(busy);
    }

    @Test
    void waitingRequestsOfAllCallersRunEarliestDeadlineFirst() throws Exception {
        var busy = occupyAccelerator();
        Instant now = Instant.now();
        // Deadlines 30 s .. 26 s away, sent in an order unrelated to their deadlines, one client each.
        int[] secondsAway = {28, 30, 26, 29, 27};
        List<String> completionOrder = Collections.synchronizedList(new ArrayList<>());
        List<OipClient> clients = new ArrayList<>();
        List<CompletableFuture<InferResult>> calls = new ArrayList<>();
        for (int s : secondsAway) {
            OipClient client = sidecar.newClient();
            clients.add(client);
            var call = client.infer(InferRequest.builder("vgg").id("d" + s).deadline(now.plusSeconds(s))
                    .input(Frames.input(vgg, 8, Frames.random(vgg, 8, s))).build());
            call.whenComplete((r, e) -> completionOrder.add(r != null ? r.id() : "error:" + e));
            calls.add(call);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (instance("vgg").queued().get() < secondsAway.length && System.nanoTime() < until) {
            Thread.sleep(2);
        }
        assertThat(busy.get(1)).as("all five queued while the accelerator was busy").isNotDone();
        awaitAll(calls);
        assertThat(completionOrder).containsExactly("d26", "d27", "d28", "d29", "d30");
        // The deadline-less yolo batch waited behind every request that had a deadline.
        awaitAll(busy);
        clients.forEach(OipClient::close);
    }

    @Test
    void cancelledCallLeavesTheQueueAndCostsNothing() throws Exception {
        var busy = occupyAccelerator();
        long before = sidecar.server.metrics().failureCount("vgg-q2", SidecarMetrics.Reason.CANCELLED);
        var call = sidecar.client.infer(InferRequest.builder("vgg-q2")
                .input(Frames.input(tinyVgg, 1, Frames.random(tinyVgg, 1, 1))).build());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (instance("vgg-q2").queued().get() < 1 && System.nanoTime() < until) {
            Thread.sleep(2);
        }
        call.cancel(true);
        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (instance("vgg-q2").queued().get() > 0 && System.nanoTime() < until) {
            Thread.sleep(2);
        }
        assertThat(instance("vgg-q2").queued().get()).isZero();
        assertThat(busy.get(1)).isNotDone();
        assertThat(sidecar.server.metrics().failureCount("vgg-q2", SidecarMetrics.Reason.CANCELLED)).isEqualTo(before + 1);
        awaitAll(busy);
        long successesBefore = sidecar.server.metrics().successCount("vgg-q2");
        sidecar.client.infer(InferRequest.builder("vgg-q2")
                .input(Frames.input(tinyVgg, 1, Frames.random(tinyVgg, 1, 2))).build()).get(30, TimeUnit.SECONDS);
        assertThat(sidecar.server.metrics().successCount("vgg-q2")).isEqualTo(successesBefore + 1);
    }

    private static ModelInferRequest.Builder tinyRequest() {
        float[] frame = Frames.random(tinyVgg, 1, 4);
        return ModelInferRequest.newBuilder().setModelName("vgg-q2")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(tinyVgg.inputName()).setDatatype("FP32")
                        .addAllShape(List.of(1L, 3L, 32L, 32L)))
                .addRawInputContents(Frames.input(tinyVgg, 1, frame).data());
    }
}
