package io.coedge.catalog;

/**
 * The network from one node to another, as the dispatcher plans with it.
 *
 * @param from sending node
 * @param to receiving node
 * @param bandwidthMbps usable bandwidth, megabits per second
 * @param latencyMs one-way latency, milliseconds
 */
public record LinkSpec(String from, String to, double bandwidthMbps, double latencyMs) {}
