package io.coedge.operators.links;

import io.coedge.format.NodeStatus;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The probe addresses the nodes announce in their statuses, JVM-wide: the dispatcher (which hears
 * every node's status) writes them, the node's {@link LinkProbes} (which hears none) reads them.
 * Both run in the node's TaskManager, as {@link io.coedge.operators.profile.SourceSubtasks}' two
 * sides do. A node probes only addresses announced here: never one it guessed.
 */
public final class LinkPeers {
    private static final Map<String, String> PROBES = new ConcurrentHashMap<>();

    private LinkPeers() {}

    /** The statuses' probe addresses, by node; a status without one withdraws the node's. */
    public static void announced(Collection<NodeStatus> statuses) {
        for (NodeStatus s : statuses) {
            if (s.probe() == null || s.probe().isBlank()) {
                PROBES.remove(s.node());
            } else {
                PROBES.put(s.node(), s.probe());
            }
        }
    }

    /** Node id -> {@code host:port} of its probe server, as last announced. */
    public static Map<String, String> all() {
        return Map.copyOf(PROBES);
    }

    /** Forgets every announcement (tests). */
    static void clear() {
        PROBES.clear();
    }
}
