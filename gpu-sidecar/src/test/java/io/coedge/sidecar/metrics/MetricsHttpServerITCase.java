package io.coedge.sidecar.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A client that sends a request line and never finishes the request holds one server thread (the
 * JDK server reads requests on its executor): /metrics and /v2/health/* must still answer, and the
 * server must drop that connection once the request time limit passes.
 */
class MetricsHttpServerITCase {
    /** Generous: an answer normally takes milliseconds; a stalled server never answers. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void halfOpenRequestStallsNeitherMetricsNorHealth() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter.builder().name("probe_total").help("probe").register(registry).inc();
        AtomicBoolean ready = new AtomicBoolean();
        HttpClient http = HttpClient.newBuilder().connectTimeout(ANSWER_TIMEOUT).build();
        try (MetricsHttpServer server =
                        new MetricsHttpServer("127.0.0.1", 0, registry, ready::get);
                Socket stalled = new Socket("127.0.0.1", server.port())) {
            OutputStream out = stalled.getOutputStream();
            out.write(
                    "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush(); // ...and never the blank line that ends the headers
            awaitAServerThreadReadingARequest();

            String base = "http://127.0.0.1:" + server.port();
            assertThat(get(http, base + "/v2/health/live").statusCode()).isEqualTo(200);
            assertThat(get(http, base + "/v2/health/ready").statusCode()).isEqualTo(400);
            ready.set(true);
            assertThat(get(http, base + "/v2/health/ready").statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = get(http, base + "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("probe_total 1.0\n");
            assertThat(get(http, base + "/nothing-here").statusCode()).isEqualTo(404);

            // The JDK server closes the stalled connection after sun.net.httpserver.maxReqTime
            // seconds.
            long maxReqSeconds = Long.parseLong(System.getProperty(MetricsHttpServer.MAX_REQ_TIME));
            stalled.setSoTimeout((int) TimeUnit.SECONDS.toMillis(maxReqSeconds + 30));
            InputStream in = stalled.getInputStream();
            try {
                byte[] answer = in.readAllBytes();
                assertThat(new String(answer, StandardCharsets.US_ASCII))
                        .as("no answer to an unfinished request")
                        .doesNotContain("probe_total");
            } catch (SocketTimeoutException e) {
                throw new AssertionError(
                        "the server kept the stalled connection open for "
                                + (maxReqSeconds + 30)
                                + " s although sun.net.httpserver.maxReqTime is "
                                + maxReqSeconds
                                + " s",
                        e);
            } catch (IOException reset) {
                // closed by the server: what is asked
            }
        }
    }

    private static HttpResponse<String> get(HttpClient http, String uri)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(uri)).timeout(ANSWER_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Until a server thread is blocked reading the unfinished request, the test would prove
     * nothing.
     */
    private static void awaitAServerThreadReadingARequest() {
        await("a server thread takes up the unfinished request")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .dontCatchUncaughtExceptions()
                .until(
                        () ->
                                Thread.getAllStackTraces().entrySet().stream()
                                        .filter(
                                                e ->
                                                        e.getKey()
                                                                .getName()
                                                                .startsWith("coedge-metrics-http-"))
                                        .anyMatch(
                                                e ->
                                                        Arrays.stream(e.getValue())
                                                                .anyMatch(
                                                                        f ->
                                                                                f.getClassName()
                                                                                        .equals(
                                                                                                "sun.net.httpserver.Request"))));
    }
}
