package io.coedge.sidecar.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.oip.InferRequest;
import io.coedge.sidecar.models.ModelGenerator;
import io.coedge.sidecar.testutils.Frames;
import io.coedge.sidecar.testutils.RunningSidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prometheus text and Triton's HTTP health endpoints on the metrics port. */
class MetricsEndpointTest {
    @TempDir
    Path repo;

    @Test
    void countsSuccessesFailuresQueueAndComputeAndAnswersHealth() throws Exception {
        var m = new ModelGenerator(2, ModelGenerator.Scale.TINY).generate("resnet", repo);
        try (RunningSidecar sidecar = RunningSidecar.start(repo)) {
            for (int i = 0; i < 3; i++) {
                sidecar.client.infer(InferRequest.builder("resnet").input(Frames.input(m, 2, Frames.random(m, 2, i))).build())
                        .get(30, TimeUnit.SECONDS);
            }
            try {
                sidecar.client.infer(InferRequest.builder("resnet").input(Frames.input(m, 1, new float[7])).build())
                        .get(30, TimeUnit.SECONDS);
            } catch (ExecutionException expected) {
                // counted below
            }
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + sidecar.server.metricsPort();
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains(
                    "coedge_inference_request_success{model=\"resnet\",version=\"1\"} 3",
                    "coedge_inference_request_failure{model=\"resnet\",version=\"1\",reason=\"INVALID_ARGUMENT\"} 1",
                    "coedge_inference_exec_count{model=\"resnet\",version=\"1\"} 3",
                    "coedge_inference_count{model=\"resnet\",version=\"1\"} 6",
                    "coedge_inference_batch_size_total{model=\"resnet\",version=\"1\",batch_size=\"2\"} 3",
                    "coedge_inference_queue_length{model=\"resnet\",version=\"1\"} 0",
                    "coedge_inference_queue_duration_us{model=\"resnet\",version=\"1\"}",
                    "coedge_inference_compute_infer_duration_us{model=\"resnet\",version=\"1\"}",
                    "coedge_latency_profile_p99_us{model=\"resnet\",version=\"1\",batch_size=\"16\"}",
                    "coedge_model_ready{model=\"resnet\",version=\"1\"} 1",
                    "coedge_device{requested=\"cpu\",device=\"cpu\",fallback=\"false\"} 1");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }
}
