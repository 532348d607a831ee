package io.coedge.sidecar.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The Prometheus client's HTTP server: /metrics from the registry, and Triton's HTTP health
 * endpoints /v2/health/live and /v2/health/ready on the same port.
 *
 * <p>The JDK server under it reads each request on a thread of its executor, so a client that sends
 * part of a request and stops holds that thread: a few threads keep /metrics and health answering
 * meanwhile, and the JDK's request and response time limits close such connections.
 */
public final class MetricsHttpServer implements AutoCloseable {
    /**
     * Seconds a request may take to arrive, and a response to be sent, before the JDK server closes
     * the connection.
     */
    static final String MAX_REQ_TIME = "sun.net.httpserver.maxReqTime";

    static final String MAX_RSP_TIME = "sun.net.httpserver.maxRspTime";
    static final int THREADS = 4;

    static {
        // Read once per JVM, when the first JDK HTTP server is created; a -D given at start-up
        // wins.
        // (Left unset, the Prometheus client would set 60 and 600 seconds.)
        if (System.getProperty(MAX_REQ_TIME) == null) {
            System.setProperty(MAX_REQ_TIME, "10");
        }
        if (System.getProperty(MAX_RSP_TIME) == null) {
            System.setProperty(MAX_RSP_TIME, "30");
        }
    }

    private final HTTPServer server;

    public MetricsHttpServer(
            String bind, int port, PrometheusRegistry registry, BooleanSupplier ready)
            throws IOException {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor =
                Executors.newFixedThreadPool(
                        THREADS,
                        r -> {
                            Thread t =
                                    new Thread(
                                            r, "coedge-metrics-http-" + threads.getAndIncrement());
                            t.setDaemon(true);
                            return t;
                        });
        try {
            // Configured here only: no prometheus.properties or io.prometheus.* property changes
            // port or paths.
            server =
                    HTTPServer.builder(PrometheusProperties.builder().build())
                            .hostname(bind)
                            .port(port)
                            .registry(registry)
                            .executorService(executor)
                            .registerHealthHandler(false)
                            .defaultHandler(exchange -> health(exchange, ready))
                            .buildAndStart();
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    public int port() {
        return server.getPort();
    }

    /**
     * Everything but /metrics: Triton's health endpoints, else 404. Bodies are empty, as Triton's.
     */
    private static void health(HttpExchange exchange, BooleanSupplier ready) throws IOException {
        int status =
                switch (exchange.getRequestURI().getPath()) {
                    case "/v2/health/live" -> 200;
                    case "/v2/health/ready" -> ready.getAsBoolean() ? 200 : 400;
                    default -> 404;
                };
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    @Override
    public void close() {
        server.close();
    }
}
