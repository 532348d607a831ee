package io.coedge.operators.dispatch;

import io.coedge.format.Frame;
import io.coedge.format.NodeStatus;
import io.coedge.scheduler.dispatch.LinkGate;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.Topology;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The dispatcher's per-frame routing, without Flink: the assignment in force (task -> node), the
 * batcher subtask each node announced, and the frames held while their node has not announced one
 * yet. A frame goes to its task's node (its origin when the task is not assigned), keyed by the key
 * of that node's subtask ({@link SubtaskKeys}). The held frames are bounded by count and by bytes;
 * beyond either bound a frame is still routed rather than lost, to the subtask its node's name
 * hashes to, whose batcher sheds or runs it.
 *
 * <p>Once it knows the links ({@link #links}), a frame for another node goes through the engine's
 * {@link LinkGate} first: at the link's bandwidth (its origin's newest probe round in this JVM when
 * there is a fresh one, else the topology's: measured while fresh, else the catalog's) it must
 * arrive by its deadline behind the frames already sent that way, else it is shed here ({@link
 * Shed}) and never crosses the link.
 */
final class FrameRouter {
    /**
     * Image bytes held while nodes have not announced themselves, beside the frame-count bound: a
     * heap bound.
     */
    static final long MAX_WAITING_BYTES = 64L << 20;

    private final SubtaskKeys keys;
    private final int maxWaiting;
    private final long maxWaitingBytes;
    private final List<Frame> waiting = new ArrayList<>();
    private long waitingBytes;
    private Map<String, String> assignment;
    private Map<String, Integer> subtaskOfNode = Map.of();
    private Topology topology;
    private LinkGate gate;
    private FreshLinks fresh = (from, to, nowMs) -> null;
    private Shed shed;

    /**
     * The links as the origin measures them: a bandwidth newer than the topology's, and what the
     * gate lets onto each link (the prober compares its rounds with it).
     */
    interface FreshLinks {
        /** Mbit/s measured from {@code from} to {@code to}, or null. */
        Double mbps(String from, String to, long nowMs);

        /** {@code bytes} of a frame let onto the link from {@code from} to {@code to}. */
        default void sent(String from, String to, long bytes, long nowMs) {}
    }

    /** Where a frame shed at its origin goes (its one result). */
    @FunctionalInterface
    interface Shed {
        /**
         * @param node the node the frame was for
         */
        void shed(Frame frame, String node, String reason, long nowMs);
    }

    /**
     * @param maxWaiting frames held while nodes have not announced themselves
     */
    FrameRouter(SubtaskKeys keys, int maxWaiting) {
        this(keys, maxWaiting, MAX_WAITING_BYTES);
    }

    FrameRouter(SubtaskKeys keys, int maxWaiting, long maxWaitingBytes) {
        this.keys = keys;
        this.maxWaiting = maxWaiting;
        this.maxWaitingBytes = maxWaitingBytes;
    }

    /**
     * Where the gate learns a link's bandwidth newer than the topology's ({@code fresh}), and where
     * the frames it refuses go ({@code shed}); the gate acts once the links are known ({@link
     * #links}).
     */
    void gate(FreshLinks fresh, Shed shed) {
        this.fresh = fresh;
        this.shed = shed;
    }

    /**
     * Gates frames for other nodes by {@code topology}'s links from now on (nodes in its order; a
     * later call with as many nodes keeps the queues). Needs {@link #gate} first.
     */
    void links(Topology topology) {
        int n = topology.nodes().size();
        if (gate == null || this.topology.nodes().size() != n) {
            gate = new LinkGate(n * n);
        }
        this.topology = topology;
    }

    /** Whether an assignment is in force (none before the first plan or restore). */
    boolean assigned() {
        return assignment != null;
    }

    /** Routes by this assignment (task -> node) from now on; the map is kept, not copied. */
    void assign(Map<String, String> assignment) {
        this.assignment = assignment;
    }

    /**
     * Which subtask hosts which node, from the nodes' latest statuses. Two nodes may claim one
     * subtask after a failover; the newest claim wins.
     */
    void announced(Collection<NodeStatus> statuses) {
        Map<Integer, NodeStatus> claim = new HashMap<>();
        for (NodeStatus s : statuses) {
            NodeStatus other = claim.get(s.subtask());
            if (other == null || other.timestamp() < s.timestamp()) {
                claim.put(s.subtask(), s);
            }
        }
        Map<String, Integer> out = new HashMap<>();
        claim.forEach((subtask, s) -> out.put(s.node(), subtask));
        subtaskOfNode = out;
    }

    /**
     * Routes the frame to the subtask of its task's node, or holds it while that node has not
     * announced a subtask (and the bounds allow). Needs an assignment in force.
     *
     * @param nowMs the dispatch time the routed frame carries
     */
    void route(Frame frame, long nowMs, Consumer<RoutedFrame> out) {
        String node = assignment.getOrDefault(frame.task(), frame.origin());
        Integer subtask = subtaskOfNode.get(node);
        if (subtask == null || subtask >= keys.parallelism()) {
            if (waiting.size() >= maxWaiting
                    || waitingBytes + frame.image().length > maxWaitingBytes) {
                // Still routed rather than lost: the batcher on the origin's key index will shed or
                // run it.
                subtask = Math.floorMod(node.hashCode(), keys.parallelism());
            } else {
                waiting.add(frame);
                waitingBytes += frame.image().length;
                return;
            }
        }
        if (gate != null && !node.equals(frame.origin()) && !admitted(frame, node, nowMs)) {
            return;
        }
        out.accept(new RoutedFrame(frame, node, keys.keyOf(subtask), nowMs));
    }

    /** Whether the frame may cross its origin's link to {@code node}; if not, it was shed. */
    private boolean admitted(Frame frame, String node, long nowMs) {
        int from;
        int to;
        try {
            from = topology.nodeIndex(frame.origin());
            to = topology.nodeIndex(node);
        } catch (IllegalArgumentException e) {
            return true; // a node the catalog does not know: its batcher reports the frame
        }
        Link link = topology.link(from, to);
        if (link == null) {
            return true;
        }
        Double mbps = fresh.mbps(frame.origin(), node, nowMs);
        if (mbps != null && mbps > 0 && !mbps.isInfinite()) {
            link = link.with(Math.max(1, Math.round(mbps * 1e6)), link.latencyMicros());
        }
        long bytes = frame.image().length;
        long deadline = frame.deadlineTs() * 1000;
        LinkGate.Verdict v =
                gate.offer(
                        from * topology.nodes().size() + to, nowMs * 1000, bytes, link, deadline);
        if (v.admitted()) {
            fresh.sent(frame.origin(), node, bytes, nowMs);
            return true;
        }
        shed.shed(frame, node, v.describe(link, bytes, deadline), nowMs);
        return false;
    }

    /** Routes the held frames again, once an assignment is in force; still unannounced: held. */
    void flush(long nowMs, Consumer<RoutedFrame> out) {
        if (waiting.isEmpty() || assignment == null) {
            return;
        }
        List<Frame> held = new ArrayList<>(waiting);
        waiting.clear();
        waitingBytes = 0;
        for (Frame f : held) {
            route(f, nowMs, out);
        }
    }

    /** Frames held for their node, oldest first (a copy, for a checkpoint). */
    List<Frame> waiting() {
        return List.copyOf(waiting);
    }

    int waitingCount() {
        return waiting.size();
    }

    /** Holds frames restored from a checkpoint, beyond the bounds if need be. */
    void hold(Iterable<Frame> frames) {
        for (Frame f : frames) {
            waiting.add(f);
            waitingBytes += f.image().length;
        }
    }
}
