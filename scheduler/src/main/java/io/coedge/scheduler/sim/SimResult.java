package io.coedge.scheduler.sim;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.FrameOutcome;

import java.util.List;

/**
 * Outcome of one simulated run of one (dispatch, batch) pair. Every generated frame is counted in
 * exactly one of ok, late, dropped. Latency percentiles cover completed frames (OK and LATE).
 *
 * @param throughputFps  completed frames (OK + LATE) per simulated second of the scenario duration
 * @param goodputFps     frames that met their deadline per simulated second
 * @param batchHistogram batchHistogram.get(b) = batches of size b that ran (index 0 unused)
 * @param moves          tasks moved by re-plans after the initial plan
 */
public record SimResult(
        String scenario,
        String dispatch,
        String batch,
        long frames,
        long ok,
        long late,
        long dropped,
        double p50Millis,
        double p95Millis,
        double p99Millis,
        double throughputFps,
        double goodputFps,
        List<String> nodeNames,
        List<Double> nodeUtilisation,
        List<Long> batchHistogram,
        Assignment initialAssignment,
        Assignment finalAssignment,
        int replans,
        int moves,
        LatencyHistogram latency) {

    /** Deadline-miss rate: (LATE + DROPPED) / all frames. */
    public double dmr() {
        return frames == 0 ? 0 : (double) (late + dropped) / frames;
    }

    /** Frames that ended in {@code outcome}. */
    public long count(FrameOutcome outcome) {
        return switch (outcome) {
            case OK -> ok;
            case LATE -> late;
            case DROPPED -> dropped;
        };
    }

    public String pair() {
        return dispatch + "/" + batch;
    }
}
