package io.coedge.operators.dispatch;

import io.coedge.format.NodeStatus;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the dispatcher's bandwidth of a link comes from (docs/SCHEDULING.md): what the link's
 * sending node last measured ({@link NodeStatus#links()}) while that measurement is fresh, else the
 * catalog's. Fresh means younger than {@code staleAfterMs} by the measuring node's own clock (its
 * status's timestamp minus the measurement's), so clock skew between nodes does not matter.
 *
 * <p>A bandwidth in effect changes only when a fresh measurement differs from it by more than
 * {@code changeFraction} (either way), or when the measurement goes stale (back to the catalog):
 * the {@link io.coedge.scheduler.dispatch.Replanner} re-plans at once on any change of a link, so
 * probe noise must not reach it, only real changes. Every dispatcher subtask sees the same statuses
 * in the same order, so all of them keep the same bandwidths and reach the same plan. Pure: status
 * time only, no clock.
 */
final class MeasuredLinks {
    /** A measurement older than this (by its node's clock) gives way to the catalog's bandwidth. */
    static final long DEFAULT_STALE_AFTER_MS = 60_000;

    /** A measurement within this fraction of the bandwidth in effect leaves it as it is. */
    static final double DEFAULT_CHANGE_FRACTION = 0.25;

    private final long staleAfterMs;
    private final double changeFraction;
    private final Map<String, Long> inEffect = new HashMap<>();

    MeasuredLinks(long staleAfterMs, double changeFraction) {
        this.staleAfterMs = staleAfterMs;
        this.changeFraction = changeFraction;
    }

    static MeasuredLinks defaults() {
        return new MeasuredLinks(DEFAULT_STALE_AFTER_MS, DEFAULT_CHANGE_FRACTION);
    }

    /**
     * Bits per second to plan link {@code from -> to} with.
     *
     * @param catalogBps the catalog's bandwidth of the link
     * @param statuses every node's latest status, by node id
     */
    long bandwidthBps(String from, String to, long catalogBps, Map<String, NodeStatus> statuses) {
        String key = from + "\u0000" + to;
        NodeStatus.LinkStatus measured = fresh(statuses.get(from), to);
        if (measured == null) {
            inEffect.remove(key);
            return catalogBps;
        }
        long bps = Math.max(1, Math.round(measured.mbps() * 1e6));
        Long current = inEffect.get(key);
        if (current == null || Math.abs(bps - current) > changeFraction * current) {
            inEffect.put(key, bps);
            return bps;
        }
        return current;
    }

    /** The sender's measurement of its link to {@code to}, when it has a fresh one. */
    private NodeStatus.LinkStatus fresh(NodeStatus sender, String to) {
        if (sender == null || sender.links() == null) {
            return null;
        }
        NodeStatus.LinkStatus l = sender.links().get(to);
        if (l == null || !(l.mbps() > 0) || Double.isInfinite(l.mbps())) {
            return null;
        }
        return sender.timestamp() - l.measuredAtMs() <= staleAfterMs ? l : null;
    }
}
