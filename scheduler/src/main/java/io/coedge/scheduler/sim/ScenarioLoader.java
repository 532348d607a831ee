package io.coedge.scheduler.sim;

import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.Model;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.yaml.YamlException;
import io.coedge.yaml.YamlProblem;
import io.coedge.yaml.YamlReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Reads scenario YAML (format in docs/SIMULATOR.md). Every error names the file, the field path and
 * the place, e.g. {@code paper.yaml: nodes[1].profiles.yolo-big: latency must not decrease with
 * batch size (line 20, column 45)}. The fields, defaults and ranges are the records of {@link
 * ScenarioFile}; this class resolves names (nodes, tasks, profile sets), converts units and
 * generates city grids.
 */
public final class ScenarioLoader {

    private ScenarioLoader() {}

    public static Scenario load(Path path) {
        String name = path.getFileName().toString();
        try {
            return YamlReader.read(path, name, ScenarioFile.class, f -> build(name, f));
        } catch (YamlException e) {
            throw new ScenarioException(e);
        }
    }

    /** Parses YAML text; {@code file} is only used in messages. */
    public static Scenario parse(String file, String yaml) {
        try {
            return YamlReader.read(file, yaml, ScenarioFile.class, f -> build(file, f));
        } catch (YamlException e) {
            throw new ScenarioException(e);
        }
    }

    static long micros(double millis) {
        return Math.round(millis * 1000.0);
    }

    private static long bitsPerSecond(double mbps) {
        return Math.round(mbps * 1_000_000);
    }

    private static Scenario build(String file, ScenarioFile f) {
        Map<String, Map<Model, LatencyProfile>> sets = new HashMap<>();
        f.profileSets().forEach((name, profiles) -> sets.put(name, profiles(profiles)));
        List<NodeProfile> nodes;
        List<Link> links;
        List<Scenario.SimTask> tasks;
        Map<String, Scenario.Overhead> nodeOverheads = new HashMap<>();
        if (f.generator() != null) {
            Generated g = generate(f.generator(), sets);
            nodes = g.nodes();
            links = g.links();
            tasks = g.tasks();
        } else {
            nodes = nodes(f.nodes(), sets, nodeOverheads);
            Set<String> nodeNames = names(nodes);
            links = links(f.links(), nodeNames);
            tasks = tasks(f.tasks(), nodes);
        }
        Set<String> nodeNames = names(nodes);
        Set<String> taskNames = new HashSet<>();
        tasks.forEach(t -> taskNames.add(t.task().id()));
        Scenario.Pipeline pipeline = pipeline(f.pipeline(), nodeNames);
        if (!nodeOverheads.isEmpty()) {
            pipeline = pipeline.withOverhead(pipeline.overhead(), nodeOverheads);
        }
        ScenarioFile.Batching b = f.batching();
        Scenario.BatchSettings batching =
                new Scenario.BatchSettings(
                        b.triton().preferredBatchSizes().stream()
                                .mapToInt(Long::intValue)
                                .toArray(),
                        micros(b.triton().maxQueueDelayMs()),
                        b.deepstream().batchSize().intValue(),
                        micros(b.deepstream().pushTimeoutMs()),
                        b.coedge().waitFraction());
        return new Scenario(
                f.name() != null ? f.name() : file.replaceFirst("\\.ya?ml$", ""),
                micros(f.durationS() * 1000.0),
                f.seed(),
                f.execNoise(),
                nodes,
                links,
                tasks,
                changes(f.changes(), nodeNames, taskNames),
                f.sweep() == null
                        ? null
                        : new Scenario.Sweep(f.sweep().parameter(), f.sweep().values()),
                batching,
                new Scenario.SlowRuns(f.execSlow().share(), f.execSlow().factor()),
                pipeline);
    }

    private static Set<String> names(List<NodeProfile> nodes) {
        Set<String> names = new HashSet<>();
        nodes.forEach(n -> names.add(n.name()));
        return names;
    }

    private static Scenario.Overhead overhead(ScenarioFile.Overhead o) {
        return new Scenario.Overhead(
                micros(o.batchMs()), micros(o.frameMs()), micros(o.postFrameMs()));
    }

    /** The pipeline; each host names nodes that exist, each node on at most one host. */
    private static Scenario.Pipeline pipeline(ScenarioFile.Pipeline p, Set<String> nodeNames) {
        List<Scenario.Host> hosts = new ArrayList<>();
        Set<String> onAHost = new HashSet<>();
        for (int h = 0; h < p.hosts().size(); h++) {
            ScenarioFile.Host host = p.hosts().get(h);
            for (int i = 0; i < host.nodes().size(); i++) {
                String node = host.nodes().get(i);
                String at = "pipeline.hosts[" + h + "].nodes[" + i + "]";
                nodeRef(at, node, nodeNames);
                if (!onAHost.add(node)) {
                    throw new YamlProblem(at, "node '" + node + "' is on two hosts");
                }
            }
            hosts.add(
                    new Scenario.Host(
                            host.name() != null ? host.name() : "host-" + h,
                            host.cores(),
                            host.nodes()));
        }
        return new Scenario.Pipeline(
                overhead(p.overhead()),
                Map.of(),
                micros(p.statusIntervalMs()),
                new Replanner.Settings(
                        micros(p.replanIntervalMs()),
                        micros(p.dwellMs()),
                        micros(p.startupWaitMs()),
                        p.confirmMoves()),
                micros(p.ingestMs()),
                List.of(),
                hosts);
    }

