package io.coedge.operators.dispatch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.LinkSpec;
import io.coedge.catalog.NodeSpec;
import io.coedge.catalog.TaskSpec;
import io.coedge.format.NodeStatus;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.Model;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's view of a deployment: the catalog's tasks and links plus what each node last
 * reported. A node that has not reported, reported unhealthy, or whose report is older than the
 * staleness bound is unhealthy: the dispatcher moves its tasks away. Tasks whose model no healthy
 * node serves are left out of the plan. A link's bandwidth is what its sending node measured while
 * that is fresh, else the catalog's ({@link MeasuredLinks}); its latency is the catalog's. A task's
 * frame size is what the nodes running it measured, else the catalog's ({@link #frameBytes}).
 */
public final class TopologyBuilder {
    private final Catalog catalog;
    private final long staleAfterMs;
    private final MeasuredLinks measured;

    public TopologyBuilder(Catalog catalog, long staleAfterMs) {
        this(catalog, staleAfterMs, MeasuredLinks.defaults());
    }

    TopologyBuilder(Catalog catalog, long staleAfterMs, MeasuredLinks measured) {
        this.catalog = catalog;
        this.staleAfterMs = staleAfterMs;
        this.measured = measured;
    }

    public Topology build(Map<String, NodeStatus> statuses, long nowMs) {
        List<NodeProfile> nodes = new ArrayList<>();
        for (NodeSpec spec : catalog.nodes()) {
            NodeStatus s = statuses.get(spec.id());
            Map<Model, LatencyProfile> profiles = new HashMap<>();
            boolean healthy = false;
            // The busy time a node reports comes from the very tasks the plan placed on it, and the
            // planner adds their demand itself: feeding it back as background load would count it
            // twice
            // and make plans chase their own shadow. Background load from other jobs is not
            // measured.
            double load = 0;
            if (s != null) {
                for (Map.Entry<String, NodeStatus.ModelStatus> m : s.models().entrySet()) {
                    NodeStatus.ModelStatus ms = m.getValue();
                    if (ms.batchSizes().length > 0 && ms.batchSizes()[0] == 1) {
                        profiles.put(
                                new Model(m.getKey()),
                                LatencyProfile.of(ms.batchSizes(), monotone(ms.planningMicros())));
                    }
                }
                healthy =
                        s.healthy() && nowMs - s.timestamp() <= staleAfterMs && !profiles.isEmpty();
            }
            nodes.add(new NodeProfile(spec.id(), profiles, load, healthy));
        }
        List<Link> links = new ArrayList<>();
        for (LinkSpec l : catalog.links()) {
            links.add(
                    new Link(
                            l.from(),
                            l.to(),
                            measured.bandwidthBps(
                                    l.from(),
                                    l.to(),
                                    Math.max(1, Math.round(l.bandwidthMbps() * 1e6)),
                                    statuses),
                            Math.round(l.latencyMs() * 1000)));
        }
        java.util.Set<Model> served = new java.util.HashSet<>();
        for (NodeProfile n : nodes) {
            if (n.healthy()) {
                served.addAll(n.profiles().keySet());
            }
        }
        List<Task> tasks = new ArrayList<>();
        for (TaskSpec t : catalog.tasks()) {
            if (!served.contains(new Model(t.model()))) {
                // No healthy node can run it: nothing to plan. The dispatcher keeps it on its
                // origin, whose
                // batcher reports each frame as an ERROR result (UNKNOWN_MODEL or NO_SIDECAR).
                continue;
            }
            tasks.add(
                    new Task(
                            t.id(),
                            new Model(t.model()),
                            t.origin(),
                            t.cameras().size(),
                            t.fps(),
                            t.deadlineMs() * 1000,
                            frameBytes(t.id(), t.inputBytes(), statuses)));
        }
        return new Topology(nodes, links, tasks);
    }

    /**
     * What shipping one of the task's frames costs: the mean its nodes measured on arrival (of the
     * node whose latest frame of the task is newest; ties to more frames, then the node id, so
     * every dispatcher subtask picks the same), else the catalog's {@code inputBytes}. A frame
     * weighs the same wherever it runs, so a node that no longer runs the task, or has gone quiet,
     * still measured it.
     */
    public static long frameBytes(
            String task, long catalogBytes, Map<String, NodeStatus> statuses) {
        NodeStatus.FrameBytes best = null;
        String bestNode = null;
        for (Map.Entry<String, NodeStatus> e : statuses.entrySet()) {
            Map<String, NodeStatus.FrameBytes> measured = e.getValue().frameBytes();
            NodeStatus.FrameBytes b = measured == null ? null : measured.get(task);
            if (b == null || b.samples() <= 0 || b.meanBytes() <= 0) {
                continue;
            }
            if (best == null
                    || b.lastFrameMs() > best.lastFrameMs()
                    || (b.lastFrameMs() == best.lastFrameMs()
                            && (b.samples() > best.samples()
                                    || (b.samples() == best.samples()
                                            && e.getKey().compareTo(bestNode) < 0)))) {
                best = b;
                bestNode = e.getKey();
            }
        }
        return best == null ? catalogBytes : best.meanBytes();
    }

    /**
     * Live percentiles can dip with batch size by noise; the scheduler needs them non-decreasing.
     */
    static long[] monotone(long[] micros) {
        long[] out = micros.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(1, i == 0 ? out[i] : Math.max(out[i], out[i - 1]));
        }
        return out;
    }
}
