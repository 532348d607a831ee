package io.coedge.testing;

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
