package io.coedge.kafka.live;

import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.kafka.results.ResultsTable;
import io.coedge.stats.Latencies;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the live page shows, built from the results topic, the frames topic and the node-profiles
 * topic: the per-task table (the same {@link ResultsTable} as {@code coedge results}),
 * deadline-miss rate and latency per second of capture time, the node each task ran on per second
 * (its moves), node load and queues, and the latest frame of each camera with its result.
 * Thread-safe: a feed thread adds, the page server reads {@link #snapshot()}.
 */
public final class LiveState {
    /** Seconds of history kept per task. */
    static final int HISTORY_SECONDS = 900;

    /** Frames (and results) kept per camera while the other half is on the way. */
    static final int FRAMES_PER_CAMERA = 256;

    /** One second of one task: counts and latencies of the frames captured in it. */
    public record Point(long t, long frames, double missRate, long p50Ms, long p99Ms) {}

    /** One stretch of time a task ran on one node; {@code to} is exclusive, epoch ms. */
    public record Segment(String node, long from, long to) {}

    /** A node's latest status. */
    public record Node(
            String node, boolean healthy, String reason, String device, double load, long queued) {}

    /** The latest frame of a camera whose result has arrived. */
    public record CameraView(
            String camera,
            String task,
            String frameId,
            String node,
            String status,
            long captureTs,
            List<FrameResult.Detection> detections,
            List<FrameResult.ClassScore> classes) {}

    /** A frame of a task's strip: the encoded image and its result. */
    public record Still(CameraView view, byte[] image) {}

    /** Frames kept per task for the report's strip, spread over the run. */
    static final int STRIP = 8;

    /** Everything the page draws, at one instant. */
    public record Snapshot(
            long nowTs,
            List<ResultsTable.Row> tasks,
            Map<String, List<Point>> series,
            Map<String, List<Segment>> assignment,
            Map<String, Integer> moves,
            List<Node> nodes,
            List<CameraView> cameras) {}

    private static final class Second {
        long frames;
        long misses;
        final Latencies latencies = new Latencies();
        final Map<String, Long> byNode = new TreeMap<>();
    }

    private final ResultsTable table = new ResultsTable();
    private final Map<String, TreeMap<Long, Second>> seconds = new TreeMap<>();
    private final Map<String, NodeStatus> nodes = new TreeMap<>();
    private final Map<String, LinkedHashMap<String, byte[]>> framesWaiting = new TreeMap<>();
    private final Map<String, LinkedHashMap<String, FrameResult>> resultsWaiting = new TreeMap<>();
    private final Map<String, CameraView> views = new TreeMap<>();
    private final Map<String, byte[]> images = new TreeMap<>();
    private final Map<String, List<Still>> strips = new TreeMap<>();
    private final Map<String, Long> stripSpacing = new TreeMap<>();

    /** A frame as read from the frames topic; {@code source} is {@code topic/partition@offset}. */
    public synchronized void addFrame(String camera, String source, byte[] image) {
        if (camera == null || image == null) {
            return;
        }
        FrameResult early = recent(resultsWaiting, camera).remove(source);
        if (early != null) {
            show(early, image);
        } else {
            recent(framesWaiting, camera).put(source, image);
        }
    }

    private static <V> LinkedHashMap<String, V> recent(
            Map<String, LinkedHashMap<String, V>> waiting, String camera) {
        return waiting.computeIfAbsent(
                camera,
                c ->
                        new LinkedHashMap<>() {
                            @Override
                            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                                return size() > FRAMES_PER_CAMERA;
                            }
                        });
    }

    private void show(FrameResult r, byte[] image) {
        CameraView current = views.get(r.camera());
        if (current != null && current.captureTs() > r.captureTs()) {
            return;
        }
        CameraView view =
                new CameraView(
                        r.camera(),
                        r.task(),
                        r.frameId(),
                        r.node(),
                        r.status().name(),
                        r.captureTs(),
                        r.detections() == null ? List.of() : r.detections(),
                        r.classes() == null ? List.of() : r.classes());
        images.put(r.camera(), image);
        views.put(r.camera(), view);
        keepInStrip(view, image);
    }

    /**
     * Keeps at most {@link #STRIP} frames per task, at least a spacing of capture time apart; when
     * full, every other one goes and the spacing doubles, so the strip spans the whole run.
     */
    private void keepInStrip(CameraView view, byte[] image) {
        List<Still> strip = strips.computeIfAbsent(view.task(), t -> new ArrayList<>());
        long spacing = stripSpacing.getOrDefault(view.task(), 1_000L);
        if (!strip.isEmpty()
                && view.captureTs() < strip.get(strip.size() - 1).view().captureTs() + spacing) {
            return;
        }
        strip.add(new Still(view, image));
        if (strip.size() > STRIP) {
            List<Still> thinned = new ArrayList<>();
            for (int i = 0; i < strip.size(); i += 2) {
                thinned.add(strip.get(i));
            }
            strip.clear();
            strip.addAll(thinned);
            stripSpacing.put(view.task(), spacing * 2);
        }
    }

    /** Each task's strip of frames with their results, oldest first. */
    public synchronized Map<String, List<Still>> strips() {
        Map<String, List<Still>> copy = new TreeMap<>();
        strips.forEach((task, strip) -> copy.put(task, List.copyOf(strip)));
        return copy;
    }

    /** A result as read from the results topic. */
    public synchronized void addResult(FrameResult r) {
        table.add(r);
        TreeMap<Long, Second> perSecond = seconds.computeIfAbsent(r.task(), t -> new TreeMap<>());
        Second s =
                perSecond.computeIfAbsent(Math.floorDiv(r.captureTs(), 1000L), k -> new Second());
        s.frames++;
        if (r.status() != FrameResult.Status.OK) {
            s.misses++;
        }
        s.latencies.record(r.latencyMs());
        if (r.node() != null && r.batchSize() > 0) {
            s.byNode.merge(r.node(), 1L, Long::sum);
        }
        while (perSecond.size() > HISTORY_SECONDS) {
            perSecond.pollFirstEntry();
        }
        if (r.camera() == null || r.source() == null) {
            return;
        }
        // The frame and its result come from two topics read by two consumers: either may be
        // read first.
        byte[] image = recent(framesWaiting, r.camera()).remove(r.source());
        if (image != null) {
            show(r, image);
        } else {
            recent(resultsWaiting, r.camera()).put(r.source(), r);
        }
    }

    /** Node statuses as read from the node-profiles topic (latest per node). */
    public synchronized void nodes(Map<String, NodeStatus> latest) {
        nodes.putAll(latest);
    }

    /** The encoded image shown for a camera, or null. */
    public synchronized byte[] image(String camera) {
        return images.get(camera);
    }

    public synchronized long frames() {
        return table.frames();
    }

    public synchronized Snapshot snapshot(long nowTs) {
        Map<String, List<Point>> series = new TreeMap<>();
        Map<String, List<Segment>> assignment = new TreeMap<>();
        Map<String, Integer> moves = new TreeMap<>();
        seconds.forEach(
                (task, perSecond) -> {
                    List<Point> points = new ArrayList<>(perSecond.size());
                    List<Segment> segments = new ArrayList<>();
                    perSecond.forEach(
                            (sec, s) -> {
                                points.add(
                                        new Point(
                                                sec * 1000,
                                                s.frames,
                                                (double) s.misses / s.frames,
                                                s.latencies.percentile(0.50),
                                                s.latencies.percentile(0.99)));
                                String node = busiest(s.byNode);
                                if (node == null) {
                                    return;
                                }
                                Segment last =
                                        segments.isEmpty()
                                                ? null
                                                : segments.get(segments.size() - 1);
                                if (last != null && last.node().equals(node)) {
                                    segments.set(
                                            segments.size() - 1,
                                            new Segment(node, last.from(), sec * 1000 + 1000));
                                } else {
                                    segments.add(new Segment(node, sec * 1000, sec * 1000 + 1000));
                                }
                            });
                    series.put(task, points);
                    assignment.put(task, segments);
                    moves.put(task, Math.max(0, segments.size() - 1));
                });
        List<Node> nodeList = new ArrayList<>();
        nodes.forEach(
                (id, s) ->
                        nodeList.add(
                                new Node(
                                        id,
                                        s.healthy(),
                                        s.reason(),
                                        s.device(),
                                        s.load(),
                                        s.queuedFrames())));
        return new Snapshot(
                nowTs,
                table.rows(),
                series,
                assignment,
                moves,
                nodeList,
                new ArrayList<>(views.values()));
    }

    /** The node that ran most of a second's frames; ties go to the first in name order. */
    private static String busiest(Map<String, Long> byNode) {
        String best = null;
        long most = 0;
        for (Map.Entry<String, Long> e : byNode.entrySet()) {
            if (e.getValue() > most) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }
}
