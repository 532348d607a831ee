package io.coedge.scheduler.sim;

/**
 * Told how far a run has got, in simulated time; called about every 5% of the scenario duration.
 */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (sim, total, frames) -> {};

    void update(long simulatedMicros, long durationMicros, long framesSoFar);
}
