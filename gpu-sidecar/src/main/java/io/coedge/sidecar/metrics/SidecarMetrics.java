package io.coedge.sidecar.metrics;

import io.coedge.sidecar.runtime.Device;
import io.coedge.sidecar.runtime.ModelInstance;
import io.coedge.sidecar.runtime.ModelRegistry;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Counters named after Triton's metrics, in a Prometheus client registry that {@link
 * MetricsHttpServer} serves. Durations are cumulative microseconds, as Triton's {@code
 * nv_inference_*_duration_us}.
 *
 * <p>The Prometheus client appends {@code _total} to the name of every counter it exposes. So the
 * cumulative counts that keep Triton's names (no {@code _total}) are counted by the client's
 * counters but exposed as untyped samples under their own names; the two whose names end in {@code
 * _total} are exposed as counters.
 */
public final class SidecarMetrics {
    /** Failure reasons, one label value each. */
    public enum Reason {
        REJECTED_DEADLINE,
        REJECTED_QUEUE_FULL,
        INVALID_ARGUMENT,
        NOT_FOUND,
        UNAVAILABLE,
        CANCELLED,
        INTERNAL
    }

    /** Where an accepted request's input tensors came from. */
    public enum Via {
        MESSAGE,
        SHARED_MEMORY
    }

    private final PrometheusRegistry prometheus = new PrometheusRegistry();

    private final Counter success =
            tritonCount("coedge_inference_request_success", "Successful inference requests");
    private final Counter failure =
            tritonCount(
                    "coedge_inference_request_failure",
                    "Failed inference requests by reason",
                    "reason");
    private final Counter queueUs =
            tritonCount(
                    "coedge_inference_queue_duration_us",
                    "Cumulative time requests waited in the queue");
    private final Counter computeUs =
            tritonCount(
                    "coedge_inference_compute_infer_duration_us",
                    "Cumulative model execution time");
    private final Counter executions =
            tritonCount("coedge_inference_exec_count", "Model executions");
    private final Counter inferences =
            tritonCount(
                    "coedge_inference_count",
                    "Inferences (frames) executed, summed over batch sizes");
    private final List<Counter> tritonCounts =
            List.of(success, failure, queueUs, computeUs, executions, inferences);

    private final Counter batchSizes =
            Counter.builder()
                    .name("coedge_inference_batch_size_total")
                    .help("Executions by batch size")
                    .labelNames("model", "version", "batch_size")
                    .withoutExemplars()
                    .register(prometheus);
    private final Counter inputBytes =
            Counter.builder()
                    .name("coedge_inference_input_bytes_total")
                    .help(
                            "Input tensor bytes received, by how they came (message or shared_memory)")
                    .labelNames("model", "version", "via")
                    .withoutExemplars()
                    .register(prometheus);

    private final Counter reprofiles =
            Counter.builder()
                    .name("coedge_reprofile_runs_total")
                    .help(
                            "Single-frame runs the sidecar made on its own, while idle, to re-measure a"
                                    + " model no request had run for a while")
                    .labelNames("model", "version")
                    .withoutExemplars()
                    .register(prometheus);

