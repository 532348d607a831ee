package io.coedge.sidecar.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.coedge.oip.InferRequest;
import io.coedge.oip.InferResult;
import io.coedge.oip.OipClient;
import io.coedge.oip.v2.GRPCInferenceServiceGrpc;
import io.coedge.oip.v2.InferParameter;
import io.coedge.oip.v2.ModelInferRequest;
import io.coedge.sidecar.metrics.SidecarMetrics;
import io.coedge.sidecar.testutils.DelayModels;
import io.coedge.sidecar.testutils.RunningSidecar;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission and order on the one accelerator: deadline refusal on arrival and in the queue,
 * queue-full refusal, earliest-deadline-first across callers, cancelled calls leave the queue.
 *
 * <p>Every model is a delay model, so each execution takes the time the test sets, on any machine:
 * assertions depend on those delays only (lower bounds, never upper bounds on wall time; the time
 * limits on waiting are there so that a broken build fails instead of hanging).
 */
class DeadlineSchedulingITCase {
    /**
     * Keeps the accelerator busy: 60 s per call, ended by cancelling it. Its input has a variable
     * dimension, so warm-up does not run it (no profile, no refusal; its calls carry no deadline).
     */
    private static final long BUSY_US = 60_000_000;

    /** Takes 500 ms per call. */
    private static final long SLOW_US = 500_000;

    /** Takes 20 ms per call; queue bound 2. */
    private static final long QUICK_US = 20_000;

    /** Takes 100 ms per call: the gap between two completions, for the order to show. */
    private static final long ORDERED_US = 100_000;

    private static final long WAIT_SECONDS = 60;

