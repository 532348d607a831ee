package io.coedge.oip;

import java.util.NavigableMap;

/**
 * A node's profile of one model as read from ModelMetadata parameters: p99 and median execution
 * latency in microseconds by batch size (the median is empty from sidecars that do not publish it),
 * queue length and the device used.
 */
public record ModelProfile(
        String model,
        NavigableMap<Integer, Long> p99MicrosByBatchSize,
        NavigableMap<Integer, Long> p50MicrosByBatchSize,
        long queueLength,
        String device,
        int maxBatchSize) {}
