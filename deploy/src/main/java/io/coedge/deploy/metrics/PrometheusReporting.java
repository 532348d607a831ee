package io.coedge.deploy.metrics;

import java.util.Map;

/**
 * The Flink configuration that turns on the Prometheus reporter ({@link
 * LoopbackPrometheusReporterFactory}) for the local pipeline ({@code coedge run}, {@code coedge
 * demo}) and the process cluster ({@code coedge cluster}). docs/OBSERVABILITY.md lists the metrics.
 */
public final class PrometheusReporting {
    /** The reporter's name in the configuration keys ({@code metrics.reporter.prom.*}). */
    public static final String NAME = "prom";

    /** Flink's default port of its Prometheus reporter: the local pipeline's. */
    public static final int DEFAULT_PORT = 9249;

    /**
     * The process cluster's ports: the JobManager's is {@link #DEFAULT_PORT}, node {@code i} (its
     * index in the cluster's node list) has its TaskManager's on {@code DEFAULT_PORT + 1 + i}.
     */
    public static int clusterTaskManagerPort(int nodeIndex) {
        return DEFAULT_PORT + 1 + nodeIndex;
    }

    private static final String PREFIX = "metrics.reporter." + NAME + ".";

    private PrometheusReporting() {}

    /**
     * @param host address the reporter listens on
     * @param ports a port or a range ({@code 9250-9260}: the first free one)
     */
    public static Map<String, String> config(String host, String ports) {
        return Map.of(
                PREFIX + "factory.class",
                LoopbackPrometheusReporterFactory.class.getName(),
                // Label values as they are (node ids like edge-1), not with '-' turned into '_'.
                PREFIX + "filterLabelValueCharacters",
                "false",
                PREFIX + LoopbackPrometheusReporterFactory.ARG_HOST,
                host,
                PREFIX + LoopbackPrometheusReporterFactory.ARG_PORT,
                ports);
    }

    /** The port key, for callers that set one TaskManager's port. */
    public static String portKey() {
        return PREFIX + LoopbackPrometheusReporterFactory.ARG_PORT;
    }
}
