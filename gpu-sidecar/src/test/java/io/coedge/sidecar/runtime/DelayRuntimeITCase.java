package io.coedge.sidecar.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.oip.InferRequest;
import io.coedge.oip.InferResult;
import io.coedge.oip.ModelProfile;
import io.coedge.oip.v2.ModelMetadataResponse;
import io.coedge.sidecar.testutils.DelayModels;
import io.coedge.sidecar.testutils.RunningSidecar;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delay model served over gRPC like an ONNX model: metadata, latency profile, outputs, compute
 * time, metrics.
 */
class DelayRuntimeITCase {
    @TempDir Path repo;

    @Test
    void servedThroughTheSameProtocolProfileAndMetrics() throws Exception {
        var model = DelayModels.write(repo, "delay", new long[] {4}, 4, 30_000, 10_000, 0);
        try (RunningSidecar sidecar = RunningSidecar.start(repo)) {
            ModelMetadataResponse meta = sidecar.client.modelMetadata("delay", "");
            assertThat(meta.getPlatform()).isEqualTo("coedge_delay");
            assertThat(meta.getInputsList())
                    .containsExactly(
                            ModelMetadataResponse.TensorMetadata.newBuilder()
                                    .setName("input")
                                    .setDatatype("FP32")
                                    .addShape(-1)
                                    .addShape(4)
                                    .build());

            // Warm-up measured every batch size; each p99 is at least the set delay, whatever the
            // machine.
            ModelProfile profile = sidecar.client.profile("delay");
            assertThat(profile.p99MicrosByBatchSize()).containsOnlyKeys(1, 2, 4);
            profile.p99MicrosByBatchSize()
                    .forEach(
                            (batch, us) ->
                                    assertThat(us)
                                            .as("batch %d", batch)
                                            .isGreaterThanOrEqualTo(
                                                    model.delayNanos(batch) / 1000));

            InferResult result =
                    sidecar.client
                            .infer(
                                    InferRequest.builder("delay")
                                            .input(model.input(3, 2.5f))
                                            .build())
                            .get(60, TimeUnit.SECONDS);
            assertThat(result.output("output").shape()).containsExactly(3, 4);
            assertThat(result.output("output").toFloatArray()).hasSize(12).containsOnly(2.5f);
            assertThat(result.computeMicros()).isGreaterThanOrEqualTo(model.delayNanos(3) / 1000);
            assertThat(sidecar.server.metrics().successCount("delay")).isEqualTo(1);
        }
    }
}
