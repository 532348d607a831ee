package io.coedge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, {@code /usr/bin/prometheus}, or
 * {@code PROMETHEUS_BIN}) as a child process on 127.0.0.1 and a free port, with its storage in a
 * new temporary folder and a generated scrape configuration. {@link #close()} stops it and removes
 * the folder.
 */
public final class TestPrometheus implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One scrape target: its job name, {@code host:port}, and labels added to its series. */
    public record Target(String job, String address, Map<String, String> labels) {
        public Target {
            labels = Map.copyOf(labels);
        }
    }

    /** One series of a query's answer: its labels and value. */
    public record Sample(Map<String, String> labels, double value) {}

    private final Process process;
    private final Path dir;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private TestPrometheus(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts Prometheus scraping {@code targets} every {@code scrapeInterval}; returns once ready.
     */
    public static TestPrometheus start(List<Target> targets, Duration scrapeInterval)
            throws IOException, InterruptedException {
        String binary = System.getenv().getOrDefault("PROMETHEUS_BIN", "/usr/bin/prometheus");
        if (!Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException(
                    "no Prometheus server at "
                            + binary
                            + ": install Debian's prometheus package (.ci/run does) or set"
                            + " PROMETHEUS_BIN");
        }
        Path dir = Files.createTempDirectory("coedge-prometheus");
        int port = freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, config(targets, scrapeInterval));
        Process p =
                new ProcessBuilder(
                                binary,
                                "--config.file=" + config,
                                "--storage.tsdb.path=" + dir.resolve("data"),
                                "--web.listen-address=127.0.0.1:" + port,
                                "--log.level=warn")
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("prometheus.log").toFile())
                        .start();
        TestPrometheus prometheus = new TestPrometheus(p, dir, port);
        try {
            prometheus.awaitReady(Duration.ofSeconds(60));
        } catch (IOException | InterruptedException | RuntimeException e) {
            prometheus.close();
            throw e;
        }
        return prometheus;
    }

    static String config(List<Target> targets, Duration scrapeInterval) {
        long ms = scrapeInterval.toMillis();
        StringBuilder sb = new StringBuilder();
        sb.append("global:\n")
                .append("  scrape_interval: ")
                .append(ms)
                .append("ms\n")
                .append("  scrape_timeout: ")
                .append(ms)
                .append("ms\n")
                .append("scrape_configs:\n");
        Map<String, List<Target>> byJob = new LinkedHashMap<>();
        for (Target t : targets) {
            byJob.computeIfAbsent(t.job(), j -> new ArrayList<>()).add(t);
        }
        byJob.forEach(
                (job, list) -> {
                    sb.append("  - job_name: '").append(job).append("'\n");
                    sb.append("    static_configs:\n");
                    for (Target t : list) {
                        sb.append("      - targets: ['").append(t.address()).append("']\n");
                        if (!t.labels().isEmpty()) {
                            sb.append("        labels:\n");
                            t.labels()
                                    .forEach(
                                            (k, v) ->
                                                    sb.append("          ")
                                                            .append(k)
                                                            .append(": '")
                                                            .append(v)
                                                            .append("'\n"));
                        }
                    }
                });
        return sb.toString();
    }

    /** http://127.0.0.1:port */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "prometheus exited with " + process.exitValue() + ": " + logTail());
            }
            try {
                HttpResponse<String> r = get("/-/ready");
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("prometheus not ready after " + timeout + ": " + logTail());
    }

    /** An instant query ({@code /api/v1/query}) now; a vector's series, or one scalar sample. */
    public List<Sample> query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> r =
                get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalArgumentException(
                    "query " + promql + " failed (" + r.statusCode() + "): " + r.body());
        }
        JsonNode data = body.path("data");
        List<Sample> out = new ArrayList<>();
        String type = data.path("resultType").asText();
        if (type.equals("scalar")) {
            out.add(new Sample(Map.of(), data.path("result").get(1).asDouble()));
            return out;
        }
        for (JsonNode series : data.path("result")) {
            Map<String, String> labels = new LinkedHashMap<>();
            series.path("metric")
                    .fields()
                    .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            JsonNode value =
                    type.equals("matrix") ? last(series.path("values")) : series.path("value");
            out.add(new Sample(labels, Double.parseDouble(value.get(1).asText())));
        }
        return out;
    }

    private static JsonNode last(JsonNode values) {
        return values.get(values.size() - 1);
    }

    /**
     * Scrape targets by health ({@code up}, {@code down}, {@code unknown}, with the last error),
     * keyed by address.
     */
    public Map<String, String> targetHealth() throws IOException, InterruptedException {
        JsonNode body = JSON.readTree(get("/api/v1/targets").body());
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode t : body.path("data").path("activeTargets")) {
            String error = t.path("lastError").asText();
            out.put(
                    t.path("labels").path("instance").asText(),
                    t.path("health").asText() + (error.isEmpty() ? "" : " (" + error + ")"));
        }
        return out;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(url() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("prometheus.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    /** A free port on 127.0.0.1 (for Prometheus, and for the servers a test asks it to scrape). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