    /**
     * Metrics of these models on this device; queue lengths, profiles and readiness are read at
     * each scrape.
     */
    public SidecarMetrics(ModelRegistry registry, Device device) {
        prometheus.register(
                () ->
                        new MetricSnapshots(
                                tritonCounts.stream().map(SidecarMetrics::untyped).toList()));
        GaugeWithCallback.builder()
                .name("coedge_inference_queue_length")
                .help("Requests waiting for the accelerator")
                .labelNames("model", "version")
                .callback(
                        cb -> {
                            for (ModelInstance m : registry.instances()) {
                                cb.call(m.queued().get(), m.name(), Long.toString(m.version()));
                            }
                        })
                .register(prometheus);
        GaugeWithCallback.builder()
                .name("coedge_latency_profile_p99_us")
                .help("Current p99 execution latency by batch size")
                .labelNames("model", "version", "batch_size")
                .callback(
                        cb -> {
                            for (ModelInstance m : registry.instances()) {
                                m.profile()
                                        .snapshot()
                                        .forEach(
                                                (batch, p99) ->
                                                        cb.call(
                                                                p99 / 1000,
                                                                m.name(),
                                                                Long.toString(m.version()),
                                                                Integer.toString(batch)));
                            }
                        })
                .register(prometheus);
        GaugeWithCallback.builder()
                .name("coedge_model_ready")
                .help("Whether a model version is ready (1) or not (0)")
                .labelNames("model", "version")
                .callback(
                        cb -> {
                            for (ModelRegistry.Model m : registry.models()) {
                                for (ModelRegistry.Version v : m.versions().values()) {
                                    cb.call(
                                            v.ready() ? 1 : 0,
                                            m.name(),
                                            Long.toString(v.version()));
                                }
                            }
                        })
                .register(prometheus);
        GaugeWithCallback.builder()
                .name("coedge_device")
                .help("Device the sidecar runs on (requested vs used)")
                .labelNames("requested", "device", "fallback")
                .callback(
                        cb ->
                                cb.call(
                                        1,
                                        device.requested(),
                                        device.used(),
                                        Boolean.toString(device.fallbackReason().isPresent())))
                .register(prometheus);
    }

    /** What {@link MetricsHttpServer} exposes. */
    public PrometheusRegistry registry() {
        return prometheus;
    }

    public void success(
            String model, long version, int batchSize, long queueNanos, long computeNanos) {
        String v = Long.toString(version);
        success.labelValues(model, v).inc();
        queueUs.labelValues(model, v).inc(Math.max(0, queueNanos / 1000));
        computeUs.labelValues(model, v).inc(Math.max(0, computeNanos / 1000));
        executions.labelValues(model, v).inc();
        inferences.labelValues(model, v).inc(batchSize);
        batchSizes.labelValues(model, v, Integer.toString(batchSize)).inc();
    }

    public void reprofiled(String model, long version) {
        reprofiles.labelValues(model, Long.toString(version)).inc();
    }

    public long reprofileCount(String model) {
        return sum(reprofiles, model, null, null);
    }

    public void input(String model, long version, Via via, long bytes) {
        inputBytes.labelValues(model, Long.toString(version), label(via)).inc(bytes);
    }

    public void failure(String model, String version, Reason reason) {
        failure.labelValues(model, version, reason.name()).inc();
    }

    public long inputBytes(String model, Via via) {
        return sum(inputBytes, model, "via", label(via));
    }

    public long successCount(String model) {
        return sum(success, model, null, null);
    }

    public long failureCount(String model, Reason reason) {
        return sum(failure, model, "reason", reason.name());
    }

    private static Counter tritonCount(String name, String help, String... extraLabels) {
        String[] labels = new String[2 + extraLabels.length];
        labels[0] = "model";
        labels[1] = "version";
        System.arraycopy(extraLabels, 0, labels, 2, extraLabels.length);
        // Built but not registered: exposed through untyped(...) so that the name stays as it is.
        return Counter.builder()
                .name(name)
                .help(help)
                .labelNames(labels)
                .withoutExemplars()
                .build();
    }

    private static MetricSnapshot untyped(Counter counter) {
        CounterSnapshot counts = counter.collect();
        return new UnknownSnapshot(
                counts.getMetadata(),
                counts.getDataPoints().stream()
                        .map(
                                p ->
                                        new UnknownSnapshot.UnknownDataPointSnapshot(
                                                p.getValue(), p.getLabels(), null))
                        .toList());
    }

    private static long sum(Counter counter, String model, String label, String value) {
        Predicate<CounterSnapshot.CounterDataPointSnapshot> match =
                p ->
                        p.getLabels().get("model").equals(model)
                                && (label == null || p.getLabels().get(label).equals(value));
        return (long)
                counter.collect().getDataPoints().stream()
                        .filter(match)
                        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                        .sum();
    }

    private static String label(Via via) {
        return via.name().toLowerCase(Locale.ROOT);
    }
}