    private static Map<Model, LatencyProfile> profiles(Map<String, ScenarioFile.Profile> profiles) {
        Map<Model, LatencyProfile> out = new HashMap<>();
        profiles.forEach((model, p) -> out.put(new Model(model), p.latencyProfile()));
        return out;
    }

    private static Map<Model, LatencyProfile> profileSet(
            String at, String name, Map<String, Map<Model, LatencyProfile>> sets) {
        Map<Model, LatencyProfile> set = sets.get(name);
        if (set == null) {
            throw new YamlProblem(
                    at,
                    "unknown profile set '"
                            + name
                            + "' (defined: "
                            + new TreeSet<>(sets.keySet())
                            + ")");
        }
        return set;
    }

    private static List<NodeProfile> nodes(
            List<ScenarioFile.Node> nodes,
            Map<String, Map<Model, LatencyProfile>> sets,
            Map<String, Scenario.Overhead> overheads) {
        List<NodeProfile> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            ScenarioFile.Node n = nodes.get(i);
            String at = "nodes[" + i + "]";
            if (!seen.add(n.name())) {
                throw new YamlProblem(at + ".name", "duplicate node '" + n.name() + "'");
            }
            if (n.overhead() != null) {
                overheads.put(n.name(), overhead(n.overhead()));
            }
            Map<Model, LatencyProfile> profiles =
                    n.profileSet() != null
                            ? profileSet(at + ".profileSet", n.profileSet(), sets)
                            : profiles(n.profiles());
            out.add(new NodeProfile(n.name(), profiles, n.load(), n.healthy()));
        }
        return out;
    }

    private static String nodeRef(String at, String node, Set<String> nodes) {
        if (!nodes.contains(node)) {
            throw new YamlProblem(at, "unknown node '" + node + "'");
        }
        return node;
    }

    private static List<Link> links(List<ScenarioFile.Link> links, Set<String> nodes) {
        List<Link> out = new ArrayList<>();
        for (int i = 0; i < links.size(); i++) {
            ScenarioFile.Link l = links.get(i);
            String at = "links[" + i + "]";
            long bps = bitsPerSecond(l.bandwidthMbps());
            long lat = micros(l.latencyMs());
            // Links sharedAs one name send on one transmitter (a WAN uplink); with `between`, the
            // way
            // back shares another one, "<name> (back)".
            String shared = l.sharedAs();
            if (l.between() != null) {
                String a = nodeRef(at + ".between[0]", l.between().get(0), nodes);
                String b = nodeRef(at + ".between[1]", l.between().get(1), nodes);
                out.add(new Link(a, b, bps, lat, shared));
                out.add(new Link(b, a, bps, lat, shared == null ? null : shared + " (back)"));
            } else {
                out.add(
                        new Link(
                                nodeRef(at + ".from", l.from(), nodes),
                                nodeRef(at + ".to", l.to(), nodes),
                                bps,
                                lat,
                                shared));
            }
        }
        return out;
    }

    private static List<Scenario.SimTask> tasks(
            List<ScenarioFile.Task> tasks, List<NodeProfile> nodes) {
        Set<String> nodeNames = names(nodes);
        List<Scenario.SimTask> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < tasks.size(); i++) {
            ScenarioFile.Task t = tasks.get(i);
            String at = "tasks[" + i + "]";
            if (!seen.add(t.id())) {
                throw new YamlProblem(at + ".id", "duplicate task '" + t.id() + "'");
            }
            Model model = new Model(t.model());
            String origin = nodeRef(at + ".origin", t.origin(), nodeNames);
            if (nodes.stream().noneMatch(n -> n.canRun(model))) {
                throw new YamlProblem(
                        at + ".model", "no node has a profile for model '" + model + "'");
            }
            out.add(
                    new Scenario.SimTask(
                            new Task(
                                    t.id(),
                                    model,
                                    origin,
                                    t.cameras().intValue(),
                                    t.fps(),
                                    micros(t.deadlineMs()),
                                    Math.round(t.inputKB() * 1024)),
                            micros(t.jitterMs())));
        }
        return out;
    }

    private static List<Scenario.Change> changes(
            List<ScenarioFile.Change> changes, Set<String> nodes, Set<String> tasks) {
        List<Scenario.Change> out = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            ScenarioFile.Change c = changes.get(i);
            String at = "changes[" + i + "]";
            long when = micros(c.atS() * 1000.0);
            if (c.link() != null) {
                long bps = c.bandwidthMbps() == null ? -1 : bitsPerSecond(c.bandwidthMbps());
                long lat = c.latencyMs() == null ? -1 : micros(c.latencyMs());
                out.add(
                        new Scenario.LinkChange(
                                when,
                                nodeRef(at + ".link[0]", c.link().get(0), nodes),
                                nodeRef(at + ".link[1]", c.link().get(1), nodes),
                                true,
                                bps,
                                lat));
            } else if (c.node() != null) {
                out.add(
                        new Scenario.NodeChange(
                                when,
                                nodeRef(at + ".node", c.node(), nodes),
                                c.load() == null ? -1 : c.load(),
                                c.healthy()));
            } else {
                if (!tasks.contains(c.task())) {
                    throw new YamlProblem(at + ".task", "unknown task '" + c.task() + "'");
                }
                out.add(new Scenario.TaskRateChange(when, c.task(), c.fpsScale()));
            }
        }
        out.sort((a, b) -> Long.compare(a.atMicros(), b.atMicros()));
        return out;
    }

    private record Generated(
            List<NodeProfile> nodes, List<Link> links, List<Scenario.SimTask> tasks) {}

    /**
     * A city grid: {@code nodes} lampposts on a grid {@code columns} wide, each linked to its four
     * grid neighbours; node types drawn by share; cameras spread unevenly (a {@code hotShare} of
     * the nodes get {@code hotWeight} times the cameras of the others); each camera is one task
     * whose model is drawn from the task mix. Deterministic for the generator's seed.
     */
    private static Generated generate(
            ScenarioFile.Generator g, Map<String, Map<Model, LatencyProfile>> sets) {
        SplittableRandom rnd = new SplittableRandom(g.seed());
        int n = g.nodes().intValue();
        int columns = g.columns().intValue();
        List<ScenarioFile.NodeType> types = g.nodeTypes();
        double[] typeShare = new double[types.size()];
        List<Map<Model, LatencyProfile>> typeProfiles = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            typeShare[i] = types.get(i).share();
            typeProfiles.add(
                    profileSet(
                            "generator.nodeTypes[" + i + "].profileSet",
                            types.get(i).profileSet(),
                            sets));
        }
        List<NodeProfile> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int type = pick(rnd, typeShare);
            nodes.add(
                    new NodeProfile(
                            String.format("n%03d", i),
                            typeProfiles.get(type),
                            types.get(type).load(),
                            true));
        }
        long bps = bitsPerSecond(g.link().bandwidthMbps());
        long lat = micros(g.link().latencyMs());
        List<Link> links = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int right = i + 1;
            int down = i + columns;
            if (right % columns != 0 && right < n) {
                links.add(new Link(nodes.get(i).name(), nodes.get(right).name(), bps, lat));
                links.add(new Link(nodes.get(right).name(), nodes.get(i).name(), bps, lat));
            }
            if (down < n) {
                links.add(new Link(nodes.get(i).name(), nodes.get(down).name(), bps, lat));
                links.add(new Link(nodes.get(down).name(), nodes.get(i).name(), bps, lat));
            }
        }
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) {
            weight[i] = rnd.nextDouble() < g.hotShare() ? g.hotWeight() : 1;
        }
        List<ScenarioFile.TaskMix> mix = g.taskMix();
        double[] mixShare = new double[mix.size()];
        for (int i = 0; i < mix.size(); i++) {
            mixShare[i] = mix.get(i).share();
            Model model = new Model(mix.get(i).model());
            if (typeProfiles.stream().noneMatch(p -> p.containsKey(model))) {
                throw new YamlProblem(
                        "generator.taskMix[" + i + "].model",
                        "no node type has a profile for model '" + model + "'");
            }
        }
        List<Scenario.SimTask> tasks = new ArrayList<>();
        int[] perNode = new int[n];
        for (int c = 0; c < g.cameras(); c++) {
            int node = pick(rnd, weight);
            ScenarioFile.TaskMix m = mix.get(pick(rnd, mixShare));
            Task task =
                    new Task(
                            String.format("%s-c%02d", nodes.get(node).name(), perNode[node]++),
                            new Model(m.model()),
                            nodes.get(node).name(),
                            1,
                            m.fps(),
                            micros(m.deadlineMs()),
                            Math.round(m.inputKB() * 1024));
            tasks.add(new Scenario.SimTask(task, micros(m.jitterMs())));
        }
        // a camera whose node type lacks its model is served by that node's neighbours; keep it,
        // the dispatcher decides
        return new Generated(nodes, links, tasks);
    }

    private static int pick(SplittableRandom rnd, double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double x = rnd.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }
}
