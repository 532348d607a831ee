package io.coedge.sidecar.testutils;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.oip.InferRequest;
import io.coedge.oip.OipClient;
import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.SidecarServer;
import io.coedge.sidecar.runtime.ModelInstance;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A real sidecar on 127.0.0.1 with free ports, and a client connected to it. */
public final class RunningSidecar implements AutoCloseable {
    public final SidecarServer server;
    public final OipClient client;

    private RunningSidecar(SidecarServer server) {
        this.server = server;
        this.client = OipClient.builder("127.0.0.1:" + server.port()).build();
    }

    public static RunningSidecar start(Path repository) throws Exception {
        return start(repository, b -> b);
    }

    public static RunningSidecar start(
            Path repository, UnaryOperator<SidecarOptions.Builder> options) throws Exception {
        SidecarOptions.Builder b =
                SidecarOptions.builder(repository).port(0).metricsPort(0).warmUpRuns(1);
        return new RunningSidecar(SidecarServer.start(options.apply(b).build()));
    }

    public OipClient newClient() {
        return OipClient.builder("127.0.0.1:" + server.port()).build();
    }

    /** The loaded instance of {@code model}'s default (highest) version. */
    public ModelInstance instance(String model) {
        return server.registry().defaultInstance(model).orElseThrow();
    }

    /** The status {@code request} fails with; an AssertionError if it succeeds. */
    public Status failure(InferRequest request) {
        try {
            client.infer(request).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return OipClient.statusOf(e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("request unexpectedly succeeded");
    }

    /** {@code request} fails INVALID_ARGUMENT with this {@code description}, to the letter. */
    public void assertInvalid(InferRequest request, String description) {
        Status s = failure(request);
        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).isEqualTo(description);
    }

    /**
     * Sends one call of {@code busy} (a delay model that runs until cancelled) and returns once it
     * runs on the accelerator with nothing else queued; cancel the future to end it.
     */
    public java.util.concurrent.CompletableFuture<io.coedge.oip.InferResult> holdAccelerator(
            DelayModels.DelayModel busy) {
        var hold =
                client.infer(
                        InferRequest.builder(busy.name())
                                .id("hold")
                                .input(busy.input(1, 0))
                                .build());
        org.awaitility.Awaitility.await("the call holding the accelerator runs")
                .atMost(java.time.Duration.ofSeconds(60))
                .until(
                        () ->
                                server.metrics()
                                                        .inputBytes(
                                                                busy.name(),
                                                                io.coedge.sidecar.metrics
                                                                        .SidecarMetrics.Via.MESSAGE)
                                                > 0
                                        && server.registry().instances().stream()
                                                .allMatch(m -> m.queued().get() == 0));
        return hold;
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
