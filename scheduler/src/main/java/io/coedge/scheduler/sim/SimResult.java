package io.coedge.scheduler.sim;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.FrameOutcome;
import io.coedge.stats.Latencies;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Outcome of one simulated run of one (dispatch, batch) pair. Every generated frame is counted in
 * exactly one of ok, late, dropped. Latency percentiles cover completed frames (OK and LATE).
 *
 * @param throughputFps completed frames (OK + LATE) per simulated second of the scenario duration
 * @param goodputFps frames that met their deadline per simulated second
 * @param batchHistogram batchHistogram.get(b) = batches of size b that ran (index 0 unused)
 * @param moves tasks moved by re-plans after the initial plan
 * @param latency end-to-end latency of the completed frames, microseconds
 * @param series DMR per window, per-node load per window, and every move with its time
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
        Latencies latency,
        Series series) {

    /** A task leaving one node for another at a time of the run. */
    public record Move(long atMicros, String task, String from, String to) {}

    /**
     * The run over time.
     *
     * @param windowMicros the length of each window
     * @param frames frames captured in each window
     * @param misses of those, frames that missed their deadline (LATE or DROPPED)
     * @param nodeLoad nodeLoad[n][w]: share of window w node n's accelerator was busy
     * @param moves every move after the first plan, in time order
     */
    public record Series(
            long windowMicros,
            long[] frames,
            long[] misses,
            List<String> nodes,
            double[][] nodeLoad,
            List<Move> moves) {
        public double dmr(int window) {
            return frames[window] == 0 ? 0 : (double) misses[window] / frames[window];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Series s
                    && windowMicros == s.windowMicros
                    && Arrays.equals(frames, s.frames)
                    && Arrays.equals(misses, s.misses)
                    && nodes.equals(s.nodes)
                    && Arrays.deepEquals(nodeLoad, s.nodeLoad)
                    && moves.equals(s.moves);
        }

        @Override
        public int hashCode() {
            return Objects.hash(
                    windowMicros,
                    Arrays.hashCode(frames),
                    Arrays.hashCode(misses),
                    nodes,
                    Arrays.deepHashCode(nodeLoad),
                    moves);
        }

        @Override
        public String toString() {
            return "Series{"
                    + frames.length
                    + " windows of "
                    + windowMicros / 1000
                    + " ms, misses "
                    + Arrays.toString(misses)
                    + ", "
                    + moves.size()
                    + " moves}";
        }
    }

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
