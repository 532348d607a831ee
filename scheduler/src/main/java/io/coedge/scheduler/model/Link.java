package io.coedge.scheduler.model;

import java.util.Objects;

/**
 * A directed network path between two edge nodes.
 *
 * @param sharedAs links with the same name share one transmitter and its bandwidth (a WAN uplink
 *     several lampposts sit behind); null for a link of its own
 */
public record Link(
        String from, String to, long bandwidthBitsPerSecond, long latencyMicros, String sharedAs) {

    public Link(String from, String to, long bandwidthBitsPerSecond, long latencyMicros) {
        this(from, to, bandwidthBitsPerSecond, latencyMicros, null);
    }

    public Link {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (bandwidthBitsPerSecond <= 0) {
            throw new IllegalArgumentException(
                    "bandwidth of link " + from + "->" + to + " must be positive");
        }
        if (latencyMicros < 0) {
            throw new IllegalArgumentException(
                    "latency of link " + from + "->" + to + " must not be negative");
        }
    }

    /** The same link with another bandwidth and latency, still shared as it was. */
    public Link with(long bandwidth, long latency) {
        return new Link(from, to, bandwidth, latency, sharedAs);
    }

    /** Serialisation time of {@code bytes} on this link, without propagation latency. */
    public long serialisationMicros(long bytes) {
        return (long) Math.ceil(bytes * 8.0 * 1_000_000.0 / bandwidthBitsPerSecond);
    }

    /** Time for one input of {@code bytes} to cross an idle link: size / bandwidth + latency. */
    public long transferMicros(long bytes) {
        return serialisationMicros(bytes) + latencyMicros;
    }
}
