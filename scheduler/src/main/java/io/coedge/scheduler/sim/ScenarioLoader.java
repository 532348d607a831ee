package io.coedge.scheduler.sim;

import io.coedge.scheduler.dispatch.Replanner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.Model;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Reads scenario YAML (format in docs/SIMULATOR.md). Every error names the file and the field path,
 * e.g. {@code paper.yaml: nodes[1].profiles.yolo-big.latencyMs: must not decrease with batch size}.
 */
public final class ScenarioLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final String file;

    private ScenarioLoader(String file) {
        this.file = file;
    }

    public static Scenario load(Path path) {
        String name = path.getFileName().toString();
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new ScenarioException(name, "", "cannot read: " + e.getMessage());
        }
        return parse(name, text);
    }

    /** Parses YAML text; {@code file} is only used in messages. */
    public static Scenario parse(String file, String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ScenarioException(file, "", "not valid YAML" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ScenarioException(file, "", "must be a YAML mapping");
        }
        ScenarioLoader loader = new ScenarioLoader(file);
        return loader.scenario(loader.new F(root, ""));
    }

    /** A node of the YAML tree with the path that reached it. */
    private final class F {
        final JsonNode node;
        final String path;

        F(JsonNode node, String path) {
            this.node = node;
            this.path = path;
        }

        ScenarioException error(String problem) {
            return new ScenarioException(file, path, problem);
        }

        String child(String name) {
            return path.isEmpty() ? name : path + "." + name;
        }

        boolean has(String name) {
            return node.has(name) && !node.get(name).isNull();
        }

        F get(String name) {
            if (!has(name)) {
                throw new ScenarioException(file, child(name), "is required");
            }
            return new F(node.get(name), child(name));
        }

        F opt(String name) {
            return has(name) ? new F(node.get(name), child(name)) : null;
        }

        String text() {
            if (!node.isTextual() && !node.isNumber()) {
                throw error("must be a string");
            }
            String s = node.asText();
            if (s.isBlank()) {
                throw error("must not be empty");
            }
            return s;
        }

        double number() {
            if (!node.isNumber()) {
                throw error("must be a number, was '" + node.asText() + "'");
            }
            return node.asDouble();
        }

        double positive() {
            double v = number();
            if (!(v > 0)) {
                throw error("must be positive, was " + v);
            }
            return v;
        }

        double nonNegative() {
            double v = number();
            if (!(v >= 0)) {
                throw error("must not be negative, was " + v);
            }
            return v;
        }

        boolean bool() {
            if (!node.isBoolean()) {
                throw error("must be true or false, was '" + node.asText() + "'");
            }
            return node.asBoolean();
        }

        long integer() {
            if (!node.isIntegralNumber()) {
                throw error("must be a whole number, was '" + node.asText() + "'");
            }
            return node.asLong();
        }

        List<F> list() {
            if (!node.isArray()) {
                throw error("must be a list");
            }
            List<F> out = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                out.add(new F(node.get(i), path + "[" + i + "]"));
            }
            return out;
        }

        Map<String, F> map() {
            if (!node.isObject()) {
                throw error("must be a mapping");
            }
            Map<String, F> out = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), new F(e.getValue(), child(e.getKey())));
            }
            return out;
        }

        void allowOnly(String... names) {
            Set<String> allowed = Set.of(names);
            for (String key : map().keySet()) {
                if (!allowed.contains(key)) {
                    throw new ScenarioException(file, child(key), "unknown field (allowed: " + String.join(", ", names) + ")");
                }
            }
        }
    }

    private Scenario scenario(F root) {
        if (root.has("shedWhileBusy")) {
            throw root.get("shedWhileBusy").error("is no longer a setting: every node runs the Flink batcher's engine, which"
                    + " always asks its policy when a frame arrives; remove the line");
        }
        root.allowOnly("name", "durationS", "seed", "execNoise", "execSlow", "pipeline", "profileSets", "nodes", "links",
                "tasks", "changes", "sweep", "batching", "generator");
        String name = root.has("name") ? root.get("name").text() : file.replaceFirst("\\.ya?ml$", "");
        long duration = micros(root.get("durationS").positive() * 1000.0);
        long seed = root.has("seed") ? root.get("seed").integer() : 1;
        double noise = root.has("execNoise") ? root.get("execNoise").nonNegative() : 0.0;
        if (noise >= 1) {
            throw new ScenarioException(file, "execNoise", "must be below 1, was " + noise);
        }
        Scenario.SlowRuns slow = Scenario.SlowRuns.NONE;
        if (root.has("execSlow")) {
            F f = root.get("execSlow");
            f.allowOnly("share", "factor");
            double share = f.get("share").nonNegative();
            if (share > 1) {
                throw f.get("share").error("must be at most 1, was " + share);
            }
            double factor = f.get("factor").positive();
            if (factor < 1) {
                throw f.get("factor").error("must be at least 1, was " + factor);
            }
            slow = new Scenario.SlowRuns(share, factor);
        }
        Scenario.Pipeline pipeline = root.has("pipeline") ? pipeline(root.get("pipeline")) : Scenario.Pipeline.defaults();
        Map<String, Map<Model, LatencyProfile>> sets = new HashMap<>();
        if (root.has("profileSets")) {
            for (Map.Entry<String, F> e : root.get("profileSets").map().entrySet()) {
                sets.put(e.getKey(), profiles(e.getValue()));
            }
        }
        List<NodeProfile> nodes;
        List<Link> links;
        List<Scenario.SimTask> tasks;
        if (root.has("generator")) {
            if (root.has("nodes") || root.has("tasks") || root.has("links")) {
                throw new ScenarioException(file, "generator", "cannot be combined with nodes, links or tasks");
            }
            Generated g = generate(root.get("generator"), sets);
            nodes = g.nodes;
            links = g.links;
            tasks = g.tasks;
        } else {
            nodes = nodes(root.get("nodes"), sets);
            Set<String> nodeNames = new HashSet<>();
            nodes.forEach(n -> nodeNames.add(n.name()));
            links = root.has("links") ? links(root.get("links"), nodeNames) : List.of();
            tasks = tasks(root.get("tasks"), nodes);
        }
        Set<String> nodeNames = new HashSet<>();
        nodes.forEach(n -> nodeNames.add(n.name()));
        Set<String> taskNames = new HashSet<>();
        tasks.forEach(t -> taskNames.add(t.task().id()));
        List<Scenario.Change> changes = root.has("changes") ? changes(root.get("changes"), nodeNames, taskNames) : List.of();
        Scenario.Sweep sweep = root.has("sweep") ? sweep(root.get("sweep")) : null;
        Scenario.BatchSettings batching = root.has("batching") ? batching(root.get("batching")) : Scenario.BatchSettings.defaults();
        Set<String> onAHost = new HashSet<>();
        for (F list : hostFields) {
            for (F n : list.list()) {
                if (!nodeNames.contains(n.text())) {
                    throw n.error("unknown node '" + n.text() + "'");
                }
                if (!onAHost.add(n.text())) {
                    throw n.error("node '" + n.text() + "' is on two hosts");
                }
            }
        }
        if (!nodeOverheads.isEmpty()) {
            pipeline = pipeline.withOverhead(pipeline.overhead(), nodeOverheads);
        }
        return new Scenario(name, duration, seed, noise, nodes, links, tasks, changes, sweep, batching, slow, pipeline);
    }

    /** The hosts' node lists, checked against the nodes once they are read. */
    private final List<F> hostFields = new ArrayList<>();

    /** Per-node overheads the node list declared, by node name (filled while the nodes are read). */
    private final Map<String, Scenario.Overhead> nodeOverheads = new HashMap<>();

    private Scenario.Overhead overhead(F f) {
        f.allowOnly("batchMs", "frameMs", "postFrameMs");
        return new Scenario.Overhead(f.has("batchMs") ? micros(f.get("batchMs").nonNegative()) : 0,
                f.has("frameMs") ? micros(f.get("frameMs").nonNegative()) : 0,
                f.has("postFrameMs") ? micros(f.get("postFrameMs").nonNegative()) : 0);
    }

    private Scenario.Pipeline pipeline(F f) {
        f.allowOnly("overhead", "statusIntervalMs", "replanIntervalMs", "dwellMs", "startupWaitMs", "ingestMs", "hosts");
        List<Scenario.Host> hosts = new ArrayList<>();
        if (f.has("hosts")) {
            for (F h : f.get("hosts").list()) {
                h.allowOnly("name", "cores", "nodes");
                List<String> members = new ArrayList<>();
                for (F n : h.get("nodes").list()) {
                    members.add(n.text());
                }
                if (members.isEmpty()) {
                    throw h.get("nodes").error("must list at least one node");
                }
                hosts.add(new Scenario.Host(h.has("name") ? h.get("name").text() : "host-" + hosts.size(),
                        h.get("cores").positive(), members));
                hostFields.add(h.get("nodes"));
            }
        }
        Scenario.Pipeline d = Scenario.Pipeline.defaults();
        Replanner.Settings r = d.replan();
        return new Scenario.Pipeline(f.has("overhead") ? overhead(f.get("overhead")) : d.overhead(), Map.of(),
                f.has("statusIntervalMs") ? micros(f.get("statusIntervalMs").positive()) : d.statusIntervalMicros(),
                new Replanner.Settings(
                        f.has("replanIntervalMs") ? micros(f.get("replanIntervalMs").nonNegative()) : r.replanIntervalMicros(),
                        f.has("dwellMs") ? micros(f.get("dwellMs").nonNegative()) : r.dwellMicros(),
                        f.has("startupWaitMs") ? micros(f.get("startupWaitMs").nonNegative()) : r.startupWaitMicros()),
                f.has("ingestMs") ? micros(f.get("ingestMs").nonNegative()) : 0, List.of(), hosts);
    }

    private static long micros(double millis) {
        return Math.round(millis * 1000.0);
    }

    private Map<Model, LatencyProfile> profiles(F f) {
        Map<Model, LatencyProfile> out = new HashMap<>();
        for (Map.Entry<String, F> e : f.map().entrySet()) {
            F p = e.getValue();
            p.allowOnly("batch", "latencyMs");
            List<F> sizes = p.get("batch").list();
            List<F> lat = p.get("latencyMs").list();
            if (sizes.isEmpty() || sizes.size() != lat.size()) {
                throw new ScenarioException(file, p.child("latencyMs"), "needs exactly one latency per batch size (" + sizes.size() + ")");
            }
            int[] b = new int[sizes.size()];
            long[] l = new long[sizes.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (int) sizes.get(i).integer();
                l[i] = micros(lat.get(i).positive());
            }
            try {
                out.put(new Model(e.getKey()), LatencyProfile.of(b, l));
            } catch (IllegalArgumentException ex) {
                throw new ScenarioException(file, p.path, ex.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw f.error("must list at least one model");
        }
        return out;
    }

    private Map<Model, LatencyProfile> profileSet(F node, Map<String, Map<Model, LatencyProfile>> sets) {
        if (node.has("profileSet")) {
            F ref = node.get("profileSet");
            Map<Model, LatencyProfile> set = sets.get(ref.text());
            if (set == null) {
                throw ref.error("unknown profile set '" + ref.text() + "' (defined: " + sets.keySet() + ")");
            }
            return set;
        }
        return profiles(node.get("profiles"));
    }

    private List<NodeProfile> nodes(F f, Map<String, Map<Model, LatencyProfile>> sets) {
        List<NodeProfile> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (F n : f.list()) {
            n.allowOnly("name", "load", "healthy", "profiles", "profileSet", "overhead");
            String name = n.get("name").text();
            if (n.has("overhead")) {
                nodeOverheads.put(name, overhead(n.get("overhead")));
            }
            if (!seen.add(name)) {
                throw n.get("name").error("duplicate node '" + name + "'");
            }
            double load = n.has("load") ? n.get("load").nonNegative() : 0;
            if (load >= 1) {
                throw n.get("load").error("must be below 1, was " + load);
            }
            boolean healthy = !n.has("healthy") || n.get("healthy").node.asBoolean(true);
            out.add(new NodeProfile(name, profileSet(n, sets), load, healthy));
        }
        if (out.isEmpty()) {
            throw f.error("must list at least one node");
        }
        return out;
    }

    private String nodeRef(F f, Set<String> nodes) {
        String n = f.text();
        if (!nodes.contains(n)) {
            throw f.error("unknown node '" + n + "'");
        }
        return n;
    }

    private List<Link> links(F f, Set<String> nodes) {
        List<Link> out = new ArrayList<>();
        for (F l : f.list()) {
            l.allowOnly("between", "from", "to", "bandwidthMbps", "latencyMs", "sharedAs");
            long bps = Math.round(l.get("bandwidthMbps").positive() * 1_000_000);
            long lat = l.has("latencyMs") ? micros(l.get("latencyMs").nonNegative()) : 0;
            // Links sharedAs one name send on one transmitter (a WAN uplink); with `between`, the way
            // back shares another one, "<name> (back)".
            String shared = l.has("sharedAs") ? l.get("sharedAs").text() : null;
            if (l.has("between")) {
                List<F> ends = l.get("between").list();
                if (ends.size() != 2) {
                    throw l.get("between").error("must name exactly two nodes");
                }
                String a = nodeRef(ends.get(0), nodes);
                String b = nodeRef(ends.get(1), nodes);
                out.add(new Link(a, b, bps, lat, shared));
                out.add(new Link(b, a, bps, lat, shared == null ? null : shared + " (back)"));
            } else {
                out.add(new Link(nodeRef(l.get("from"), nodes), nodeRef(l.get("to"), nodes), bps, lat, shared));
            }
        }
        return out;
    }

    private List<Scenario.SimTask> tasks(F f, List<NodeProfile> nodes) {
        Map<String, NodeProfile> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.name(), n));
        List<Scenario.SimTask> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (F t : f.list()) {
            t.allowOnly("id", "model", "origin", "cameras", "fps", "jitterMs", "deadlineMs", "inputKB");
            String id = t.get("id").text();
            if (!seen.add(id)) {
                throw t.get("id").error("duplicate task '" + id + "'");
            }
            Model model = new Model(t.get("model").text());
            String origin = nodeRef(t.get("origin"), byName.keySet());
            boolean anyRuns = nodes.stream().anyMatch(n -> n.canRun(model));
            if (!anyRuns) {
                throw t.get("model").error("no node has a profile for model '" + model + "'");
            }
            int cameras = t.has("cameras") ? (int) t.get("cameras").integer() : 1;
            if (cameras < 1) {
                throw t.get("cameras").error("must be at least 1");
            }
            double fps = t.get("fps").positive();
            long jitter = t.has("jitterMs") ? micros(t.get("jitterMs").nonNegative()) : 0;
            long deadline = micros(t.get("deadlineMs").positive());
            long bytes = Math.round(t.get("inputKB").nonNegative() * 1024);
            out.add(new Scenario.SimTask(new Task(id, model, origin, cameras, fps, deadline, bytes), jitter));
        }
        if (out.isEmpty()) {
            throw f.error("must list at least one task");
        }
        return out;
    }

    private List<Scenario.Change> changes(F f, Set<String> nodes, Set<String> tasks) {
        List<Scenario.Change> out = new ArrayList<>();
        for (F c : f.list()) {
            c.allowOnly("atS", "link", "bandwidthMbps", "latencyMs", "node", "load", "healthy", "task", "fpsScale");
            long at = micros(c.get("atS").nonNegative() * 1000.0);
            if (c.has("link")) {
                List<F> ends = c.get("link").list();
                if (ends.size() != 2) {
                    throw c.get("link").error("must name exactly two nodes");
                }
                long bps = c.has("bandwidthMbps") ? Math.round(c.get("bandwidthMbps").positive() * 1_000_000) : -1;
                long lat = c.has("latencyMs") ? micros(c.get("latencyMs").nonNegative()) : -1;
                out.add(new Scenario.LinkChange(at, nodeRef(ends.get(0), nodes), nodeRef(ends.get(1), nodes), true, bps, lat));
            } else if (c.has("node")) {
                double load = c.has("load") ? c.get("load").nonNegative() : -1;
                if (load >= 1) {
                    throw c.get("load").error("must be below 1, was " + load);
                }
                boolean healthy = !c.has("healthy") || c.get("healthy").node.asBoolean(true);
                out.add(new Scenario.NodeChange(at, nodeRef(c.get("node"), nodes), load, healthy));
            } else if (c.has("task")) {
                String task = c.get("task").text();
                if (!tasks.contains(task)) {
                    throw c.get("task").error("unknown task '" + task + "'");
                }
                out.add(new Scenario.TaskRateChange(at, task, c.get("fpsScale").positive()));
            } else {
                throw c.error("must name a link, a node or a task");
            }
        }
        out.sort((a, b) -> Long.compare(a.atMicros(), b.atMicros()));
        return out;
    }

    private Scenario.Sweep sweep(F f) {
        f.allowOnly("parameter", "values");
        String p = f.get("parameter").text();
        if (!p.equals(Scenario.Sweep.BANDWIDTH) && !p.equals(Scenario.Sweep.LOAD)) {
            throw f.get("parameter").error("must be " + Scenario.Sweep.BANDWIDTH + " or " + Scenario.Sweep.LOAD + ", was '" + p + "'");
        }
        List<Double> values = new ArrayList<>();
        for (F v : f.get("values").list()) {
            values.add(v.positive());
        }
        if (values.isEmpty()) {
            throw f.get("values").error("must list at least one value");
        }
        return new Scenario.Sweep(p, values);
    }

    private Scenario.BatchSettings batching(F f) {
        f.allowOnly("triton", "deepstream", "coedge");
        Scenario.BatchSettings d = Scenario.BatchSettings.defaults();
        int[] preferred = d.tritonPreferredBatchSizes();
        long delay = d.tritonMaxQueueDelayMicros();
        int dsBatch = d.deepstreamBatchSize();
        long dsTimeout = d.deepstreamPushTimeoutMicros();
        double wait = d.coedgeWaitFraction();
        F t = f.opt("triton");
        if (t != null) {
            t.allowOnly("preferredBatchSizes", "maxQueueDelayMs");
            if (t.has("preferredBatchSizes")) {
                preferred = t.get("preferredBatchSizes").list().stream().mapToInt(x -> (int) x.integer()).toArray();
            }
            if (t.has("maxQueueDelayMs")) {
                delay = micros(t.get("maxQueueDelayMs").nonNegative());
            }
        }
        F ds = f.opt("deepstream");
        if (ds != null) {
            ds.allowOnly("batchSize", "pushTimeoutMs");
            if (ds.has("batchSize")) {
                dsBatch = (int) ds.get("batchSize").integer();
            }
            if (ds.has("pushTimeoutMs")) {
                dsTimeout = micros(ds.get("pushTimeoutMs").nonNegative());
            }
        }
        F c = f.opt("coedge");
        if (c != null) {
            c.allowOnly("waitFraction");
            wait = c.get("waitFraction").nonNegative();
            if (wait >= 1) {
                throw c.get("waitFraction").error("must be below 1");
            }
        }
        return new Scenario.BatchSettings(preferred, delay, dsBatch, dsTimeout, wait);
    }

    private record Generated(List<NodeProfile> nodes, List<Link> links, List<Scenario.SimTask> tasks) {
    }

    /**
     * A city grid: {@code nodes} lampposts on a grid {@code columns} wide, each linked to its four
     * grid neighbours; node types drawn by share; cameras spread unevenly (a {@code hotShare} of the
     * nodes get {@code hotWeight} times the cameras of the others); each camera is one task whose
     * model is drawn from the task mix. Deterministic for the generator's seed.
     */
    private Generated generate(F g, Map<String, Map<Model, LatencyProfile>> sets) {
        g.allowOnly("seed", "nodes", "columns", "nodeTypes", "link", "cameras", "hotShare", "hotWeight", "taskMix");
        SplittableRandom rnd = new SplittableRandom(g.has("seed") ? g.get("seed").integer() : 1);
        int n = (int) g.get("nodes").integer();
        int columns = (int) g.get("columns").integer();
        if (n < 1 || columns < 1) {
            throw g.error("nodes and columns must be at least 1");
        }
        List<F> types = g.get("nodeTypes").list();
        double[] typeShare = new double[types.size()];
        List<Map<Model, LatencyProfile>> typeProfiles = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            F t = types.get(i);
            t.allowOnly("profileSet", "share", "load");
            typeShare[i] = t.get("share").positive();
            typeProfiles.add(profileSet(t, sets));
        }
        List<NodeProfile> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int type = pick(rnd, typeShare);
            F t = types.get(type);
            double load = t.has("load") ? t.get("load").nonNegative() : 0;
            nodes.add(new NodeProfile(String.format("n%03d", i), typeProfiles.get(type), load, true));
        }
        F link = g.get("link");
        link.allowOnly("bandwidthMbps", "latencyMs");
        long bps = Math.round(link.get("bandwidthMbps").positive() * 1_000_000);
        long lat = link.has("latencyMs") ? micros(link.get("latencyMs").nonNegative()) : 0;
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
        int cameras = (int) g.get("cameras").integer();
        double hotShare = g.has("hotShare") ? g.get("hotShare").nonNegative() : 0;
        double hotWeight = g.has("hotWeight") ? g.get("hotWeight").positive() : 1;
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) {
            weight[i] = rnd.nextDouble() < hotShare ? hotWeight : 1;
        }
        List<F> mix = g.get("taskMix").list();
        double[] mixShare = new double[mix.size()];
        for (int i = 0; i < mix.size(); i++) {
            F m = mix.get(i);
            m.allowOnly("model", "share", "fps", "jitterMs", "deadlineMs", "inputKB");
            mixShare[i] = m.get("share").positive();
            Model model = new Model(m.get("model").text());
            if (typeProfiles.stream().noneMatch(p -> p.containsKey(model))) {
                throw m.get("model").error("no node type has a profile for model '" + model + "'");
            }
        }
        List<Scenario.SimTask> tasks = new ArrayList<>();
        int[] perNode = new int[n];
        for (int c = 0; c < cameras; c++) {
            int node = pick(rnd, weight);
            F m = mix.get(pick(rnd, mixShare));
            Task task = new Task(String.format("%s-c%02d", nodes.get(node).name(), perNode[node]++), new Model(m.get("model").text()),
                    nodes.get(node).name(), 1, m.get("fps").positive(), micros(m.get("deadlineMs").positive()),
                    Math.round(m.get("inputKB").nonNegative() * 1024));
            long jitter = m.has("jitterMs") ? micros(m.get("jitterMs").nonNegative()) : 0;
            tasks.add(new Scenario.SimTask(task, jitter));
        }
        // a camera whose node type lacks its model is served by that node's neighbours; keep it, the dispatcher decides
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
