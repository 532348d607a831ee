package io.coedge.scheduler.sim;

import io.coedge.scheduler.batch.BatchPolicies;
import io.coedge.scheduler.batch.BatchPolicy;
import io.coedge.scheduler.batch.ClockworkBatchPolicy;
import io.coedge.scheduler.batch.CoEdgeBatchPolicy;
import io.coedge.scheduler.batch.DeepStreamBatchPolicy;
import io.coedge.scheduler.batch.FifoBatchPolicy;
import io.coedge.scheduler.batch.TritonBatchPolicy;
import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import java.util.List;
import java.util.Map;

/**
 * A simulation scenario as loaded from YAML (see docs/SIMULATOR.md). Times in microseconds.
 *
 * @param execNoise execution time = profiled latency x (1 + execNoise x U(-1, 1)); policies plan
 *     with the profile x (1 + execNoise), the noise model's worst case (Clockwork's p99 idea), and
 *     take the profile itself as the typical run
 * @param sweep optional parameter varied by reports; null for a single-point scenario
 * @param execSlow a share of the batches runs this many times slower (a shared CPU); policies then
 *     plan with the profile x factor x (1 + execNoise); {@link SlowRuns#NONE} by default
 * @param pipeline what the pipeline pays around the scheduler's decisions: each node's overhead
 *     around an inference call, how often nodes report, how the dispatcher re-plans
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
        Pipeline pipeline) {

    public Scenario {
        nodes = List.copyOf(nodes);
        links = List.copyOf(links);
        tasks = List.copyOf(tasks);
        changes = List.copyOf(changes);
        execSlow = execSlow == null ? SlowRuns.NONE : execSlow;
        pipeline = pipeline == null ? Pipeline.defaults() : pipeline;
    }

    /** A scenario without slow runs, with the pipeline's defaults. */
    public Scenario(
            String name,
            long durationMicros,
            long seed,
            double execNoise,
            List<NodeProfile> nodes,
            List<Link> links,
            List<SimTask> tasks,
            List<Change> changes,
            Sweep sweep,
            BatchSettings batching) {
        this(
                name,
                durationMicros,
                seed,
                execNoise,
                nodes,
                links,
                tasks,
                changes,
                sweep,
                batching,
                SlowRuns.NONE,
                null);
    }

    /**
     * A {@code share} of the batches (drawn per batch) takes {@code factor} times its usual time,
     * e.g. another process held the core: the run-time distribution of a shared CPU, whose p99 is
     * far above its typical run.
     */
    public record SlowRuns(double share, double factor) {
        public static final SlowRuns NONE = new SlowRuns(0, 1);

        public SlowRuns {
            if (!(share >= 0 && share <= 1) || !(factor >= 1)) {
                throw new IllegalArgumentException(
                        "slow runs need a share in [0, 1] and a factor >= 1, were "
                                + share
                                + ", "
                                + factor);
            }
        }

        /** The factor policies plan with: the slow factor when some runs are slow, else 1. */
        public double worstFactor() {
            return share > 0 ? factor : 1.0;
        }
    }

    /**
     * What a node pays around one inference call, on its own CPU: {@code batchMicros + frameMicros
     * x b} before the batch reaches the accelerator (decoding, resizing, the call), {@code
     * postFrameMicros x b} after it (post-processing, emitting results). The node's engine observes
     * it in its run times, as the Flink batcher does, and plans with it.
     */
    public record Overhead(long batchMicros, long frameMicros, long postFrameMicros) {
        public static final Overhead NONE = new Overhead(0, 0, 0);

        public Overhead {
            if (batchMicros < 0 || frameMicros < 0 || postFrameMicros < 0) {
                throw new IllegalArgumentException("overheads must not be negative");
            }
        }

        public long before(int batch) {
            return batchMicros + frameMicros * batch;
        }

        public long after(int batch) {
            return postFrameMicros * batch;
        }
    }

    /**
     * The pipeline around the scheduling decisions, as the Flink job runs it.
     *
     * @param overhead each node's overhead around a call, unless {@code nodeOverheads} names the
     *     node
     * @param nodeOverheads per-node overheads (a slower CPU pays more)
     * @param statusIntervalMicros how often each node publishes its status (profiles, health); the
     *     dispatcher re-plans only on a status, so a change is seen at the next one
     * @param replan the dispatcher's re-planning rules (rate limit, dwell, start-up wait)
     * @param ingestMicros from capture to the dispatcher: the camera's send, the broker, decoding
     * @param ingestSamplesMicros when not empty, each frame's time from capture to the dispatcher
     *     is drawn from these (measured) times instead: the broker's and the job's stalls
     *     (checkpoints, collections) included
     * @param hosts nodes that share one machine's cores (the bench's "nodes" on one 2-core
     *     machine): their accelerators run at min(1, cores / running batches) each
     */
    public record Pipeline(
            Overhead overhead,
            Map<String, Overhead> nodeOverheads,
            long statusIntervalMicros,
            Replanner.Settings replan,
            long ingestMicros,
            List<Long> ingestSamplesMicros,
            List<Host> hosts) {
        public Pipeline {
            nodeOverheads = Map.copyOf(nodeOverheads);
            ingestSamplesMicros = List.copyOf(ingestSamplesMicros);
            hosts = List.copyOf(hosts);
            if (statusIntervalMicros < 1 || ingestMicros < 0) {
                throw new IllegalArgumentException(
                        "statusIntervalMicros must be positive and ingestMicros not negative");
            }
        }

        public Pipeline(
                Overhead overhead,
                Map<String, Overhead> nodeOverheads,
                long statusIntervalMicros,
                Replanner.Settings replan) {
            this(overhead, nodeOverheads, statusIntervalMicros, replan, 0, List.of(), List.of());
        }

        /**
         * No overheads; statuses every second; the job's re-planning rules; every node a machine of
         * its own.
         */
        public static Pipeline defaults() {
            return new Pipeline(
                    Overhead.NONE,
                    Map.of(),
                    1_000_000,
                    Replanner.Settings.defaults(),
                    0,
                    List.of(),
                    List.of());
        }

        public Overhead overheadOf(String node) {
            return nodeOverheads.getOrDefault(node, overhead);
        }

        public Pipeline withOverhead(Overhead all, Map<String, Overhead> byNode) {
            return new Pipeline(
                    all,
                    byNode,
                    statusIntervalMicros,
                    replan,
                    ingestMicros,
                    ingestSamplesMicros,
                    hosts);
        }
    }

    /** Nodes that share one machine's {@code cores}: their profiles are each one alone on it. */
    public record Host(String name, double cores, List<String> nodes) {
        public Host {
            nodes = List.copyOf(nodes);
            if (!(cores > 0) || nodes.isEmpty()) {
                throw new IllegalArgumentException(
                        "host " + name + " needs cores > 0 and at least one node");
            }
        }
    }

    /**
     * A task with its frame-timing jitter (each frame's capture time moves by U(-jitter, +jitter)).
     */
    public record SimTask(Task task, long jitterMicros) {}

    /** Something that happens during the run; every change triggers a dispatch re-plan. */
    public sealed interface Change {
        long atMicros();
    }

    /** New bandwidth and/or latency on the directed link(s); -1 keeps the current value. */
    public record LinkChange(
            long atMicros,
            String from,
            String to,
            boolean bothWays,
            long bandwidthBitsPerSecond,
            long latencyMicros)
            implements Change {}

    /**
     * New background load (fraction of the accelerator taken by other work) and health of a node.
     */
    public record NodeChange(long atMicros, String node, double load, boolean healthy)
            implements Change {}

    /** A task's cameras now run at {@code fpsScale} times the scenario's fps. */
    public record TaskRateChange(long atMicros, String task, double fpsScale) implements Change {}

    /**
     * A parameter a report varies: {@code bandwidthMbps} (every link) or {@code loadScale} (every
     * task's fps).
     */
    public record Sweep(String parameter, List<Double> values) {
        public static final String BANDWIDTH = "bandwidthMbps";
        public static final String LOAD = "loadScale";

        public Sweep {
            values = List.copyOf(values);
        }
    }

    /**
     * Knobs of the baseline batchers (as their systems' configuration files name them) and of
     * coedge's.
     */
    public record BatchSettings(
            int[] tritonPreferredBatchSizes,
            long tritonMaxQueueDelayMicros,
            int deepstreamBatchSize,
            long deepstreamPushTimeoutMicros,
            double coedgeWaitFraction) {
        public static BatchSettings defaults() {
            return new BatchSettings(new int[] {4, 8}, 5_000, 4, 40_000, 0.0);
        }

        public BatchPolicy policy(String name) {
            return switch (name) {
                case CoEdgeBatchPolicy.NAME -> new CoEdgeBatchPolicy(coedgeWaitFraction);
                case FifoBatchPolicy.NAME -> new FifoBatchPolicy();
                case TritonBatchPolicy.NAME ->
                        new TritonBatchPolicy(tritonPreferredBatchSizes, tritonMaxQueueDelayMicros);
                case DeepStreamBatchPolicy.NAME ->
                        new DeepStreamBatchPolicy(deepstreamBatchSize, deepstreamPushTimeoutMicros);
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
                List<Link> newLinks =
                        links.stream().map(l -> l.with(bps, l.latencyMicros())).toList();
                yield new Scenario(
                        name,
                        durationMicros,
                        seed,
                        execNoise,
                        nodes,
                        newLinks,
                        tasks,
                        changes,
                        null,
                        batching,
                        execSlow,
                        pipeline);
            }
            case Sweep.LOAD -> {
                List<SimTask> newTasks =
                        tasks.stream()
                                .map(
                                        t ->
                                                new SimTask(
                                                        t.task().withFps(t.task().fps() * value),
                                                        t.jitterMicros()))
                                .toList();
                yield new Scenario(
                        name,
                        durationMicros,
                        seed,
                        execNoise,
                        nodes,
                        links,
                        newTasks,
                        changes,
                        null,
                        batching,
                        execSlow,
                        pipeline);
            }
            default ->
                    throw new IllegalStateException("unknown sweep parameter " + sweep.parameter());
        };
    }

    public Scenario withSeed(long newSeed) {
        return new Scenario(
                name,
                durationMicros,
                newSeed,
                execNoise,
                nodes,
                links,
                tasks,
                changes,
                sweep,
                batching,
                execSlow,
                pipeline);
    }

    public Scenario withDuration(long micros) {
        return new Scenario(
                name, micros, seed, execNoise, nodes, links, tasks, changes, sweep, batching,
                execSlow, pipeline);
    }
}
