package io.coedge.sidecar.client;

import java.util.NavigableMap;

/**
 * A node's profile of one model as read from ModelMetadata parameters: p99 execution
 * latency in microseconds by batch size, queue length and the device used.
 */
public record ModelProfile(String model, NavigableMap<Integer, Long> p99MicrosByBatchSize, long queueLength,
                           String device, int maxBatchSize) {}
