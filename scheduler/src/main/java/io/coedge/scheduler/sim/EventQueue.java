package io.coedge.scheduler.sim;

import java.util.Arrays;

/**
 * Binary min-heap of simulator events in primitive arrays. The key packs time (upper 44 bits,
 * microseconds: about 200 days) with an insertion counter (lower 20 bits), so events at the same
 * microsecond come out in a fixed order and the run is reproducible. The payload packs the event
 * type (upper 4 bits) with its argument (lower 28 bits).
 */
final class EventQueue {

    private static final int SEQ_BITS = 20;
    private static final long SEQ_MASK = (1L << SEQ_BITS) - 1;
    private static final int ARG_BITS = 28;
    private static final int ARG_MASK = (1 << ARG_BITS) - 1;

    private long[] keys;
    private int[] payloads;
    private int size;
    private long seq;

    EventQueue(int capacity) {
        keys = new long[capacity];
        payloads = new int[capacity];
    }

    boolean isEmpty() {
        return size == 0;
    }

    void push(long time, int type, int arg) {
        if (time < 0 || time >= (1L << (63 - SEQ_BITS))) {
            throw new IllegalArgumentException("event time out of range: " + time);
        }
        if (arg < 0 || arg > ARG_MASK) {
            throw new IllegalArgumentException("event argument out of range: " + arg);
        }
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            payloads = Arrays.copyOf(payloads, size * 2);
        }
        long key = (time << SEQ_BITS) | (seq++ & SEQ_MASK);
        int payload = (type << ARG_BITS) | arg;
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) {
                break;
            }
            keys[i] = keys[parent];
            payloads[i] = payloads[parent];
            i = parent;
        }
        keys[i] = key;
        payloads[i] = payload;
    }

    long peekTime() {
        return keys[0] >>> SEQ_BITS;
    }

    int peekType() {
        return payloads[0] >>> ARG_BITS;
    }

    int peekArg() {
        return payloads[0] & ARG_MASK;
    }

    void pop() {
        long lastKey = keys[--size];
        int lastPayload = payloads[size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && keys[right] < keys[child]) {
                child = right;
            }
            if (keys[child] >= lastKey) {
                break;
            }
            keys[i] = keys[child];
            payloads[i] = payloads[child];
            i = child;
        }
        if (size > 0) {
            keys[i] = lastKey;
            payloads[i] = lastPayload;
        }
    }
}