    @TempDir static Path repo;
    static DelayModels.DelayModel busy;
    static DelayModels.DelayModel slow;
    static DelayModels.DelayModel quick;
    static DelayModels.DelayModel ordered;
    static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        busy = DelayModels.write(repo, "busy", new long[] {-1}, 0, BUSY_US, 0, 0);
        slow = DelayModels.write(repo, "slow", new long[] {4}, 0, SLOW_US, 0, 0);
        quick = DelayModels.write(repo, "quick", new long[] {4}, 0, QUICK_US, 0, 2);
        ordered = DelayModels.write(repo, "ordered", new long[] {4}, 0, ORDERED_US, 0, 0);
        sidecar = RunningSidecar.start(repo);
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    /** Two busy calls: the first runs, the second waits; returns once that is so. */
    private static List<CompletableFuture<InferResult>> occupyAccelerator() {
        long bytesBefore = sidecar.server.metrics().inputBytes("busy", SidecarMetrics.Via.MESSAGE);
        List<CompletableFuture<InferResult>> calls = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            calls.add(
                    sidecar.client.infer(
                            InferRequest.builder("busy")
                                    .id("busy" + i)
                                    .input(busy.input(1, i))
                                    .build()));
        }
        // Both arrived (4 input bytes each), and one of them left the queue for the accelerator.
        awaitTrue(
                () ->
                        sidecar.server.metrics().inputBytes("busy", SidecarMetrics.Via.MESSAGE)
                                        == bytesBefore + 8
                                && sidecar.instance("busy").queued().get() == 1,
                "second busy call waits behind the first");
        return calls;
    }

    /**
     * Cancels the busy calls still going (the running one stops at once) and waits until the
     * accelerator is idle.
     */
    private static void release(List<CompletableFuture<InferResult>> calls) throws Exception {
        calls.forEach(c -> c.cancel(true));
        // A call without deadline runs once every execution before it has ended.
        sidecar.client
                .infer(InferRequest.builder("ordered").input(ordered.input(1, 0)).build())
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        await(what)
                .atMost(Duration.ofSeconds(WAIT_SECONDS))
                .pollInterval(Duration.ofMillis(2))
                .dontCatchUncaughtExceptions()
                .until(condition::getAsBoolean);
    }

    private static void awaitAll(List<CompletableFuture<InferResult>> calls) throws Exception {
        for (var c : calls) {
            c.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void requestThatCannotMeetItsDeadlineIsRefusedAtOnce() throws Exception {
        // Warm-up measured the slow model: its estimate is at least its 500 ms, on any machine.
        assertThat(sidecar.instance("slow").profile().estimateNanos(1))
                .isGreaterThanOrEqualTo(slow.delayNanos(1));
        long refusedBefore =
                sidecar.server
                        .metrics()
                        .failureCount("slow", SidecarMetrics.Reason.REJECTED_DEADLINE);
        long successesBefore = sidecar.server.metrics().successCount("slow");
        // Triton's timeout parameter only (no gRPC deadline), half the model's delay: the server
        // alone decides, and refuses on arrival (admission), not shed from the queue or stopped at
        // the accelerator.
        assertThat(refusal(slow, "timeout", SLOW_US / 2))
                .startsWith("Request timeout expired: model 'slow' needs about ")
                .contains("but the deadline is");
        assertThat(sidecar.instance("slow").queued().get()).isZero();
        assertThat(
                        sidecar.server
                                .metrics()
                                .failureCount("slow", SidecarMetrics.Reason.REJECTED_DEADLINE))
                .isEqualTo(refusedBefore + 1);
        assertThat(sidecar.server.metrics().successCount("slow")).isEqualTo(successesBefore);
    }

    @Test
    void pastDeadlineParameterIsRefusedWithTritonsMessage() throws Exception {
        long pastMicros = Instant.now().minusSeconds(1).toEpochMilli() * 1000;
        assertThat(refusal(quick, "deadline", pastMicros)).startsWith("Request timeout expired");
    }

    @Test
    void queuedRequestIsShedOnceItsDeadlineCannotBeMet() throws Exception {
        var calls = occupyAccelerator();
        try {
            long timeoutUs = 300_000;
            // The request may wait until its deadline less the model's estimate (at least its 20
            // ms).
            long estimate = sidecar.instance("quick").profile().estimateNanos(1);
            assertThat(estimate)
                    .isGreaterThanOrEqualTo(quick.delayNanos(1))
                    .isLessThan(timeoutUs * 1000);
            long start = System.nanoTime();
            assertThat(refusal(quick, "timeout", timeoutUs))
                    .isEqualTo(
                            "Request timeout expired: request for model 'quick' could not start"
                                    + " in time to meet its deadline");
            assertThat(System.nanoTime() - start)
                    .as("not shed before its latest start")
                    .isGreaterThanOrEqualTo(timeoutUs * 1000 - estimate);
            assertThat(calls.get(0)).as("shed while the accelerator was still busy").isNotDone();
            assertThat(sidecar.instance("quick").queued().get()).isZero();
        } finally {
            release(calls);
        }
    }

    @Test
    void fullQueueRefusesWithResourceExhausted() throws Exception {
        var calls = occupyAccelerator();
        List<CompletableFuture<InferResult>> queued = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                queued.add(
                        sidecar.client.infer(
                                InferRequest.builder("quick").input(quick.input(1, i)).build()));
            }
            awaitTrue(
                    () -> sidecar.instance("quick").queued().get() == 2, "two quick calls queued");
            var third =
                    sidecar.client.infer(
                            InferRequest.builder("quick").input(quick.input(1, 9)).build());
            assertThatThrownBy(() -> third.get(WAIT_SECONDS, TimeUnit.SECONDS))
                    .isInstanceOfSatisfying(
                            ExecutionException.class,
                            e -> {
                                Status status = OipClient.statusOf(e.getCause());
                                assertThat(status.getCode())
                                        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                                assertThat(status.getDescription())
                                        .isEqualTo("Exceeds maximum queue size 2 of model 'quick'");
                            });
            assertThat(calls.get(0)).isNotDone();
        } finally {
            release(calls);
        }
        awaitAll(queued);
    }

    @Test
    void waitingRequestsOfAllCallersRunEarliestDeadlineFirst() throws Exception {
        var calls = occupyAccelerator();
        List<OipClient> clients = new ArrayList<>();
        try {
            Instant now = Instant.now();
            // Deadlines 30 s .. 26 s away, sent in an order unrelated to their deadlines, one
            // client each.
            int[] secondsAway = {28, 30, 26, 29, 27};
            List<String> completionOrder = Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<InferResult>> waiting = new ArrayList<>();
            for (int s : secondsAway) {
                OipClient client = sidecar.newClient();
                clients.add(client);
                var call =
                        client.infer(
                                InferRequest.builder("ordered")
                                        .id("d" + s)
                                        .deadline(now.plusSeconds(s))
                                        .input(ordered.input(1, s))
                                        .build());
                call.whenComplete((r, e) -> completionOrder.add(r != null ? r.id() : "error:" + e));
                waiting.add(call);
            }
            awaitTrue(
                    () -> sidecar.instance("ordered").queued().get() == secondsAway.length,
                    "all five queued");
            assertThat(calls.get(0))
                    .as("all five queued while the accelerator was busy")
                    .isNotDone();
            calls.get(0).cancel(true); // the accelerator takes the queue from here
            awaitAll(waiting);
            assertThat(completionOrder).containsExactly("d26", "d27", "d28", "d29", "d30");
            // The deadline-less busy call waited behind every request that had a deadline.
            assertThat(calls.get(1)).isNotDone();
        } finally {
            release(calls);
            clients.forEach(OipClient::close);
        }
    }

    @Test
    void cancelledCallLeavesTheQueueAndCostsNothing() throws Exception {
        var calls = occupyAccelerator();
        long cancelledBefore =
                sidecar.server.metrics().failureCount("quick", SidecarMetrics.Reason.CANCELLED);
        long successesBefore = sidecar.server.metrics().successCount("quick");
        try {
            var call =
                    sidecar.client.infer(
                            InferRequest.builder("quick").input(quick.input(1, 1)).build());
            awaitTrue(() -> sidecar.instance("quick").queued().get() == 1, "the quick call queued");
            call.cancel(true);
            awaitTrue(
                    () -> sidecar.instance("quick").queued().get() == 0,
                    "the cancelled call left the queue");
            assertThat(calls.get(0)).isNotDone();
            assertThat(
                            sidecar.server
                                    .metrics()
                                    .failureCount("quick", SidecarMetrics.Reason.CANCELLED))
                    .isEqualTo(cancelledBefore + 1);
        } finally {
            release(calls);
        }
        sidecar.client
                .infer(InferRequest.builder("quick").input(quick.input(1, 2)).build())
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(sidecar.server.metrics().successCount("quick"))
                .as("only the call that was not cancelled ran")
                .isEqualTo(successesBefore + 1);
    }

    /**
     * The reason of the DEADLINE_EXCEEDED a ModelInfer of {@code model} with Triton's parameter
     * {@code name} = {@code value} is refused with; sent on a raw stub, so that no gRPC deadline is
     * set and only the parameter bounds it.
     */
    private static String refusal(DelayModels.DelayModel model, String name, long value) {
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", sidecar.server.port())
                        .usePlaintext()
                        .build();
        try {
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .modelInfer(
                            request(model)
                                    .putParameters(
                                            name,
                                            InferParameter.newBuilder()
                                                    .setInt64Param(value)
                                                    .build())
                                    .build());
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            return e.getStatus().getDescription();
        } finally {
            channel.shutdownNow();
        }
        throw new AssertionError("the request to " + model.name() + " was not refused");
    }

    private static ModelInferRequest.Builder request(DelayModels.DelayModel model) {
        long[] shape = model.shape(1);
        ByteBuffer raw =
                ByteBuffer.allocate(
                                4 * (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b))
                        .order(ByteOrder.LITTLE_ENDIAN);
        ModelInferRequest.InferInputTensor.Builder input =
                ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("input")
                        .setDatatype("FP32");
        for (long d : shape) {
            input.addShape(d);
        }
        return ModelInferRequest.newBuilder()
                .setModelName(model.name())
                .addInputs(input)
                .addRawInputContents(com.google.protobuf.ByteString.copyFrom(raw.array()));
    }
}
