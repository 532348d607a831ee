package io.coedge.benchmarks;

import io.coedge.stats.Latencies;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a fault run's {@code read_committed} consumer saw, frame by frame, and the figures made from
 * it: sent / committed / duplicates / lost, recovery after each fault, capture -> visible latency.
 * Pure bookkeeping (no clock, no Kafka), so its rules are tested on their own ({@code
 * FaultAccountingTest}).
 *
 * <p>Rules: a frame is <em>committed</em> when at least one result for it became visible; every
 * further result for the same frame id is a <em>duplicate</em>; a frame sent with neither a result
 * nor a dead letter is <em>lost</em>. Latency is capture -> the first visible copy. A fault's
 * <em>window</em> runs from its start until the first result of a frame captured after its end was
 * visible; a frame is outside every window when its capture -> visible span overlaps none.
 */
public final class FaultAccounting {

    /** A fault injected at {@code startMs}, lasting until {@code endMs} (= start for a kill). */
    public record Fault(String name, long startMs, long endMs) {
        public Fault {
            if (endMs < startMs) {
                throw new IllegalArgumentException(name + " ends before it starts");
            }
        }
    }

    /**
     * How results came back after one fault.
     *
     * @param firstVisibleAfterMs from the fault's start to the first result visible after it (any
     *     frame, often one already on its way); -1 when none
     * @param longestPauseMs the longest pause between two consecutive visible results that ends
     *     after the fault's start and begins before the next fault's (a restart stops every node's
     *     results, however many were still on their way when the fault hit)
     * @param visibleAgainMs from the fault's start to the end of that pause: results flow again
     * @param firstCapturedAfterVisibleMs from the fault's start to the first visible result of a
     *     frame captured after the fault's end; -1 when none
     */
    public record Recovery(
            Fault fault,
            long firstVisibleAfterMs,
            long longestPauseMs,
            long visibleAgainMs,
            long firstCapturedAfterVisibleMs) {
        /** When results (of new frames) were visible again, epoch ms; -1 when never. */
        long recoveredAtMs() {
            return firstCapturedAfterVisibleMs < 0
                    ? -1
                    : fault.startMs() + Math.max(firstCapturedAfterVisibleMs, visibleAgainMs);
        }
    }

    /** One second of the run: frames captured, results visible (first copies and duplicates). */
    public record Second(long second, int captured, int visibleFirst, int visibleDuplicates) {}

    /** The figures of one run. */
    public record Report(
            int sent,
            int committed,
            int deadLetters,
            int duplicates,
            int lost,
            int unexpected,
            Map<String, Integer> statuses,
            List<Recovery> recoveries,
            Latencies latency,
            Latencies latencyOutsideFaults,
            List<Second> timeline) {}

    private final Map<String, Long> sent = new LinkedHashMap<>();
    private final Map<String, Long> firstVisible = new HashMap<>();
    private final Map<String, Long> captured = new HashMap<>();
    private final Map<String, Integer> copies = new HashMap<>();
    private final Map<String, Integer> statuses = new TreeMap<>();
    private final List<Long> visibleAt = new ArrayList<>();
    private final List<Boolean> visibleDuplicate = new ArrayList<>();
    private final Map<String, Long> deadLetters = new HashMap<>();
    private final List<Fault> faults = new ArrayList<>();

    /** A frame the producer sent, with its capture time. */
    public synchronized void sent(String frameId, long captureMs) {
        sent.put(frameId, captureMs);
    }

    /** A result the consumer saw at {@code visibleAtMs}. */
    public synchronized void result(
            String frameId, long captureMs, String status, long visibleAtMs) {
        int n = copies.merge(frameId, 1, Integer::sum);
        if (n == 1) {
            firstVisible.put(frameId, visibleAtMs);
            captured.put(frameId, captureMs);
            statuses.merge(status, 1, Integer::sum);
        }
        visibleAt.add(visibleAtMs);
        visibleDuplicate.add(n > 1);
    }

    /** A dead letter the consumer saw (its frame ended without a result). */
    public synchronized void deadLetter(String frameId, long visibleAtMs) {
        deadLetters.putIfAbsent(frameId, visibleAtMs);
    }

    public synchronized void fault(Fault fault) {
        faults.add(fault);
    }

    /** Frames sent so far. */
    public synchronized int sentCount() {
        return sent.size();
    }

    /** Frames with at least one visible result so far. */
    public synchronized int committed() {
        return firstVisible.size();
    }

    /** Visible results so far, duplicates included. */
    public synchronized int results() {
        return visibleAt.size();
    }

    /** Frames sent so far that have neither a result nor a dead letter. */
    public synchronized int open() {
        int open = 0;
        for (String id : sent.keySet()) {
            if (!firstVisible.containsKey(id) && !deadLetters.containsKey(id)) {
                open++;
            }
        }
        return open;
    }

