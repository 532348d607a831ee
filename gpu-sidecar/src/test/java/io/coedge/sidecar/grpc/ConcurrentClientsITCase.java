package io.coedge.sidecar.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferRequest;
import io.coedge.oip.InferResult;
import io.coedge.oip.OipClient;
import io.coedge.sidecar.testutils.Frames;
import io.coedge.sidecar.testutils.RunningSidecar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sixteen callers share one session of one model and each gets the answer to its own frames. */
class ConcurrentClientsITCase {
    private static final int CLIENTS = 16;
    private static final int CALLS_PER_CLIENT = 5;

    @TempDir Path repo;

    @Test
    void sixteenConcurrentClientsGetCorrectIndependentAnswers() throws Exception {
        var m = new ModelGenerator(3, ModelGenerator.Scale.TINY).generate("resnet", repo);
        try (RunningSidecar sidecar = RunningSidecar.start(repo, b -> b.concurrency(2))) {
            List<OipClient> clients = new ArrayList<>();
            List<CompletableFuture<InferResult>> calls = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                OipClient client = sidecar.newClient();
                clients.add(client);
                for (int k = 0; k < CALLS_PER_CLIENT; k++) {
                    int batch = 1 + (c + k) % 3;
                    float[] frames = Frames.random(m, batch, c * 100L + k);
                    expected.add(Frames.reference(m, batch, frames));
                    calls.add(
                            client.infer(
                                    InferRequest.builder("resnet")
                                            .id(c + "/" + k)
                                            .input(Frames.input(m, batch, frames))
                                            .build()));
                }
            }
            for (int i = 0; i < calls.size(); i++) {
                InferResult r = calls.get(i).get(60, TimeUnit.SECONDS);
                assertThat(r.id()).isEqualTo((i / CALLS_PER_CLIENT) + "/" + (i % CALLS_PER_CLIENT));
                assertThat(Frames.maxAbsDiff(r.output("logits").toFloatArray(), expected.get(i)))
                        .as("call %d", i)
                        .isLessThanOrEqualTo(1e-5f);
            }
            clients.forEach(OipClient::close);
            assertThat(sidecar.server.metrics().successCount("resnet"))
                    .isEqualTo(CLIENTS * CALLS_PER_CLIENT);
            assertThat(sidecar.server.registry().instances()).hasSize(1);
        }
    }
}
