package io.coedge.scheduler.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the dispatcher plans from: nodes with their profiles, the links between them and the
 * tasks. Immutable; indexes (node/task/model name -> dense int) are built once so that the
 * dispatcher and the simulator work on arrays.
 */
public final class Topology {

    private final List<NodeProfile> nodes;
    private final List<Link> links;
    private final List<Task> tasks;
    private final List<Model> models;
    private final Map<String, Integer> nodeIndex = new HashMap<>();
    private final Map<String, Integer> taskIndex = new HashMap<>();
    private final Map<Model, Integer> modelIndex = new HashMap<>();
    private final Link[] linkMatrix;
    private final int[][] neighbours;

    /**
     * (from * nodes + to) -> the slot whose bytes the link from -> to shares: links with one {@link
     * Link#sharedAs} name all point to the first of them, any other link to itself.
     */
    private final int[] carrier;

    public Topology(List<NodeProfile> nodes, List<Link> links, List<Task> tasks) {
        this.nodes = List.copyOf(nodes);
        this.links = List.copyOf(links);
        this.tasks = List.copyOf(tasks);
        for (int i = 0; i < this.nodes.size(); i++) {
            if (nodeIndex.put(this.nodes.get(i).name(), i) != null) {
                throw new IllegalArgumentException("duplicate node " + this.nodes.get(i).name());
            }
        }
        List<Model> ms = new ArrayList<>();
        for (NodeProfile n : this.nodes) {
            for (Model m :
                    n.profiles().keySet().stream()
                            .sorted((a, b) -> a.name().compareTo(b.name()))
                            .toList()) {
                if (!modelIndex.containsKey(m)) {
                    modelIndex.put(m, ms.size());
                    ms.add(m);
                }
            }
        }
        for (int i = 0; i < this.tasks.size(); i++) {
            Task t = this.tasks.get(i);
            if (taskIndex.put(t.id(), i) != null) {
                throw new IllegalArgumentException("duplicate task " + t.id());
            }
            if (!nodeIndex.containsKey(t.origin())) {
                throw new IllegalArgumentException(
                        "task " + t.id() + " has unknown origin " + t.origin());
            }
            if (!modelIndex.containsKey(t.model())) {
                modelIndex.put(t.model(), ms.size());
                ms.add(t.model());
            }
        }
        this.models = List.copyOf(ms);
        int n = this.nodes.size();
        this.linkMatrix = new Link[n * n];
        List<List<Integer>> nb = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nb.add(new ArrayList<>());
        }
        for (Link l : this.links) {
            Integer a = nodeIndex.get(l.from());
            Integer b = nodeIndex.get(l.to());
            if (a == null || b == null) {
                throw new IllegalArgumentException(
                        "link " + l.from() + "->" + l.to() + " names an unknown node");
            }
            if (linkMatrix[a * n + b] == null) {
                nb.get(a).add(b);
            }
            linkMatrix[a * n + b] = l;
        }
        this.neighbours = new int[n][];
        for (int i = 0; i < n; i++) {
            neighbours[i] = nb.get(i).stream().sorted().mapToInt(Integer::intValue).toArray();
        }
        this.carrier = new int[n * n];
        Map<String, Integer> shared = new HashMap<>();
        for (int i = 0; i < carrier.length; i++) {
            Link l = linkMatrix[i];
            Integer first = l == null || l.sharedAs() == null ? null : shared.get(l.sharedAs());
            carrier[i] = first == null ? i : first;
            if (l != null && l.sharedAs() != null && first == null) {
                shared.put(l.sharedAs(), i);
            }
        }
    }

    public List<NodeProfile> nodes() {
        return nodes;
    }

    public List<Link> links() {
        return links;
    }

    public List<Task> tasks() {
        return tasks;
    }

    /** Every model any node or task mentions, in a stable order (the model index). */
    public List<Model> models() {
        return models;
    }

    public int nodeIndex(String name) {
        Integer i = nodeIndex.get(name);
        if (i == null) {
            throw new IllegalArgumentException("unknown node " + name);
        }
        return i;
    }

    public int taskIndex(String id) {
        Integer i = taskIndex.get(id);
        if (i == null) {
            throw new IllegalArgumentException("unknown task " + id);
        }
        return i;
    }

    public int modelIndex(Model m) {
        Integer i = modelIndex.get(m);
        if (i == null) {
            throw new IllegalArgumentException("unknown model " + m);
        }
        return i;
    }

    /** The directed link between two node indexes, or null when there is none. */
    public Link link(int from, int to) {
        return linkMatrix[from * nodes.size() + to];
    }

    /**
     * Where the bytes of the link {@code from -> to} are counted, as a slot in {@code [0,
     * nodes^2)}: links shared under one name ({@link Link#sharedAs}, one transmitter) have one
     * slot, any other link its own. {@link LinkLoad} sums by it.
     */
    public int carrier(int from, int to) {
        return carrier[from * nodes.size() + to];
    }

    /** Node indexes reachable over one link from {@code node}, ascending. */
    public int[] neighbours(int node) {
        return neighbours[node];
    }

    /**
     * Transfer time of one input of {@code task} from its origin to {@code node}; 0 when local, -1
     * when unreachable.
     */
    public long transferMicros(Task task, int node) {
        int origin = nodeIndex(task.origin());
        if (origin == node) {
            return 0;
        }
        Link l = link(origin, node);
        return l == null ? -1 : l.transferMicros(task.inputBytes());
    }

    public Topology withNodes(List<NodeProfile> newNodes) {
        return new Topology(newNodes, links, tasks);
    }

    public Topology withLinks(List<Link> newLinks) {
        return new Topology(nodes, newLinks, tasks);
    }

    public Topology withTasks(List<Task> newTasks) {
        return new Topology(nodes, links, newTasks);
    }
}
