package io.coedge.testing;

import io.coedge.models.ModelGenerator;
import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.SidecarServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Real sidecars (ONNX Runtime + gRPC on 127.0.0.1) in the test JVM, one per node, each of which a
 * test can stop and start again on the same port, as a node's sidecar process dies and comes back.
 */
public final class TestSidecars implements AutoCloseable {
    private final Path models;
    private final Map<String, SidecarServer> running = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Integer> metricsPorts = new LinkedHashMap<>();
    private final boolean metrics;

    public TestSidecars(Path models, List<String> nodes) throws Exception {
        this(models, nodes, false);
    }

    /**
     * Sidecars for {@code nodes} serving the tiny models {@link ModelGenerator} makes with {@code
     * seed}: all of them, or only those named; written to {@code dir/models} ({@link #models()}).
     */
    public static TestSidecars generated(Path dir, long seed, List<String> nodes, String... models)
            throws Exception {
        return generated(dir, seed, nodes, false, models);
    }

    /** As {@link #generated(Path, long, List, String...)}, each sidecar also serving /metrics. */
    public static TestSidecars generated(
            Path dir, long seed, List<String> nodes, boolean metrics, String... models)
            throws Exception {
        Path out = dir.resolve("models");
        ModelGenerator generator = new ModelGenerator(seed, ModelGenerator.Scale.TINY);
        if (models.length == 0) {
            generator.generateAll(out);
        }
        for (String model : models) {
            generator.generate(model, out);
        }
        return new TestSidecars(out, nodes, metrics);
    }

    /**
     * @param metrics also serve each sidecar's {@code /metrics} (Prometheus text) on a free port of
     *     127.0.0.1, {@link #metricsAddresses()}
     */
    public TestSidecars(Path models, List<String> nodes, boolean metrics) throws Exception {
        this.models = models;
        this.metrics = metrics;
        try {
            for (String node : nodes) {
                start(node);
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** Starts {@code node}'s sidecar: on a free port the first time, on its old port after that. */
    public void start(String node) throws Exception {
        SidecarServer server =
                SidecarServer.start(
                        SidecarOptions.builder(models)
                                .bind("127.0.0.1")
                                .port(ports.getOrDefault(node, 0))
                                .metricsPort(metrics ? metricsPorts.getOrDefault(node, 0) : -1)
                                .warmUpRuns(1)
                                .build());
        running.put(node, server);
        ports.put(node, server.port());
        if (metrics) {
            metricsPorts.put(node, server.metricsPort());
        }
    }

    /** Stops {@code node}'s sidecar as if its process died: the port stops answering. */
    public void stop(String node) {
        SidecarServer server = running.remove(node);
        if (server != null) {
            server.close();
        }
    }

    /** The model repository the sidecars serve. */
    public Path models() {
        return models;
    }

    /** {@code node}'s running sidecar, for what it counts in this JVM (metrics, sessions). */
    public SidecarServer server(String node) {
        SidecarServer server = running.get(node);
        if (server == null) {
            throw new IllegalStateException("no sidecar running for " + node);
        }
        return server;
    }

    /** node -> host:port, for {@code BatcherConfig.withSidecars}. */
    public Map<String, String> addresses() {
        Map<String, String> out = new LinkedHashMap<>();
        ports.forEach((node, port) -> out.put(node, "127.0.0.1:" + port));
        return out;
    }

    /** node -> host:port of its {@code /metrics}; empty unless constructed with metrics. */
    public Map<String, String> metricsAddresses() {
        Map<String, String> out = new LinkedHashMap<>();
        metricsPorts.forEach((node, port) -> out.put(node, "127.0.0.1:" + port));
        return out;
    }

    @Override
    public void close() {
        running.values().forEach(SidecarServer::close);
        running.clear();
    }
}
