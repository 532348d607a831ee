package io.coedge.scheduler.model;

import java.util.Map;

/**
 * The bits per second that offloaded tasks put on a topology's links, summed per carrier ({@link
 * Topology#carrier}): links shared under one name are one transmitter and count together, so two
 * tasks that each fit a shared WAN uplink alone may together overfill it. The one place link use is
 * summed: the dispatch plan keeps one while it places tasks, and the re-planner builds one over the
 * assignment in force to find tasks on a link past its capacity.
 */
public final class LinkLoad {

    private final Topology topology;
    private final double[] bits;

    /** No task offloaded yet. */
    public LinkLoad(Topology topology) {
        this.topology = topology;
        int n = topology.nodes().size();
        this.bits = new double[n * n];
    }

    /**
     * The load of every task the assignment places off its origin, at its frame rate and input
     * size. Tasks on a node the topology does not know, or with no link from their origin, add
     * nothing.
     *
     * @param nodeOfTask task id -> node it runs on (tasks missing from it run at their origin)
     */
    public static LinkLoad of(Topology topology, Map<String, String> nodeOfTask) {
        LinkLoad load = new LinkLoad(topology);
        for (Task t : topology.tasks()) {
            int[] path = path(topology, t, nodeOfTask.get(t.id()));
            if (path != null) {
                load.add(path[0], path[1], bitsPerSecond(t));
            }
        }
        return load;
    }

    /**
     * The origin and node indexes of a task placed off its origin on a link, or null when it runs
     * at its origin, on a node the topology does not know, or where no link from its origin goes.
     */
    public static int[] path(Topology topology, Task task, String at) {
        if (at == null || at.equals(task.origin())) {
            return null;
        }
        int from = topology.nodeIndex(task.origin());
        int to;
        try {
            to = topology.nodeIndex(at);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return topology.link(from, to) == null ? null : new int[] {from, to};
    }

    /** What a task sends while it runs off its origin: frame rate x input bytes x 8. */
    public static double bitsPerSecond(Task task) {
        return task.frameRate() * task.inputBytes() * 8.0;
    }

    /** A task from node {@code from} placed on {@code to}; nothing when they are the same. */
    public void add(int from, int to, double bitsPerSecond) {
        if (from != to) {
            bits[topology.carrier(from, to)] += bitsPerSecond;
        }
    }

    /** The reverse of {@link #add}. */
    public void remove(int from, int to, double bitsPerSecond) {
        add(from, to, -bitsPerSecond);
    }

    /** Bits per second on the carrier of {@code from -> to}; 0 when they are the same node. */
    public double bitsPerSecond(int from, int to) {
        return from == to ? 0 : bits[topology.carrier(from, to)];
    }

    /**
     * Whether {@code from -> to} is a link whose carrier, with {@code extraBitsPerSecond} more on
     * it, stays within {@code fraction} of the link's bandwidth. False when there is no link.
     */
    public boolean fits(int from, int to, double extraBitsPerSecond, double fraction) {
        if (from == to) {
            return true;
        }
        Link l = topology.link(from, to);
        return l != null
                && bitsPerSecond(from, to) + extraBitsPerSecond
                        <= fraction * l.bandwidthBitsPerSecond();
    }
}
