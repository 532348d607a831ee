package io.coedge.scheduler.sim;

import io.coedge.scheduler.model.LatencyProfile;

import java.util.Arrays;
import java.util.TreeMap;

/**
 * What a simulated node's sidecar reports of one model, as the real sidecar does (Clockwork style):
 * the median and p99 (nearest rank) of the last {@value #WINDOW} runs at each batch size, each run
 * timed as the accelerator took it (with whatever else shared the machine then).
 */
final class SidecarWindow {
    static final int WINDOW = 10;

    private final long[][] runs;
    private final int[] count;

    SidecarWindow(int maxBatch) {
        runs = new long[maxBatch + 1][];
        count = new int[maxBatch + 1];
    }

    void record(int batch, long micros) {
        if (runs[batch] == null) {
            runs[batch] = new long[WINDOW];
        }
        runs[batch][count[batch]++ % WINDOW] = micros;
    }

    boolean isEmpty() {
        for (int c : count) {
            if (c > 0) {
                return false;
            }
        }
        return true;
    }

    /** The p-th percentile by batch size (nearest rank), over the sizes that ran. */
    private TreeMap<Integer, Long> percentile(double q) {
        TreeMap<Integer, Long> out = new TreeMap<>();
        for (int b = 1; b < runs.length; b++) {
            int n = Math.min(count[b], WINDOW);
            if (n > 0) {
                long[] sorted = Arrays.copyOf(runs[b], n);
                Arrays.sort(sorted);
                out.put(b, sorted[Math.max(1, (int) Math.ceil(q * n)) - 1]);
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
