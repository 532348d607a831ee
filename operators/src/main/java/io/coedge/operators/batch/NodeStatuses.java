package io.coedge.operators.batch;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.NodeStatus;
import io.coedge.oip.ModelProfile;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.node.NodeEngine;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a node announces of itself each status interval, from its sidecar's view and its engines.
 */
final class NodeStatuses {
    private NodeStatuses() {}

    /**
     * Hands the sidecar's latest profiles to an engine, e.g. one just created for a new key: until
     * it has them it plans with a second per frame and would shed every frame due sooner.
     */
    static void feed(
            NodeEngine engine, InferenceExecutor.SidecarView view, List<ModelSpec> models) {
        for (int i = 0; i < models.size(); i++) {
            ModelProfile p = view.profiles().get(models.get(i).name());
            if (p != null && !p.p99MicrosByBatchSize().isEmpty()) {
                feed(engine, i, models.get(i), p);
            }
        }
    }

    private static void feed(NodeEngine engine, int index, ModelSpec m, ModelProfile p) {
        engine.sidecarProfile(
                index,
                LatencyProfile.fromMeasured(p.p50MicrosByBatchSize(), m.maxBatch()),
                LatencyProfile.fromMeasured(p.p99MicrosByBatchSize(), m.maxBatch()));
    }

    /**
     * Hands the sidecar's latest median and p99 profiles to every engine of the node and builds its
     * status: the per-model latencies its first engine plans with (the sidecar's p99 plus the
     * node's measured overhead) and typical ones scaled by the node's service factor (what the
     * dispatcher plans with, {@code NodeEngine.planningProfile}), queue lengths, the accelerator's
     * busy share of the interval, and the frames source's subtask on the node ({@link
     * io.coedge.operators.profile.SourceSubtasks}).
     *
     * @param engines the node's engines: one per key it runs (one in practice), the unkeyed one
     *     last
     */
    static NodeStatus publish(
            String node,
            int subtask,
            int attempt,
            InferenceExecutor.SidecarView view,
            List<ModelSpec> models,
            List<NodeEngine> engines,
            long intervalMicros,
            long nowMicros) {
        NodeEngine planning = engines.get(0);
        Map<String, NodeStatus.ModelStatus> modelStatus = new LinkedHashMap<>();
        long total = 0;
        long busy = 0;
        for (NodeEngine e : engines) {
            busy += e.takeBusyMicros();
        }
        for (int i = 0; i < models.size(); i++) {
            ModelSpec m = models.get(i);
            int queued = 0;
            for (NodeEngine e : engines) {
                queued += e.queued(i);
            }
            total += queued;
            ModelProfile p = view.profiles().get(m.name());
            if (p == null || p.p99MicrosByBatchSize().isEmpty()) {
                continue;
            }
            for (NodeEngine e : engines) {
                feed(e, i, m, p);
            }
            int[] sizes =
                    p.p99MicrosByBatchSize().keySet().stream()
                            .mapToInt(Integer::intValue)
                            .filter(b -> b <= m.maxBatch())
                            .toArray();
            if (sizes.length > 0) {
                var est = planning.estimator(i);
                LatencyProfile typical = planning.planningProfile(i);
                long[] typicalMicros =
                        java.util.Arrays.stream(sizes).mapToLong(typical::latencyMicros).toArray();
                var compute =
                        new NodeStatus.Compute(
                                java.util.Arrays.stream(sizes)
                                        .mapToLong(est::sidecarMedianMicros)
                                        .toArray(),
                                java.util.Arrays.stream(sizes)
                                        .mapToLong(est::sidecarP99Micros)
                                        .toArray(),
                                est.measuredOverheadMicros());
                modelStatus.put(
                        m.name(),
                        new NodeStatus.ModelStatus(
                                sizes, est.publishedMicros(sizes), typicalMicros, queued, compute));
            }
        }
        double load = Math.min(0.95, (double) busy / Math.max(1, intervalMicros));
        // A node whose sidecar serves some of the catalog's models is healthy for those: it
        // announces only
        // them, and the dispatcher places on it only tasks of them.
        boolean healthy = view.ready() && !modelStatus.isEmpty();
        String reason =
                healthy
                        ? ""
                        : (view.ready()
                                ? "the sidecar serves none of the catalog's models"
                                : view.reason());
        // The frames source's subtask on this node, as the decode function chained to it announced.
        var source = io.coedge.operators.profile.SourceSubtasks.on(node);
        return new NodeStatus(
                        node,
                        subtask,
                        attempt,
                        nowMicros / 1000,
                        healthy,
                        reason,
                        view.device(),
                        modelStatus,
                        total,
                        load,
                        source.map(c -> c.subtask()).orElse(null),
                        source.map(c -> c.subtasks()).orElse(null))
                .withServiceFactor(planning.serviceFactor())
                .withOverloaded(engines.stream().anyMatch(NodeEngine::overloaded));
    }
}
