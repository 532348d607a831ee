package io.coedge.scheduler.sim;

import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.stats.RecentLatencies;
import java.util.TreeMap;

/**
 * What a simulated node's sidecar reports of one model, as the real sidecar does (Clockwork style):
 * the median and p99 ({@link RecentLatencies}) of the last {@value #WINDOW} runs at each batch
 * size, each run timed as the accelerator took it (with whatever else shared the machine then).
 */
final class SidecarWindow {
    static final int WINDOW = 10;

    private final RecentLatencies[] runs;

    SidecarWindow(int maxBatch) {
        runs = new RecentLatencies[maxBatch + 1];
    }

    void record(int batch, long micros) {
        if (runs[batch] == null) {
            runs[batch] = new RecentLatencies(WINDOW);
        }
        runs[batch].record(micros);
    }

    boolean isEmpty() {
        for (RecentLatencies r : runs) {
            if (r != null) {
                return false;
            }
        }
        return true;
    }

    /** The q percentile by batch size, over the sizes that ran. */
    private TreeMap<Integer, Long> percentile(double q) {
        TreeMap<Integer, Long> out = new TreeMap<>();
        for (int b = 1; b < runs.length; b++) {
            if (runs[b] != null) {
                out.put(b, runs[b].percentile(q));
            }
        }
        return out;
    }

    LatencyProfile median(int maxBatch) {
        return LatencyProfile.fromMeasured(percentile(0.50), maxBatch);
    }

    LatencyProfile p99(int maxBatch) {
        return LatencyProfile.fromMeasured(percentile(0.99), maxBatch);
    }
}
