package io.coedge.sidecar.metrics;

import io.coedge.sidecar.runtime.Device;
import io.coedge.sidecar.runtime.ModelInstance;
import io.coedge.sidecar.runtime.ModelRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters named after Triton's metrics, rendered in the Prometheus text format.
 * Durations are cumulative microseconds, as Triton's {@code nv_inference_*_duration_us}.
 */
public final class SidecarMetrics {
    /** Failure reasons, one label value each. */
    public enum Reason { REJECTED_DEADLINE, REJECTED_QUEUE_FULL, INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE, CANCELLED, INTERNAL }

    private record Key(String model, String version, String reason) {}

    private final Map<Key, LongAdder> success = new ConcurrentHashMap<>();
    private final Map<Key, LongAdder> failure = new ConcurrentHashMap<>();
    private final Map<Key, LongAdder> queueUs = new ConcurrentHashMap<>();
    private final Map<Key, LongAdder> computeUs = new ConcurrentHashMap<>();
    private final Map<Key, LongAdder> executions = new ConcurrentHashMap<>();
    private final Map<Key, LongAdder> inferences = new ConcurrentHashMap<>();
    private final Map<Key, LongAdder> batchSizeCounts = new ConcurrentHashMap<>();
    private final Map<Key, LongAdder> inputBytes = new ConcurrentHashMap<>();

    /** Where an accepted request's input tensors came from. */
    public enum Via { MESSAGE, SHARED_MEMORY }

    public void success(String model, long version, int batchSize, long queueNanos, long computeNanos) {
        Key k = new Key(model, Long.toString(version), "");
        add(success, k, 1);
        add(queueUs, k, queueNanos / 1000);
        add(computeUs, k, computeNanos / 1000);
        add(executions, k, 1);
        add(inferences, k, batchSize);
        add(batchSizeCounts, new Key(model, Long.toString(version), Integer.toString(batchSize)), 1);
    }

    public void input(String model, long version, Via via, long bytes) {
        add(inputBytes, new Key(model, Long.toString(version), via.name().toLowerCase(java.util.Locale.ROOT)), bytes);
    }

    public long inputBytes(String model, Via via) {
        return inputBytes.entrySet().stream()
                .filter(e -> e.getKey().model().equals(model)
                        && e.getKey().reason().equals(via.name().toLowerCase(java.util.Locale.ROOT)))
                .mapToLong(e -> e.getValue().sum()).sum();
    }

    public void failure(String model, String version, Reason reason) {
        add(failure, new Key(model, version, reason.name()), 1);
    }

    public long successCount(String model) {
        return sum(success, model);
    }

    public long failureCount(String model, Reason reason) {
        return failure.entrySet().stream()
                .filter(e -> e.getKey().model().equals(model) && e.getKey().reason().equals(reason.name()))
                .mapToLong(e -> e.getValue().sum()).sum();
    }

    public String render(ModelRegistry registry, Device device) {
        StringBuilder out = new StringBuilder(4096);
        counter(out, "coedge_inference_request_success", "Successful inference requests", success, null);
        counter(out, "coedge_inference_request_failure", "Failed inference requests by reason", failure, "reason");
        counter(out, "coedge_inference_queue_duration_us", "Cumulative time requests waited in the queue", queueUs, null);
        counter(out, "coedge_inference_compute_infer_duration_us", "Cumulative model execution time", computeUs, null);
        counter(out, "coedge_inference_exec_count", "Model executions", executions, null);
        counter(out, "coedge_inference_count", "Inferences (frames) executed, summed over batch sizes", inferences, null);
        counter(out, "coedge_inference_batch_size_total", "Executions by batch size", batchSizeCounts, "batch_size");
        counter(out, "coedge_inference_input_bytes_total", "Input tensor bytes received, by how they came (message or shared_memory)",
                inputBytes, "via");
        out.append("# HELP coedge_inference_queue_length Requests waiting for the accelerator\n")
                .append("# TYPE coedge_inference_queue_length gauge\n");
        for (ModelInstance m : registry.instances()) {
            out.append("coedge_inference_queue_length{model=\"").append(m.name()).append("\",version=\"")
                    .append(m.version()).append("\"} ").append(m.queued().get()).append('\n');
        }
        out.append("# HELP coedge_latency_profile_p99_us Current p99 execution latency by batch size\n")
                .append("# TYPE coedge_latency_profile_p99_us gauge\n");
        for (ModelInstance m : registry.instances()) {
            for (var e : m.profile().snapshot().entrySet()) {
                out.append("coedge_latency_profile_p99_us{model=\"").append(m.name()).append("\",version=\"")
                        .append(m.version()).append("\",batch_size=\"").append(e.getKey()).append("\"} ")
                        .append(e.getValue() / 1000).append('\n');
            }
        }
        out.append("# HELP coedge_model_ready Whether a model version is ready (1) or not (0)\n")
                .append("# TYPE coedge_model_ready gauge\n");
        for (ModelRegistry.Model m : registry.models()) {
            for (ModelRegistry.Version v : m.versions().values()) {
                out.append("coedge_model_ready{model=\"").append(m.name()).append("\",version=\"").append(v.version())
                        .append("\"} ").append(v.ready() ? 1 : 0).append('\n');
            }
        }
        out.append("# HELP coedge_device Device the sidecar runs on (requested vs used)\n")
                .append("# TYPE coedge_device gauge\n")
                .append("coedge_device{requested=\"").append(device.requested()).append("\",device=\"")
                .append(device.used()).append("\",fallback=\"").append(device.fallbackReason().isPresent())
                .append("\"} 1\n");
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, Map<Key, LongAdder> values, String extraLabel) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        TreeMap<String, Long> lines = new TreeMap<>();
        for (var e : values.entrySet()) {
            Key k = e.getKey();
            StringBuilder labels = new StringBuilder().append("model=\"").append(k.model()).append("\",version=\"")
                    .append(k.version()).append('"');
            if (extraLabel != null) {
                labels.append(',').append(extraLabel).append("=\"").append(k.reason()).append('"');
            }
            lines.put(labels.toString(), e.getValue().sum());
        }
        lines.forEach((labels, v) -> out.append(name).append('{').append(labels).append("} ").append(v).append('\n'));
    }

    private static void add(Map<Key, LongAdder> map, Key key, long value) {
        map.computeIfAbsent(key, k -> new LongAdder()).add(value);
    }

    private static long sum(Map<Key, LongAdder> map, String model) {
        return map.entrySet().stream().filter(e -> e.getKey().model().equals(model)).mapToLong(e -> e.getValue().sum()).sum();
    }
}
