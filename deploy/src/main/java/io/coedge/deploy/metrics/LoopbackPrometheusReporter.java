package io.coedge.deploy.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.util.PortRange;

/**
 * Flink's {@link AbstractPrometheusReporter} (the naming, labels and collectors of {@code
 * PrometheusReporter}) served on one host address instead of every interface. The collectors live
 * in the abstract reporter's package-private registry, read once here by reflection: Flink's
 * reporter has no host option, and copying its 300 lines of collector code would drift from it.
 */
final class LoopbackPrometheusReporter extends AbstractPrometheusReporter {
    private final HTTPServer server;
    private final int port;

    LoopbackPrometheusReporter(String host, PortRange ports) {
        CollectorRegistry registry = registry(this);
        HTTPServer started = null;
        int bound = -1;
        Iterator<Integer> it = ports.getPortsIterator();
        while (started == null && it.hasNext()) {
            int candidate = it.next();
            try {
                started = new HTTPServer(new InetSocketAddress(host, candidate), registry, true);
                bound = started.getPort();
            } catch (IOException taken) {
                log.debug("metrics port {}:{} is taken, trying the next", host, candidate);
            }
        }
        if (started == null) {
            throw new IllegalStateException(
                    "cannot start the Prometheus reporter on "
                            + host
                            + ": every port in "
                            + ports
                            + " is taken");
        }
        server = started;
        port = bound;
        log.info("Prometheus reporter serves http://{}:{}/metrics", host, port);
    }

    private static CollectorRegistry registry(AbstractPrometheusReporter reporter) {
        try {
            Field f = AbstractPrometheusReporter.class.getDeclaredField("registry");
            f.setAccessible(true);
            return (CollectorRegistry) f.get(reporter);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "flink-metrics-prometheus changed: its reporter has no registry field", e);
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        server.stop();
        super.close();
    }
}
