package io.coedge.scheduler.sim;

import static io.coedge.yaml.Check.between;
import static io.coedge.yaml.Check.list;
import static io.coedge.yaml.Check.nonNegative;
import static io.coedge.yaml.Check.oneOf;
import static io.coedge.yaml.Check.positive;
import static io.coedge.yaml.Check.required;
import static io.coedge.yaml.Check.text;
import static io.coedge.yaml.Check.texts;
import static io.coedge.yaml.Check.that;
import static java.util.Objects.requireNonNullElse;

import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.yaml.YamlProblem;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A scenario file as written (docs/SIMULATOR.md), bound by Jackson: each record is one mapping of
 * the file, its components the fields (boxed, so an absent field is {@code null}), its compact
 * constructor the defaults and ranges, in the file's units. {@link ScenarioLoader} resolves names,
 * converts to microseconds and bits per second and builds the {@link Scenario}.
 */
record ScenarioFile(
        String name,
        Double durationS,
        Long seed,
        Double execNoise,
        SlowRuns execSlow,
        Pipeline pipeline,
        Map<String, Map<String, Profile>> profileSets,
        List<Node> nodes,
        List<Link> links,
        List<Task> tasks,
        List<Change> changes,
        Sweep sweep,
        Batching batching,
        Generator generator,
        Object shedWhileBusy) {

    /** Largest batch size a profile or a batcher may name. */
    static final long MAX_BATCH = 1024;

    ScenarioFile {
        that(
                shedWhileBusy == null,
                "shedWhileBusy",
                "is no longer a setting: every node runs the Flink batcher's"
                        + " engine, which always asks its policy when a frame arrives; remove the line");
        name = text("name", name, null);
        durationS = positive("durationS", durationS, null);
        seed = requireNonNullElse(seed, 1L);
        execNoise = fraction("execNoise", execNoise, 0.0);
        execSlow = requireNonNullElse(execSlow, new SlowRuns(0.0, 1.0));
        pipeline =
                requireNonNullElse(
                        pipeline, new Pipeline(null, null, null, null, null, null, null, null));
        profileSets = requireNonNullElse(profileSets, Map.of());
        profileSets.forEach(
                (set, profiles) ->
                        that(
                                !profiles.isEmpty(),
                                "profileSets." + set,
                                "must list at least one model"));
        if (generator == null) {
            nodes = list("nodes", nodes);
            tasks = list("tasks", tasks);
            links = requireNonNullElse(links, List.of());
        } else {
            that(
                    nodes == null && links == null && tasks == null,
                    "generator",
                    "cannot be combined with nodes, links or tasks");
        }
        changes = requireNonNullElse(changes, List.of());
        batching = requireNonNullElse(batching, new Batching(null, null, null));
    }

    /** A share: from 0, below 1. */
    private static double fraction(String field, Double value, Double fallback) {
        double v = nonNegative(field, value, fallback);
        that(v < 1, field, "must be below 1, was " + v);
        return v;
    }

    private static List<Long> batchSizes(String field, List<Long> sizes) {
        sizes = list(field, sizes);
        for (int i = 0; i < sizes.size(); i++) {
            between(field + "[" + i + "]", sizes.get(i), null, 1, MAX_BATCH);
        }
        return sizes;
    }

    record SlowRuns(Double share, Double factor) {
        SlowRuns {
            share = nonNegative("share", share, null);
            that(share <= 1, "share", "must be at most 1, was " + share);
            factor = positive("factor", factor, null);
            that(factor >= 1, "factor", "must be at least 1, was " + factor);
        }
    }

    /** Defaults: {@link Scenario.Pipeline#defaults()}. */
    record Pipeline(
            Overhead overhead,
            Double statusIntervalMs,
            Double replanIntervalMs,
            Double dwellMs,
            Double startupWaitMs,
            Boolean confirmMoves,
            Double ingestMs,
            List<Host> hosts) {
        Pipeline {
            Scenario.Pipeline d = Scenario.Pipeline.defaults();
            Replanner.Settings r = d.replan();
            overhead = requireNonNullElse(overhead, new Overhead(null, null, null));
            statusIntervalMs =
                    positive(
                            "statusIntervalMs",
                            statusIntervalMs,
                            d.statusIntervalMicros() / 1000.0);
            replanIntervalMs =
                    nonNegative(
                            "replanIntervalMs",
                            replanIntervalMs,
                            r.replanIntervalMicros() / 1000.0);
            dwellMs = nonNegative("dwellMs", dwellMs, r.dwellMicros() / 1000.0);
            startupWaitMs =
                    nonNegative("startupWaitMs", startupWaitMs, r.startupWaitMicros() / 1000.0);
            confirmMoves = requireNonNullElse(confirmMoves, r.confirmMoves());
            ingestMs = nonNegative("ingestMs", ingestMs, d.ingestMicros() / 1000.0);
            hosts = requireNonNullElse(hosts, List.of());
        }
    }

    record Overhead(Double batchMs, Double frameMs, Double postFrameMs) {
        Overhead {
            batchMs = nonNegative("batchMs", batchMs, 0.0);
            frameMs = nonNegative("frameMs", frameMs, 0.0);
            postFrameMs = nonNegative("postFrameMs", postFrameMs, 0.0);
        }
    }

    /** {@code name} is {@code null} when the file gives none (the loader numbers it). */
    record Host(String name, Double cores, List<String> nodes) {
        Host {
            name = text("name", name, null);
            cores = positive("cores", cores, null);
            nodes = texts("nodes", nodes);
        }
    }

    /** Latency by batch size of one model on one node; the sizes start at 1 and grow. */
    record Profile(List<Long> batch, List<Double> latencyMs) {
        Profile {
            batch = batchSizes("batch", batch);
            latencyMs = required("latencyMs", latencyMs);
            that(
                    latencyMs.size() == batch.size(),
                    "latencyMs",
                    "needs exactly one latency per batch size (" + batch.size() + ")");
            for (int i = 0; i < latencyMs.size(); i++) {
                positive("latencyMs[" + i + "]", latencyMs.get(i), null);
            }
            try {
                latencyProfile(batch, latencyMs);
            } catch (IllegalArgumentException e) {
                throw new YamlProblem("", e.getMessage());
            }
        }

        LatencyProfile latencyProfile() {
            return latencyProfile(batch, latencyMs);
        }

        private static LatencyProfile latencyProfile(List<Long> batch, List<Double> latencyMs) {
            return LatencyProfile.of(
                    batch.stream().mapToInt(Long::intValue).toArray(),
                    latencyMs.stream().mapToLong(ScenarioLoader::micros).toArray());
        }
    }

    /** Either {@code profiles} or the name of a {@code profileSet}. */
    record Node(
            String name,
            Double load,
            Boolean healthy,
            Map<String, Profile> profiles,
            String profileSet,
            Overhead overhead) {
        Node {
            name = text("name", name);
            load = fraction("load", load, 0.0);
            healthy = requireNonNullElse(healthy, true);
            profileSet = text("profileSet", profileSet, null);
            if (profileSet == null) {
                that(
                        !required("profiles", profiles).isEmpty(),
                        "profiles",
                        "must list at least one model");
            } else {
                that(profiles == null, "profiles", "cannot be combined with profileSet");
            }
        }
    }

    /** Both ways {@code between} two nodes, or one way {@code from} one {@code to} another. */
    record Link(
            List<String> between,
            String from,
            String to,
            Double bandwidthMbps,
            Double latencyMs,
            String sharedAs) {
        Link {
            if (between != null) {
                between = texts("between", between);
                that(between.size() == 2, "between", "must name exactly two nodes");
                that(from == null && to == null, "between", "cannot be combined with from and to");
            } else {
                from = text("from", from);
                to = text("to", to);
            }
            bandwidthMbps = positive("bandwidthMbps", bandwidthMbps, null);
            latencyMs = nonNegative("latencyMs", latencyMs, 0.0);
            sharedAs = text("sharedAs", sharedAs, null);
        }
    }

    record Task(
            String id,
            String model,
            String origin,
            Long cameras,
            Double fps,
            Double jitterMs,
            Double deadlineMs,
            Double inputKB) {
        Task {
            id = text("id", id);
            model = text("model", model);
            origin = text("origin", origin);
            cameras = between("cameras", cameras, 1L, 1, 100_000);
            fps = positive("fps", fps, null);
            jitterMs = nonNegative("jitterMs", jitterMs, 0.0);
            deadlineMs = positive("deadlineMs", deadlineMs, null);
            inputKB = nonNegative("inputKB", inputKB, null);
        }
    }

    /**
     * At {@code atS}, a {@code link} (both ways) gets a new bandwidth and/or latency, a {@code
     * node} a new load and/or health, or a {@code task} a new rate; {@code null} keeps the current
     * value.
     */
    record Change(
            Double atS,
            List<String> link,
            Double bandwidthMbps,
            Double latencyMs,
            String node,
            Double load,
            Boolean healthy,
            String task,
            Double fpsScale) {
        Change {
            atS = nonNegative("atS", atS, null);
            if (link != null) {
                link = texts("link", link);
                that(link.size() == 2, "link", "must name exactly two nodes");
                bandwidthMbps =
                        bandwidthMbps == null
                                ? null
                                : positive("bandwidthMbps", bandwidthMbps, null);
                latencyMs = latencyMs == null ? null : nonNegative("latencyMs", latencyMs, null);
            } else if (node != null) {
                node = text("node", node);
                load = load == null ? null : fraction("load", load, null);
                healthy = requireNonNullElse(healthy, true);
            } else if (task != null) {
                task = text("task", task);
                fpsScale = positive("fpsScale", fpsScale, null);
            } else {
                throw new YamlProblem("", "must name a link, a node or a task");
            }
        }
    }

    record Sweep(String parameter, List<Double> values) {
        Sweep {
            parameter =
                    oneOf(
                            "parameter",
                            parameter,
                            null,
                            Set.of(Scenario.Sweep.BANDWIDTH, Scenario.Sweep.LOAD));
            values = list("values", values);
            for (int i = 0; i < values.size(); i++) {
                positive("values[" + i + "]", values.get(i), null);
            }
        }
    }

    /** Defaults: {@link Scenario.BatchSettings#defaults()}. */
    record Batching(Triton triton, DeepStream deepstream, CoEdge coedge) {
        static final Scenario.BatchSettings DEFAULTS = Scenario.BatchSettings.defaults();

        Batching {
            triton = requireNonNullElse(triton, new Triton(null, null));
            deepstream = requireNonNullElse(deepstream, new DeepStream(null, null));
            coedge = requireNonNullElse(coedge, new CoEdge(DEFAULTS.coedgeWaitFraction()));
        }
    }

    record Triton(List<Long> preferredBatchSizes, Double maxQueueDelayMs) {
        Triton {
            preferredBatchSizes =
                    batchSizes(
                            "preferredBatchSizes",
                            requireNonNullElse(
                                    preferredBatchSizes,
                                    Arrays.stream(Batching.DEFAULTS.tritonPreferredBatchSizes())
                                            .asLongStream()
                                            .boxed()
                                            .toList()));
            maxQueueDelayMs =
                    nonNegative(
                            "maxQueueDelayMs",
                            maxQueueDelayMs,
                            Batching.DEFAULTS.tritonMaxQueueDelayMicros() / 1000.0);
        }
    }

    record DeepStream(Long batchSize, Double pushTimeoutMs) {
        DeepStream {
            batchSize =
                    between(
                            "batchSize",
                            batchSize,
                            (long) Batching.DEFAULTS.deepstreamBatchSize(),
                            1,
                            MAX_BATCH);
            pushTimeoutMs =
                    nonNegative(
                            "pushTimeoutMs",
                            pushTimeoutMs,
                            Batching.DEFAULTS.deepstreamPushTimeoutMicros() / 1000.0);
        }
    }

    record CoEdge(Double waitFraction) {
        CoEdge {
            waitFraction = fraction("waitFraction", waitFraction, null);
        }
    }

    /** A city grid; see {@link ScenarioLoader}. */
    record Generator(
            Long seed,
            Long nodes,
            Long columns,
            List<NodeType> nodeTypes,
            GridLink link,
            Long cameras,
            Double hotShare,
            Double hotWeight,
            List<TaskMix> taskMix) {
        Generator {
            seed = requireNonNullElse(seed, 1L);
            nodes = between("nodes", nodes, null, 1, 100_000);
            columns = between("columns", columns, null, 1, 100_000);
            nodeTypes = list("nodeTypes", nodeTypes);
            link = required("link", link);
            cameras = between("cameras", cameras, null, 0, 10_000_000);
            hotShare = nonNegative("hotShare", hotShare, 0.0);
            hotWeight = positive("hotWeight", hotWeight, 1.0);
            taskMix = list("taskMix", taskMix);
        }
    }

    record NodeType(String profileSet, Double share, Double load) {
        NodeType {
            profileSet = text("profileSet", profileSet);
            share = positive("share", share, null);
            load = fraction("load", load, 0.0);
        }
    }

    record GridLink(Double bandwidthMbps, Double latencyMs) {
        GridLink {
            bandwidthMbps = positive("bandwidthMbps", bandwidthMbps, null);
            latencyMs = nonNegative("latencyMs", latencyMs, 0.0);
        }
    }

    record TaskMix(
            String model,
            Double share,
            Double fps,
            Double jitterMs,
            Double deadlineMs,
            Double inputKB) {
        TaskMix {
            model = text("model", model);
            share = positive("share", share, null);
            fps = positive("fps", fps, null);
            jitterMs = nonNegative("jitterMs", jitterMs, 0.0);
            deadlineMs = positive("deadlineMs", deadlineMs, null);
            inputKB = nonNegative("inputKB", inputKB, null);
        }
    }
}
