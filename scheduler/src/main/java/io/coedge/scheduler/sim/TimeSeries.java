package io.coedge.scheduler.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A run's time series, collected while it runs: frames and deadline misses per window (by capture
 * time), each node's accelerator load per window, and every task move with its time.
 */
final class TimeSeries {
    private final long window;
    private long[] frames;
    private long[] misses;
    private long[][] busy;
    private final List<SimResult.Move> moves = new ArrayList<>();

    TimeSeries(long durationMicros, int nodes) {
        // One-second windows, at most 600 of them.
        this.window = Math.max(1_000_000, (durationMicros + 599) / 600);
        int windows = (int) Math.max(1, (durationMicros + window - 1) / window);
        frames = new long[windows];
        misses = new long[windows];
        busy = new long[nodes][windows];
    }

    private int slot(long micros) {
        int w = (int) (micros / window);
        if (w >= frames.length) {
            int size = Math.max(w + 1, frames.length * 2);
            frames = Arrays.copyOf(frames, size);
            misses = Arrays.copyOf(misses, size);
            for (int n = 0; n < busy.length; n++) {
                busy[n] = Arrays.copyOf(busy[n], size);
            }
        }
        return w;
    }

    void frame(long captureMicros, boolean inTime) {
        int w = slot(captureMicros);
        frames[w]++;
        if (!inTime) {
            misses[w]++;
        }
    }

    /** Accelerator time of one batch on node {@code n}, split over the windows it spans. */
    void busy(int n, long start, long micros) {
        long t = start;
        long left = micros;
        while (left > 0) {
            int w = slot(t);
            long inWindow = Math.min(left, (w + 1) * window - t);
            busy[n][w] += inWindow;
            t += inWindow;
            left -= inWindow;
        }
    }

    void move(long atMicros, String task, String from, String to) {
        moves.add(new SimResult.Move(atMicros, task, from, to));
    }

    SimResult.Series build(List<String> nodeNames) {
        int windows = frames.length;
        while (windows > 1 && frames[windows - 1] == 0) {
            windows--;
        }
        double[][] load = new double[busy.length][windows];
        for (int n = 0; n < busy.length; n++) {
            for (int w = 0; w < windows; w++) {
                load[n][w] = Math.min(1.0, (double) busy[n][w] / window);
            }
        }
        return new SimResult.Series(
                window,
                Arrays.copyOf(frames, windows),
                Arrays.copyOf(misses, windows),
                nodeNames,
                load,
                moves);
    }
}
