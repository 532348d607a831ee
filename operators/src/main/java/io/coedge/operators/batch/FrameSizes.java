package io.coedge.operators.batch;

import io.coedge.format.NodeStatus;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the encoded frames of each task weigh on arrival at this node: the mean over the task's
 * latest {@value #WINDOW} frames, published with the node's status for the tasks whose last frame
 * came within {@value #FRESH_MS} ms. It is what shipping one of the task's frames to another node
 * costs; the catalog's {@code inputBytes} is a guess from the frame's pixels (about 1.5 bits per
 * pixel), and frames of one camera can weigh a tenth of that or twice it (docs/ARCHITECTURE.md
 * "Measured frame sizes"). Task thread only.
 */
final class FrameSizes {
    /** Frames per task in the mean. */
    static final int WINDOW = 64;

    /** A task without a frame for this long is no longer reported by this node. */
    static final long FRESH_MS = 60_000;

    private final Map<String, Ring> tasks = new HashMap<>();

    /** One frame of {@code task} of {@code bytes} arrived at {@code nowMs}. */
    void arrived(String task, int bytes, long nowMs) {
        tasks.computeIfAbsent(task, t -> new Ring()).add(bytes, nowMs);
    }

    /** Each task with a frame in the last {@value #FRESH_MS} ms, by task id; null when none. */
    Map<String, NodeStatus.FrameBytes> published(long nowMs) {
        Map<String, NodeStatus.FrameBytes> out = new TreeMap<>();
        tasks.forEach(
                (task, ring) -> {
                    if (nowMs - ring.lastMs <= FRESH_MS) {
                        out.put(
                                task,
                                new NodeStatus.FrameBytes(
                                        Math.round((double) ring.sum / ring.count),
                                        ring.count,
                                        ring.lastMs));
                    }
                });
        return out.isEmpty() ? null : out;
    }

    private static final class Ring {
        private final int[] bytes = new int[WINDOW];
        private int next;
        private int count;
        private long sum;
        private long lastMs;

        void add(int b, long nowMs) {
            if (count == WINDOW) {
                sum -= bytes[next];
            } else {
                count++;
            }
            bytes[next] = b;
            sum += b;
            next = (next + 1) % WINDOW;
            lastMs = Math.max(lastMs, nowMs);
        }
    }
}
