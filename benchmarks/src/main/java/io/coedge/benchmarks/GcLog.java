package io.coedge.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM's unified GC log at {@code gc=info} with the {@code timemillis} decorator, as {@code jcmd
 * <pid> VM.log what=gc=info decorators=timemillis} turns it on in a running JVM: one line per
 * collection, {@code [1764473000123ms] GC(7) Pause Young (Allocation Failure) 120M->31M(309M)
 * 4.2ms}. The heap grows only between collections, so the largest "before" over a period is the
 * heap's high-water mark in it (to the log's 1 MB); what a full collection leaves is what was still
 * live (a young collection that could not promote leaves the heap as full as it found it).
 */
public final class GcLog {
    private static final Pattern LINE =
            Pattern.compile(
                    "\\[(\\d+)ms\\].*GC\\(\\d+\\) Pause (Young|Full)[^)]*\\)\\S* (\\d+)M->(\\d+)M\\((\\d+)M\\)");

    /** One collection. */
    public record Collection(long atMs, boolean full, long beforeMb, long afterMb, long heapMb) {}

    /**
     * The collections within a period.
     *
     * @param maxBeforeMb the heap's high-water mark
     * @param liveMb the most a full collection left (live data); without full collections, the most
     *     a young one left
     * @param heapMb the heap's capacity
     */
    public record Summary(int young, int full, long maxBeforeMb, long liveMb, long heapMb) {}

    private GcLog() {}

    public static List<Collection> parse(List<String> lines) {
        List<Collection> out = new ArrayList<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (m.find()) {
                out.add(
                        new Collection(
                                Long.parseLong(m.group(1)),
                                m.group(2).equals("Full"),
                                Long.parseLong(m.group(3)),
                                Long.parseLong(m.group(4)),
                                Long.parseLong(m.group(5))));
            }
        }
        return out;
    }

    /** Collections in {@code [fromMs, toMs)}. */
    public static Summary summary(List<Collection> all, long fromMs, long toMs) {
        int young = 0;
        int full = 0;
        long before = 0;
        long afterFull = 0;
        long afterYoung = 0;
        long heap = 0;
        for (Collection c : all) {
            if (c.atMs() < fromMs || c.atMs() >= toMs) {
                continue;
            }
            if (c.full()) {
                full++;
                afterFull = Math.max(afterFull, c.afterMb());
            } else {
                young++;
                afterYoung = Math.max(afterYoung, c.afterMb());
            }
            before = Math.max(before, c.beforeMb());
            heap = Math.max(heap, c.heapMb());
        }
        return new Summary(young, full, before, full > 0 ? afterFull : afterYoung, heap);
    }
}
