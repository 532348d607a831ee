package io.coedge.sidecar.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferRequest;
import io.coedge.sidecar.testutils.Frames;
import io.coedge.sidecar.testutils.RunningSidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prometheus text and Triton's HTTP health endpoints on the metrics port. */
class MetricsEndpointITCase {
    @TempDir Path repo;

    @Test
    void countsSuccessesFailuresQueueAndComputeAndAnswersHealth() throws Exception {
        var m = new ModelGenerator(2, ModelGenerator.Scale.TINY).generate("resnet", repo);
        try (RunningSidecar sidecar = RunningSidecar.start(repo)) {
            for (int i = 0; i < 3; i++) {
                sidecar.client
                        .infer(
                                InferRequest.builder("resnet")
                                        .input(Frames.input(m, 2, Frames.random(m, 2, i)))
                                        .build())
                        .get(30, TimeUnit.SECONDS);
            }
            try {
                sidecar.client
                        .infer(
                                InferRequest.builder("resnet")
                                        .input(Frames.input(m, 1, new float[7]))
                                        .build())
                        .get(30, TimeUnit.SECONDS);
            } catch (ExecutionException expected) {
                // counted below
            }
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + sidecar.server.metricsPort();
            HttpResponse<String> metrics =
                    http.send(
                            HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            // The Prometheus client writes labels in name order and values as doubles.
            assertThat(metrics.body())
                    .contains(
                            "coedge_inference_request_success{model=\"resnet\",version=\"1\"} 3.0\n",
                            "coedge_inference_request_failure{model=\"resnet\",reason=\"INVALID_ARGUMENT\",version=\"1\"} 1.0\n",
                            "coedge_inference_exec_count{model=\"resnet\",version=\"1\"} 3.0\n",
                            "coedge_inference_count{model=\"resnet\",version=\"1\"} 6.0\n",
                            "coedge_inference_batch_size_total{batch_size=\"2\",model=\"resnet\",version=\"1\"} 3.0\n",
                            "coedge_inference_input_bytes_total{model=\"resnet\",version=\"1\",via=\"message\"} "
                                    + 3 * 2 * 3 * 32 * 32 * 4
                                    + ".0\n",
                            "coedge_inference_queue_length{model=\"resnet\",version=\"1\"} 0.0\n",
                            "coedge_inference_queue_duration_us{model=\"resnet\",version=\"1\"}",
                            "coedge_inference_compute_infer_duration_us{model=\"resnet\",version=\"1\"}",
                            "coedge_latency_profile_p99_us{batch_size=\"16\",model=\"resnet\",version=\"1\"}",
                            "coedge_model_ready{model=\"resnet\",version=\"1\"} 1.0\n",
                            "coedge_device{device=\"cpu\",fallback=\"false\",requested=\"cpu\"} 1.0\n");
            // The names and types as documented in docs/SIDECAR.md: the Triton-named counts keep
            // their
            // names, so they are untyped (the client would append _total to a counter).
            Map<String, String> types = new TreeMap<>();
            metrics.body()
                    .lines()
                    .filter(l -> l.startsWith("# TYPE "))
                    .map(l -> l.split(" "))
                    .forEach(f -> types.put(f[2], f[3]));
            assertThat(types)
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.ofEntries(
                                    Map.entry("coedge_inference_request_success", "untyped"),
                                    Map.entry("coedge_inference_request_failure", "untyped"),
                                    Map.entry("coedge_inference_queue_duration_us", "untyped"),
                                    Map.entry(
                                            "coedge_inference_compute_infer_duration_us",
                                            "untyped"),
                                    Map.entry("coedge_inference_exec_count", "untyped"),
                                    Map.entry("coedge_inference_count", "untyped"),
                                    Map.entry("coedge_inference_batch_size_total", "counter"),
                                    Map.entry("coedge_inference_input_bytes_total", "counter"),
                                    Map.entry("coedge_inference_queue_length", "gauge"),
                                    Map.entry("coedge_latency_profile_p99_us", "gauge"),
                                    Map.entry("coedge_model_ready", "gauge"),
                                    Map.entry("coedge_device", "gauge")));
            assertThat(
                            http.send(
                                            HttpRequest.newBuilder(
                                                            URI.create(base + "/v2/health/live"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode())
                    .isEqualTo(200);
            assertThat(
                            http.send(
                                            HttpRequest.newBuilder(
                                                            URI.create(base + "/v2/health/ready"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode())
                    .isEqualTo(200);
        }
    }
}
