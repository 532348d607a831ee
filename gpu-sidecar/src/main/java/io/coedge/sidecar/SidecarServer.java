package io.coedge.sidecar;

import io.coedge.sidecar.grpc.InferenceService;
import io.coedge.sidecar.metrics.MetricsHttpServer;
import io.coedge.sidecar.metrics.SidecarMetrics;
import io.coedge.sidecar.repository.ModelRepository;
import io.coedge.sidecar.runtime.Device;
import io.coedge.sidecar.runtime.DeviceSelector;
import io.coedge.sidecar.runtime.ModelRegistry;
import io.coedge.sidecar.scheduling.EdfScheduler;
import io.coedge.sidecar.scheduling.Reprofiler;
import io.coedge.sidecar.shm.SharedMemoryManager;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared inference process of an edge node: every model of the repository loaded once, served
 * over the Open Inference Protocol (gRPC) with Prometheus metrics beside it.
 */
public final class SidecarServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarServer.class);

    private final SidecarOptions options;
    private final Device device;
    private final ModelRegistry registry;
    private final EdfScheduler scheduler;
    private final SidecarMetrics metrics;
    private final Server grpc;
    private final MetricsHttpServer http;
    private volatile boolean warmedUp;

    /** Ticks the {@link Reprofiler}; null when {@code --reprofile-after} is 0. */
    private volatile java.util.concurrent.ScheduledExecutorService reprofiling;

    private SidecarServer(SidecarOptions options, Device device, ModelRegistry registry)
            throws IOException {
        this.options = options;
        this.device = device;
        this.registry = registry;
        this.metrics = new SidecarMetrics(registry, device);
        this.scheduler = new EdfScheduler(options.concurrency(), System::nanoTime);
        InferenceService service =
                new InferenceService(
                        registry,
                        scheduler,
                        metrics,
                        device,
                        this::ready,
                        System::nanoTime,
                        SidecarServer::epochMicros,
                        new SharedMemoryManager());
        this.grpc =
                NettyServerBuilder.forAddress(new InetSocketAddress(options.bind(), options.port()))
                        .maxInboundMessageSize(options.maxMessageBytes())
                        // Handlers only validate and enqueue; running them on the transport threads
                        // saves a thread hop per call, which a loaded 2-core node feels.
                        .directExecutor()
                        .addService(service.definition())
                        .build();
        try {
            grpc.start();
            this.http =
                    options.metricsPort() < 0
                            ? null
                            : new MetricsHttpServer(
                                    options.bind(),
                                    options.metricsPort(),
                                    metrics.registry(),
                                    this::ready);
        } catch (IOException e) {
            grpc.shutdownNow();
            scheduler.close();
            throw e;
        }
    }

    /**
     * Loads the repository, starts serving (live, not ready), warms every model up and returns once
     * ready. Fails when --strict forbids the CPU fallback or a port is taken.
     */
    public static SidecarServer start(SidecarOptions options)
            throws IOException, DeviceSelector.DeviceUnavailableException {
        Device device = DeviceSelector.select(options.device(), options.strict());
        ModelRegistry registry =
                ModelRegistry.load(
                        ModelRepository.open(options.modelRepository()),
                        device,
                        options.intraOpThreads());
        SidecarServer server;
        try {
            server = new SidecarServer(options, device, registry);
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw e;
        }
        LOG.info(
                "sidecar live on {}:{} (metrics port {}), device {}; warming up",
                options.bind(),
                server.port(),
                server.metricsPort(),
                device.used());
        registry.warmUp(options.warmUpRuns());
        server.warmedUp = true;
        server.startReprofiling();
        LOG.info("sidecar ready");
        return server;
    }

    public boolean ready() {
        return warmedUp && registry.ready();
    }

    private void startReprofiling() {
        long maxAgeMillis = options.reprofileAfterMillis();
        if (maxAgeMillis <= 0) {
            return;
        }
        Reprofiler reprofiler =
                new Reprofiler(
                        registry, scheduler, metrics, System::nanoTime, maxAgeMillis * 1_000_000);
        var timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "coedge-reprofiler");
                            t.setDaemon(true);
                            return t;
                        });
        long period = Math.max(10, Math.min(1_000, maxAgeMillis / 4));
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        reprofiler.tick();
                    } catch (RuntimeException e) {
                        LOG.warn("re-profiling tick failed", e);
                    }
                },
                period,
                period,
                TimeUnit.MILLISECONDS);
        reprofiling = timer;
    }

    public int port() {
        return grpc.getPort();
    }

    public int metricsPort() {
        return http == null ? -1 : http.port();
    }

    public Device device() {
        return device;
    }

    /** The accelerator's queue. */
    public EdfScheduler scheduler() {
        return scheduler;
    }

    public SidecarMetrics metrics() {
        return metrics;
    }

    public ModelRegistry registry() {
        return registry;
    }

    public SidecarOptions options() {
        return options;
    }

    public void awaitTermination() throws InterruptedException {
        grpc.awaitTermination();
    }

    @Override
    public void close() {
        var timer = reprofiling;
        if (timer != null) {
            timer.shutdownNow();
        }
        grpc.shutdown();
        scheduler.close();
        try {
            if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
                grpc.shutdownNow();
            }
        } catch (InterruptedException e) {
            grpc.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (http != null) {
            http.close();
        }
        registry.close();
    }

    private static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
