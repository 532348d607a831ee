package io.coedge.scheduler.testutils;

import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.Model;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The talk's indoor example ("CoEdge under different network bandwidth" slide): Node1 is a fast
 * Xavier-class node whose cameras feed YOLO-Big 1,2 and YOLO-Small 1,2; Node2 and Node3 are
 * Nano-class nodes with one YOLO-Small camera each. All nodes are linked at {@code mbps}, 2 ms.
 *
 * <pre>
 *                 batch:   1      2      4        (ms)
 * Xavier yolo-big         60    100    180
 * Xavier yolo-small       12     18     30
 * Nano   yolo-big        150    260    480
 * Nano   yolo-small       25     40     65
 * YB tasks: 8 fps, deadline 300 ms, 2 MiB input;  YS tasks: 15 fps, deadline 60 ms, 100 KiB input
 * </pre>
 */
public final class TalkExample {

    public static final Model YOLO_BIG = new Model("yolo-big");
    public static final Model YOLO_SMALL = new Model("yolo-small");

    public static final LatencyProfile XAVIER_BIG =
            LatencyProfile.ofMillisPowersOfTwo(60, 100, 180);
    public static final LatencyProfile XAVIER_SMALL =
            LatencyProfile.ofMillisPowersOfTwo(12, 18, 30);
    public static final LatencyProfile NANO_BIG = LatencyProfile.ofMillisPowersOfTwo(150, 260, 480);
    public static final LatencyProfile NANO_SMALL = LatencyProfile.ofMillisPowersOfTwo(25, 40, 65);

    private TalkExample() {}

    public static Topology topology(long mbps) {
        List<NodeProfile> nodes =
                List.of(
                        NodeProfile.healthy(
                                "node1", Map.of(YOLO_BIG, XAVIER_BIG, YOLO_SMALL, XAVIER_SMALL)),
                        NodeProfile.healthy(
                                "node2", Map.of(YOLO_BIG, NANO_BIG, YOLO_SMALL, NANO_SMALL)),
                        NodeProfile.healthy(
                                "node3", Map.of(YOLO_BIG, NANO_BIG, YOLO_SMALL, NANO_SMALL)));
        List<Link> links = new ArrayList<>();
        for (String a : List.of("node1", "node2", "node3")) {
            for (String b : List.of("node1", "node2", "node3")) {
                if (!a.equals(b)) {
                    links.add(new Link(a, b, mbps * 1_000_000L, 2_000));
                }
            }
        }
        List<Task> tasks =
                List.of(
                        big("YB1"),
                        big("YB2"),
                        small("YS1", "node1"),
                        small("YS2", "node1"),
                        small("YS3", "node2"),
                        small("YS4", "node3"));
        return new Topology(nodes, links, tasks);
    }

    private static Task big(String id) {
        return new Task(id, YOLO_BIG, "node1", 1, 8, 300_000, 2L * 1024 * 1024);
    }

    private static Task small(String id, String origin) {
        return new Task(id, YOLO_SMALL, origin, 1, 15, 60_000, 100L * 1024);
    }
}
