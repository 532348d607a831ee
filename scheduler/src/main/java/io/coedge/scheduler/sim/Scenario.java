package io.coedge.scheduler.sim;

import io.coedge.scheduler.batch.BatchPolicy;
import io.coedge.scheduler.batch.BatchPolicies;
import io.coedge.scheduler.batch.ClockworkBatchPolicy;
import io.coedge.scheduler.batch.CoEdgeBatchPolicy;
import io.coedge.scheduler.batch.DeepStreamBatchPolicy;
import io.coedge.scheduler.batch.FifoBatchPolicy;
import io.coedge.scheduler.batch.TritonBatchPolicy;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;

import java.util.List;

/**
 * A simulation scenario as loaded from YAML (see docs/SIMULATOR.md). Times in microseconds.
 *
 * @param execNoise     execution time = profiled latency x (1 + execNoise x U(-1, 1)); policies plan with
 *                      the profile x (1 + execNoise), the noise model's worst case (Clockwork's p99 idea),
 *                      and take the profile itself as the typical run
 * @param sweep         optional parameter varied by reports; null for a single-point scenario
 * @param execSlow      a share of the batches runs this many times slower (a shared CPU); policies then
 *                      plan with the profile x factor x (1 + execNoise); {@link SlowRuns#NONE} by default
 * @param shedWhileBusy as the Flink batcher does: a frame that arrives while the accelerator is busy asks
 *                      the batch policy at once, with the running batch's predicted end (typical and
 *                      pessimistic) as the free time, and any frames it sheds are dropped then; false by
 *                      default (the policy is asked only when the accelerator is free)
 */
public record Scenario(
        String name,
        long durationMicros,
        long seed,
        double execNoise,
        List<NodeProfile> nodes,
        List<Link> links,
        List<SimTask> tasks,
        List<Change> changes,
        Sweep sweep,
        BatchSettings batching,
        SlowRuns execSlow,
        boolean shedWhileBusy) {

    public Scenario {
        nodes = List.copyOf(nodes);
        links = List.copyOf(links);
        tasks = List.copyOf(tasks);
        changes = List.copyOf(changes);
        execSlow = execSlow == null ? SlowRuns.NONE : execSlow;
    }

    /** A scenario without slow runs whose policies are asked only when the accelerator is free. */
    public Scenario(String name, long durationMicros, long seed, double execNoise, List<NodeProfile> nodes, List<Link> links,
                    List<SimTask> tasks, List<Change> changes, Sweep sweep, BatchSettings batching) {
        this(name, durationMicros, seed, execNoise, nodes, links, tasks, changes, sweep, batching, SlowRuns.NONE, false);
    }

    /**
     * A {@code share} of the batches (drawn per batch) takes {@code factor} times its usual time, e.g.
     * another process held the core: the run-time distribution of a shared CPU, whose p99 is far above
     * its typical run.
     */
    public record SlowRuns(double share, double factor) {
        public static final SlowRuns NONE = new SlowRuns(0, 1);

        public SlowRuns {
            if (!(share >= 0 && share <= 1) || !(factor >= 1)) {
                throw new IllegalArgumentException("slow runs need a share in [0, 1] and a factor >= 1, were " + share + ", " + factor);
            }
        }

        /** The factor policies plan with: the slow factor when some runs are slow, else 1. */
        public double worstFactor() {
            return share > 0 ? factor : 1.0;
        }
    }

    /** A task with its frame-timing jitter (each frame's capture time moves by U(-jitter, +jitter)). */
    public record SimTask(Task task, long jitterMicros) {
    }

    /** Something that happens during the run; every change triggers a dispatch re-plan. */
    public sealed interface Change {
        long atMicros();
    }

    /** New bandwidth and/or latency on the directed link(s); -1 keeps the current value. */
    public record LinkChange(long atMicros, String from, String to, boolean bothWays, long bandwidthBitsPerSecond, long latencyMicros)
            implements Change {
    }

    /** New background load (fraction of the accelerator taken by other work) and health of a node. */
    public record NodeChange(long atMicros, String node, double load, boolean healthy) implements Change {
    }

    /** A task's cameras now run at {@code fpsScale} times the scenario's fps. */
    public record TaskRateChange(long atMicros, String task, double fpsScale) implements Change {
    }

    /** A parameter a report varies: {@code bandwidthMbps} (every link) or {@code loadScale} (every task's fps). */
    public record Sweep(String parameter, List<Double> values) {
        public static final String BANDWIDTH = "bandwidthMbps";
        public static final String LOAD = "loadScale";

        public Sweep {
            values = List.copyOf(values);
        }
    }

    /** Knobs of the baseline batchers (as their systems' configuration files name them) and of coedge's. */
    public record BatchSettings(int[] tritonPreferredBatchSizes, long tritonMaxQueueDelayMicros,
                                int deepstreamBatchSize, long deepstreamPushTimeoutMicros, double coedgeWaitFraction) {
        public static BatchSettings defaults() {
            return new BatchSettings(new int[] {4, 8}, 5_000, 4, 40_000, 0.0);
        }

        public BatchPolicy policy(String name) {
            return switch (name) {
                case CoEdgeBatchPolicy.NAME -> new CoEdgeBatchPolicy(coedgeWaitFraction);
                case FifoBatchPolicy.NAME -> new FifoBatchPolicy();
                case TritonBatchPolicy.NAME -> new TritonBatchPolicy(tritonPreferredBatchSizes, tritonMaxQueueDelayMicros);
                case DeepStreamBatchPolicy.NAME -> new DeepStreamBatchPolicy(deepstreamBatchSize, deepstreamPushTimeoutMicros);
                case ClockworkBatchPolicy.NAME -> new ClockworkBatchPolicy();
                default -> BatchPolicies.byName(name);
            };
        }
    }

    public Topology topology() {
        return new Topology(nodes, links, tasks.stream().map(SimTask::task).toList());
    }

    /** Total frames per second over all cameras at the scenario's nominal rates. */
    public double nominalFrameRate() {
        return tasks.stream().mapToDouble(t -> t.task().frameRate()).sum();
    }

    /** This scenario at one point of its sweep (the sweep itself is dropped from the result). */
    public Scenario atSweepPoint(double value) {
        if (sweep == null) {
            throw new IllegalStateException("scenario " + name + " has no sweep");
        }
        return switch (sweep.parameter()) {
            case Sweep.BANDWIDTH -> {
                long bps = Math.round(value * 1_000_000);
                List<Link> newLinks = links.stream().map(l -> new Link(l.from(), l.to(), bps, l.latencyMicros())).toList();
                yield new Scenario(name, durationMicros, seed, execNoise, nodes, newLinks, tasks, changes, null, batching, execSlow, shedWhileBusy);
            }
            case Sweep.LOAD -> {
                List<SimTask> newTasks = tasks.stream()
                        .map(t -> new SimTask(t.task().withFps(t.task().fps() * value), t.jitterMicros())).toList();
                yield new Scenario(name, durationMicros, seed, execNoise, nodes, links, newTasks, changes, null, batching, execSlow, shedWhileBusy);
            }
            default -> throw new IllegalStateException("unknown sweep parameter " + sweep.parameter());
        };
    }

    public Scenario withSeed(long newSeed) {
        return new Scenario(name, durationMicros, newSeed, execNoise, nodes, links, tasks, changes, sweep, batching, execSlow, shedWhileBusy);
    }

    public Scenario withDuration(long micros) {
        return new Scenario(name, micros, seed, execNoise, nodes, links, tasks, changes, sweep, batching, execSlow, shedWhileBusy);
    }
}
