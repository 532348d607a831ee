package io.coedge.deploy.metrics;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.PortRange;

/**
 * Flink's Prometheus reporter ({@code flink-metrics-prometheus}) on an address of our choosing:
 * Flink's own {@code PrometheusReporterFactory} listens on every interface, and the local pipeline
 * and process cluster keep every server on 127.0.0.1. Options, as for Flink's factory: {@code
 * metrics.reporter.<name>.port} (a port or range, first free one wins) and, new, {@code
 * metrics.reporter.<name>.host} (default 127.0.0.1). The metric names and labels are Flink's
 * reporter's own ({@link LoopbackPrometheusReporter} only replaces its HTTP server). In a pod,
 * Flink's own factory is the one to use (deploy/k8s).
 */
public final class LoopbackPrometheusReporterFactory implements MetricReporterFactory {
    static final String ARG_HOST = "host";
    static final String ARG_PORT = "port";
    static final String DEFAULT_HOST = "127.0.0.1";
    static final String DEFAULT_PORT = "9249";

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        String host = properties.getProperty(ARG_HOST, DEFAULT_HOST);
        PortRange ports = new PortRange(properties.getProperty(ARG_PORT, DEFAULT_PORT));
        return new LoopbackPrometheusReporter(host, ports);
    }
}