    public synchronized Report report() {
        int duplicates = 0;
        for (int c : copies.values()) {
            duplicates += c - 1;
        }
        int lost = 0;
        for (String id : sent.keySet()) {
            if (!firstVisible.containsKey(id) && !deadLetters.containsKey(id)) {
                lost++;
            }
        }
        int unexpected = 0;
        for (String id : firstVisible.keySet()) {
            if (!sent.containsKey(id)) {
                unexpected++;
            }
        }
        List<Recovery> recoveries = new ArrayList<>();
        List<Long> inOrder = new ArrayList<>(visibleAt);
        inOrder.sort(null);
        List<Fault> byStart = new ArrayList<>(faults);
        byStart.sort(java.util.Comparator.comparingLong(Fault::startMs));
        for (Fault f : faults) {
            long nextFault = Long.MAX_VALUE;
            for (Fault g : byStart) {
                if (g.startMs() > f.startMs()) {
                    nextFault = g.startMs();
                    break;
                }
            }
            long pause = 0;
            long pauseEnd = -1;
            for (int i = 1; i < inOrder.size(); i++) {
                long from = inOrder.get(i - 1);
                long to = inOrder.get(i);
                if (to > f.startMs() && from < nextFault && to - from > pause) {
                    pause = to - from;
                    pauseEnd = to;
                }
            }
            long any = Long.MAX_VALUE;
            for (long v : visibleAt) {
                if (v >= f.startMs()) {
                    any = Math.min(any, v);
                }
            }
            long fresh = Long.MAX_VALUE;
            for (var e : firstVisible.entrySet()) {
                if (captured.get(e.getKey()) >= f.endMs()) {
                    fresh = Math.min(fresh, e.getValue());
                }
            }
            recoveries.add(
                    new Recovery(
                            f,
                            any == Long.MAX_VALUE ? -1 : any - f.startMs(),
                            pause,
                            pauseEnd < 0 ? -1 : pauseEnd - f.startMs(),
                            fresh == Long.MAX_VALUE ? -1 : fresh - f.startMs()));
        }
        Latencies all = new Latencies();
        Latencies outside = new Latencies();
        for (var e : firstVisible.entrySet()) {
            long capture = captured.get(e.getKey());
            long visible = e.getValue();
            long latency = Math.max(0, visible - capture);
            all.record(latency);
            boolean inWindow = false;
            for (Recovery r : recoveries) {
                long end = r.recoveredAtMs() < 0 ? Long.MAX_VALUE : r.recoveredAtMs();
                if (capture <= end && visible >= r.fault().startMs()) {
                    inWindow = true;
                    break;
                }
            }
            if (!inWindow) {
                outside.record(latency);
            }
        }
        return new Report(
                sent.size(),
                firstVisible.size(),
                (int)
                        deadLetters.keySet().stream()
                                .filter(id -> !firstVisible.containsKey(id))
                                .count(),
                duplicates,
                lost,
                unexpected,
                Map.copyOf(statuses),
                recoveries,
                all,
                outside,
                timeline());
    }

    /** Per second from the first frame sent: frames captured and results visible. */
    private List<Second> timeline() {
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (long c : sent.values()) {
            start = Math.min(start, c);
            end = Math.max(end, c);
        }
        for (long v : visibleAt) {
            start = Math.min(start, v);
            end = Math.max(end, v);
        }
        if (start == Long.MAX_VALUE) {
            return List.of();
        }
        int seconds = (int) ((end - start) / 1000) + 1;
        int[] capturedPer = new int[seconds];
        int[] firstPer = new int[seconds];
        int[] dupPer = new int[seconds];
        for (long c : sent.values()) {
            capturedPer[(int) ((c - start) / 1000)]++;
        }
        for (int i = 0; i < visibleAt.size(); i++) {
            int s = (int) ((visibleAt.get(i) - start) / 1000);
            if (visibleDuplicate.get(i)) {
                dupPer[s]++;
            } else {
                firstPer[s]++;
            }
        }
        List<Second> out = new ArrayList<>();
        for (int s = 0; s < seconds; s++) {
            out.add(new Second(s, capturedPer[s], firstPer[s], dupPer[s]));
        }
        return out;
    }

    /** Epoch ms of the timeline's second 0 (the first frame sent or result seen). */
    public synchronized long timelineStartMs() {
        long start = Long.MAX_VALUE;
        for (long c : sent.values()) {
            start = Math.min(start, c);
        }
        for (long v : visibleAt) {
            start = Math.min(start, v);
        }
        return start == Long.MAX_VALUE ? 0 : start;
    }
}
