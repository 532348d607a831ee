package io.coedge.jobs.analytics;

/**
 * One task's deadline figures over one window of result emit times.
 *
 * @param kind always {@code task-window}, so consumers of the analytics topic can tell records
 *     apart
 */
public record TaskWindowStats(
        String kind,
        String task,
        long windowStart,
        long windowEnd,
        long frames,
        long ok,
        long late,
        long dropped,
        long error,
        double missRate,
        long p50Ms,
        long p95Ms,
        long p99Ms,
        double meanBatch) {}
