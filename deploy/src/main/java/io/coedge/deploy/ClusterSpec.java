package io.coedge.deploy;

import io.coedge.catalog.NodeSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link LocalCluster} starts: one JobManager, one TaskManager (one slot) and one sidecar per
 * node, optionally a Kafka broker. Build it with {@link #builder}.
 *
 * @param nodes the edge nodes; each gets a TaskManager ({@code COEDGE_NODE=id}) and, when {@code
 *     models} is set, a sidecar on the port of its catalog address
 * @param dir work folder: Flink configuration, logs, checkpoints, the state file
 * @param restPort Flink REST API and web UI port on 127.0.0.1
 * @param rpcPort JobManager RPC port on 127.0.0.1
 * @param models model repository for the sidecars; null starts no sidecars
 * @param sidecarDevice device override for every sidecar ({@code cpu}, {@code cuda:0}); null takes
 *     each node's catalog {@code accelerator}
 * @param sidecarThreads ONNX Runtime intra-op threads per sidecar session (0 = all cores)
 * @param kafkaPort port of an embedded Kafka broker to start; null starts none
 * @param classpath classpath of every child process (the launcher's own)
 * @param java the {@code java} executable for child processes
 * @param detach start children in their own session (they outlive the launcher and its terminal);
 *     tests leave them attached
 * @param flinkConfig extra Flink configuration for every Flink process, applied last
 * @param nodeModels a repository of its own for some nodes' sidecars (nodes that serve other models
 *     than the rest, as a lamppost without the big detector); the others serve {@code models}
 */
public record ClusterSpec(
        List<NodeSpec> nodes,
        Path dir,
        int restPort,
        int rpcPort,
        Path models,
        String sidecarDevice,
        int sidecarThreads,
        Integer kafkaPort,
        List<String> classpath,
        String java,
        boolean detach,
        Map<String, String> flinkConfig,
        Map<String, Path> nodeModels) {

    /**
     * Sidecar metrics sit 100 above their gRPC port, so the catalog's neighbouring ports stay free.
     */
    public static final int METRICS_PORT_OFFSET = 100;

    public ClusterSpec {
        nodes = List.copyOf(nodes);
        classpath = List.copyOf(classpath);
        flinkConfig = Map.copyOf(flinkConfig);
        nodeModels = Map.copyOf(nodeModels);
        Objects.requireNonNull(dir, "dir");
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one node");
        }
    }

    public static Builder builder(List<NodeSpec> nodes, Path dir) {
        return new Builder(nodes, dir);
    }

    /** The model repository a node's sidecar serves. */
    public Path modelsOf(NodeSpec node) {
        return nodeModels.getOrDefault(node.id(), models);
    }

    /** Metrics port of a node's sidecar. */
    public static int metricsPort(NodeSpec node) {
        return node.sidecarPort() + METRICS_PORT_OFFSET;
    }

    public static final class Builder {
        private final List<NodeSpec> nodes;
        private final Path dir;
        private int restPort = 8081;
        private int rpcPort = 6123;
        private Path models;
        private String sidecarDevice;
        private int sidecarThreads = 1;
        private Integer kafkaPort;
        private List<String> classpath = LaunchClasspath.current();
        private String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        private boolean detach;
        private final Map<String, String> flinkConfig = new LinkedHashMap<>();
        private final Map<String, Path> nodeModels = new LinkedHashMap<>();

        private Builder(List<NodeSpec> nodes, Path dir) {
            this.nodes = new ArrayList<>(nodes);
            this.dir = dir.toAbsolutePath().normalize();
        }

        public Builder restPort(int port) {
            this.restPort = port;
            return this;
        }

        public Builder rpcPort(int port) {
            this.rpcPort = port;
            return this;
        }

        public Builder models(Path models) {
            this.models = models == null ? null : models.toAbsolutePath().normalize();
            return this;
        }

        /** A repository of its own for one node's sidecar (set {@link #models} too). */
        public Builder nodeModels(String node, Path models) {
            this.nodeModels.put(node, models.toAbsolutePath().normalize());
            return this;
        }

        public Builder sidecarDevice(String device) {
            this.sidecarDevice = device;
            return this;
        }

        public Builder sidecarThreads(int threads) {
            this.sidecarThreads = threads;
            return this;
        }

        public Builder kafkaPort(Integer port) {
            this.kafkaPort = port;
            return this;
        }

        public Builder classpath(List<String> classpath) {
            this.classpath = classpath;
            return this;
        }

        public Builder java(String java) {
            this.java = java;
            return this;
        }

        public Builder detach(boolean detach) {
            this.detach = detach;
            return this;
        }

        public Builder flinkConfig(String key, String value) {
            flinkConfig.put(key, value);
            return this;
        }

        public ClusterSpec build() {
            return new ClusterSpec(
                    nodes,
                    dir,
                    restPort,
                    rpcPort,
                    models,
                    sidecarDevice,
                    sidecarThreads,
                    kafkaPort,
                    classpath,
                    java,
                    detach,
                    flinkConfig,
                    nodeModels);
        }
    }
}
