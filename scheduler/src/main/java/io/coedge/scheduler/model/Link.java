package io.coedge.scheduler.model;

import java.util.Objects;

/** A directed network path between two edge nodes. */
public record Link(String from, String to, long bandwidthBitsPerSecond, long latencyMicros) {

    public Link {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (bandwidthBitsPerSecond <= 0) {
            throw new IllegalArgumentException("bandwidth of link " + from + "->" + to + " must be positive");
        }
        if (latencyMicros < 0) {
            throw new IllegalArgumentException("latency of link " + from + "->" + to + " must not be negative");
        }
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
