package io.coedge.scheduler.node;

import java.util.Arrays;

/**
 * One model's queue on a node: frame handles ordered by deadline, then arrival, then handle, as a
 * binary heap over parallel primitive arrays (the simulator pushes millions of frames a second
 * through it; the operator thousands).
 */
final class FrameQueue {
    private long[] handle = new long[16];
    private long[] deadline = new long[16];
    private long[] arrival = new long[16];
    private long[] bytes = new long[16];
    private int size;

    /** The bytes of the frame {@link #pop()} returned last. */
    private long poppedBytes;

    int size() {
        return size;
    }

    long headDeadline() {
        return deadline[0];
    }

    long headArrival() {
        return arrival[0];
    }

    long poppedBytes() {
        return poppedBytes;
    }

    void push(long h, long d, long a, long b) {
        if (size == handle.length) {
            int cap = size * 2;
            handle = Arrays.copyOf(handle, cap);
            deadline = Arrays.copyOf(deadline, cap);
            arrival = Arrays.copyOf(arrival, cap);
            bytes = Arrays.copyOf(bytes, cap);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!lessThan(d, a, h, parent)) {
                break;
            }
            set(i, parent);
            i = parent;
        }
        put(i, h, d, a, b);
    }

    private void put(int i, long h, long d, long a, long b) {
        handle[i] = h;
        deadline[i] = d;
        arrival[i] = a;
        bytes[i] = b;
    }

    /** Whether (d, a, h) orders before the entry at {@code i}. */
    private boolean lessThan(long d, long a, long h, int i) {
        return d < deadline[i]
                || (d == deadline[i] && (a < arrival[i] || (a == arrival[i] && h < handle[i])));
    }

    private void set(int to, int from) {
        handle[to] = handle[from];
        deadline[to] = deadline[from];
        arrival[to] = arrival[from];
        bytes[to] = bytes[from];
    }

    /** Removes the head and returns its handle; its bytes are then {@link #poppedBytes()}. */
    long pop() {
        long top = handle[0];
        poppedBytes = bytes[0];
        int last = --size;
        if (last == 0) {
            return top;
        }
        long h = handle[last];
        long d = deadline[last];
        long a = arrival[last];
        long b = bytes[last];
        int i = 0;
        int half = last >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < last && lessThan(deadline[right], arrival[right], handle[right], child)) {
                child = right;
            }
            if (lessThan(d, a, h, child)) {
                break; // the moved entry orders before both children (keys are unique: handles
                // differ)
            }
            set(i, child);
            i = child;
        }
        put(i, h, d, a, b);
        return top;
    }

    /**
     * The deadlines of the {@code out.length} earliest entries, earliest first (fewer when fewer
     * are queued): a walk of the heap's top through a small frontier, O(k^2) for k of them.
     */
    int earliestDeadlines(long[] out) {
        int k = Math.min(out.length, size);
        if (k == 0) {
            return 0;
        }
        int[] frontier = new int[2 * k + 1];
        int n = 0;
        frontier[n++] = 0;
        for (int j = 0; j < k; j++) {
            int best = 0;
            for (int f = 1; f < n; f++) {
                if (lessThan(
                        deadline[frontier[f]],
                        arrival[frontier[f]],
                        handle[frontier[f]],
                        frontier[best])) {
                    best = f;
                }
            }
            int i = frontier[best];
            out[j] = deadline[i];
            frontier[best] = frontier[--n];
            if (2 * i + 1 < size) {
                frontier[n++] = 2 * i + 1;
            }
            if (2 * i + 2 < size) {
                frontier[n++] = 2 * i + 2;
            }
        }
        return k;
    }
}
