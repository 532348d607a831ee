package io.coedge.scheduler.dispatch;

import static io.coedge.scheduler.testutils.TalkExample.YOLO_SMALL;
import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import io.coedge.scheduler.testutils.TalkExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DispatchPoliciesTest {

    private final Topology talk = TalkExample.topology(100);

    /**
     * Hand computation. Rates carry the 1.1 headroom (YB 8.8/s, YS 16.5/s per task); latency
     * estimate = C/2 + latency(b) where the cycle C solves C = sum_m latency_m(max(1, rate_m * C)).
     * Both Xavier profiles are linear (YB 40 ms per extra frame from 60, YS 6 ms from 12), Nano YS
     * is linear up to 2 (15 ms per frame from 25). YS budget off-node = 60 - 10.192 ms transfer =
     * 49.808 ms.
     *
     * <ul>
     *   <li>node1 with YB1, YB2 and one YS: C = 20 + 0.704C + 6 + 0.099C, so C = 132 ms; YS needs
     *       66 + 19.1 = 85 &gt; 60. With both YS it is worse, with none C = 67.6 and YB needs 101
     *       &lt;= 300. So the cheapest group to ship, {YS1, YS2} (100 KiB vs 2 MiB), must leave
     *       whole.
     *   <li>a Nano with three YS (rate 49.5/s): C = 10 + 0.7425C, C = 38.8 ms, YS needs 19.4 + 38.8
     *       = 58.2 &gt; 49.808, so neither node2 nor node3 can take the group. With two YS: 33 x
     *       0.025 &lt; 1 frame per cycle, C = 25, need 37.5 &lt;= 49.808.
     *   <li>Ties go to the lower index, node2, which displaces its own resident YS3 to node3 (two
     *       YS there: 37.5 &lt;= 49.808); node2 then takes {YS1, YS2} (37.5 &lt;= 49.808).
     * </ul>
     */
    @Test
    void coedgeReproducesTheTalksTable() {
        Assignment plan = CoEdgeDispatch.withDefaults().plan(talk, Assignment.EMPTY);

        assertThat(plan.tasksByNode())
                .isEqualTo(
                        Map.of(
                                "node1", Set.of("YB1", "YB2"),
                                "node2", Set.of("YS1", "YS2"),
                                "node3", Set.of("YS3", "YS4")));
    }

    @Test
    void noOffloadingReproducesTheTalksBaselineRow() {
        Assignment plan = new NoOffloadingDispatch().plan(talk, Assignment.EMPTY);

        assertThat(plan.tasksByNode())
                .isEqualTo(
                        Map.of(
                                "node1", Set.of("YB1", "YB2", "YS1", "YS2"),
                                "node2", Set.of("YS3"),
                                "node3", Set.of("YS4")));
    }

    /**
     * Demand = fps x batch-1 latency: YB 8 x 60 ms = 0.48 on Xavier, 1.2 on Nano; YS 15 x 12 ms =
     * 0.18 on Xavier, 0.375 on Nano. Order by demand on origin: YB1, YB2 (0.48), YS3, YS4 (0.375),
     * YS1, YS2 (0.18). YB1 -> node1 (0.48), YB2 -> node1 (0.96 &lt; 1.2), YS3 -> node2 (0.375 &lt;
     * 1.14), YS4 -> node3 (0.375), YS1 -> node2 (0.75, first of two ties), YS2 -> node3 (0.75 &lt;
     * 1.125). Blind to batching, it splits YS1 and YS2, which could have shared batches.
     */
    @Test
    void naiveGlobalBalancesEstimatedComputeOnly() {
        Assignment plan = new NaiveGlobalDispatch().plan(talk, Assignment.EMPTY);

        assertThat(plan.tasksByNode())
                .isEqualTo(
                        Map.of(
                                "node1", Set.of("YB1", "YB2"),
                                "node2", Set.of("YS1", "YS3"),
                                "node3", Set.of("YS2", "YS4")));
    }

    @Test
    void coedgeKeepsEveryTaskLocalWhenEveryOriginMeetsItsDeadlines() {
        // YOLO-Big at 5 fps and a 200 ms YOLO-Small deadline: node1 alone has C = 66 + 0.198C =
        // 82.3 ms,
        // YS needs 41.2 + 22.3 = 63.4 <= 200 and YB 41.2 + 60 = 101.2 <= 300; the Nanos have one YS
        // each
        Topology relaxed =
                talk.withTasks(
                        talk.tasks().stream()
                                .map(
                                        t ->
                                                t.id().startsWith("YB")
                                                        ? t.withFps(5)
                                                        : new Task(
                                                                t.id(),
                                                                t.model(),
                                                                t.origin(),
                                                                t.cameras(),
                                                                t.fps(),
                                                                200_000,
                                                                t.inputBytes()))
                                .toList());

        Assignment plan = CoEdgeDispatch.withDefaults().plan(relaxed, Assignment.EMPTY);

        assertThat(plan).isEqualTo(new NoOffloadingDispatch().plan(relaxed, Assignment.EMPTY));
    }

    /**
     * node1 runs a long model (400 ms a frame, 2 fps) and a tight task (10-16 ms a batch, 5 fps,
     * due in 300 ms). The mean-value cycle says the tight task fits (C = 416 ms, C/2 + 16 = 224 ms
     * <= 300), but a batch once started runs to its end: a frame arriving as the long one starts
     * waits 400 ms, and frames like it miss. With that blocking counted (400 + 16 > 300) the tight
     * task goes to node2, where nothing long runs; the long one stays (max(208, 16) + 400 <= 1000).
     */
    @Test
    void coedgeKeepsATightTaskAwayFromALongRunningModel() {
        LatencyProfile longRun = LatencyProfile.ofMillisPowersOfTwo(400, 700, 1300);
        LatencyProfile shortRun = LatencyProfile.ofMillisPowersOfTwo(10, 15, 25);
        List<NodeProfile> nodes =
                List.of(
                        NodeProfile.healthy(
                                "node1",
                                Map.of(TalkExample.YOLO_BIG, longRun, YOLO_SMALL, shortRun)),
                        NodeProfile.healthy(
                                "node2",
                                Map.of(TalkExample.YOLO_BIG, longRun, YOLO_SMALL, shortRun)));
        List<io.coedge.scheduler.model.Link> links =
                List.of(
                        new io.coedge.scheduler.model.Link("node1", "node2", 1_000_000_000L, 2_000),
                        new io.coedge.scheduler.model.Link(
                                "node2", "node1", 1_000_000_000L, 2_000));
        Topology topology =
                new Topology(
                        nodes,
                        links,
                        List.of(
                                new Task(
                                        "L",
                                        TalkExample.YOLO_BIG,
                                        "node1",
                                        1,
                                        2,
                                        1_000_000,
                                        100_000),
                                new Task("T", YOLO_SMALL, "node1", 1, 5, 300_000, 10_000)));

        Assignment plan = CoEdgeDispatch.withDefaults().plan(topology, Assignment.EMPTY);

        assertThat(plan.tasksByNode())
                .isEqualTo(Map.of("node1", Set.of("L"), "node2", Set.of("T")));
    }

    /**
     * Between equally good nodes the one earlier plans wanted the task on is taken again (the
     * re-planner confirms a move once successive plans agree on it); a clearly better node still
     * wins, and a task never waits on a node that cannot take it.
     */
    @Test
    void coedgeShipsToTheNodeEarlierPlansWantedWhenItIsAsGoodAsAnother() {
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();
        Map<String, String> t1ToNode3 = Map.of("t1", "node3");

        assertThat(
                        coedge.plan(
                                        twoOfEightFps(1.05, 75_000, 75_000),
                                        Assignment.EMPTY,
                                        t1ToNode3)
                                .nodeOf("t1"))
                .isEqualTo("node3");
        assertThat(
                        coedge.plan(
                                        twoOfEightFps(0.95, 75_000, 75_000),
                                        Assignment.EMPTY,
                                        Map.of("t1", "node2"))
                                .nodeOf("t1"))
                .as("node3 5% faster, node2 awaited")
                .isEqualTo("node2");
        assertThat(coedge.plan(twoOfEightFps(1.05, 75_000, 75_000), Assignment.EMPTY).nodeOf("t1"))
                .as("nothing awaited: the lowest pressure")
                .isEqualTo("node2");
        assertThat(coedge.plan(twoOfEightFps(0.95, 75_000, 75_000), Assignment.EMPTY).nodeOf("t1"))
                .as("nothing awaited: the lowest pressure")
                .isEqualTo("node3");
        assertThat(
                        coedge.plan(twoOfEightFps(1.5, 75_000, 75_000), Assignment.EMPTY, t1ToNode3)
                                .nodeOf("t1"))
                .as("node3 half as slow again")
                .isEqualTo("node2");
    }

    /**
     * The same two tasks, their measured frame sizes a few hundred bytes apart one way, then the
     * other (noise JPEGs): the plan ships the same one, so successive plans agree on the move.
     */
    @Test
    void coedgeShipsTheSameOfTwoLikeTasksWhicheverFramesMeasureAFewBytesSmaller() {
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();

        Assignment one = coedge.plan(twoOfEightFps(1.0, 75_300, 74_800), Assignment.EMPTY);
        Assignment other = coedge.plan(twoOfEightFps(1.0, 74_800, 75_300), Assignment.EMPTY);

        assertThat(one.nodeOf("t1")).isEqualTo("node2");
        assertThat(one.nodeOf("t2")).isEqualTo("node1");
        assertThat(other).isEqualTo(one);
        assertThat(
                        CoEdgeDispatch.smallestFirst(
                                new long[] {300, 100, 105, 104}, new int[] {0, 3, 1, 2}))
                .as("100, 104 and 105 within 10% of each other: by index")
                .containsExactly(2, 3, 1, 0);
    }

    /**
     * Two tasks of node1 at 4.5 frames/s (4.95 with the headroom), 100 ms a frame alone, 190 for
     * two: node1 runs both at pressure 0.25 (a cycle of two frames per batch), and with 15% more
     * load it runs past its largest batch (pressure above 3). A later plan leaves them there
     * (nothing is overloaded); the first plan, made before any frame, keeps a task on its origin
     * only where the origin has homecoming's margin, so it ships one.
     */
    @Test
    void theFirstPlanKeepsATaskOnItsOriginOnlyWhereTheOriginHasTheHomecomingMargin() {
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();
        Topology twoAtHome = nearSaturation(4.5);
        Assignment home = new Assignment(Map.of("t1", "node1", "t2", "node1"));

        Assignment first = coedge.plan(twoAtHome, Assignment.EMPTY);

        assertThat(coedge.pressures(twoAtHome, home)[0]).isLessThanOrEqualTo(0.85);
        assertThat(first.tasksByNode().get("node1")).hasSize(1);
        assertThat(first.tasksByNode().get("node2")).hasSize(1);
        assertThat(coedge.plan(twoAtHome, home)).isEqualTo(home);
    }

    /**
     * The same node1 and tasks with one of them on node2: at pressure 0.25 with both, homecoming's
     * old test (pressure at most 0.85) took it home, where 15% more load would overload node1. It
     * stays away; at 4 frames/s node1 keeps the margin and it comes home.
     */
    @Test
    void anOffloadedTaskStaysAwayWhileItsOriginWouldBeSaturatedWithTheMargin() {
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();
        Assignment away = new Assignment(Map.of("t1", "node2", "t2", "node1"));

        assertThat(coedge.plan(nearSaturation(4.5), away)).isEqualTo(away);
        assertThat(coedge.plan(nearSaturation(4.0), away).nodeOf("t1")).isEqualTo("node1");
    }

    /**
     * node1 and node2 each with two tasks of their own at 4.5 frames/s: no placement keeps the
     * margin anywhere (a node with one task more is overloaded outright), so the first plan is made
     * as any later one, and every task stays home.
     */
    @Test
    void withoutAPlanThatKeepsTheMarginTheFirstPlanIsMadeAsALaterOne() {
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();
        Topology both = nearSaturation(4.5);
        both =
                both.withTasks(
                        List.of(
                                both.tasks().get(0),
                                both.tasks().get(1),
                                new Task("t3", YOLO_SMALL, "node2", 1, 4.5, 600_000, 50_000),
                                new Task("t4", YOLO_SMALL, "node2", 1, 4.5, 600_000, 50_000)));

        Assignment first = coedge.plan(both, Assignment.EMPTY);

        assertThat(first.tasksByNode())
                .isEqualTo(Map.of("node1", Set.of("t1", "t2"), "node2", Set.of("t3", "t4")));
    }

    /**
     * node1 and node2 alike (100 ms a frame, 190 for two, 370 for four), 1 Gbit/s each way; t1 and
     * t2 at {@code fps} from node1 (deadline 600 ms, 50 KB frames).
     */
    private static Topology nearSaturation(double fps) {
        LatencyProfile p = LatencyProfile.ofMillisPowersOfTwo(100, 190, 370);
        return new Topology(
                List.of(
                        NodeProfile.healthy("node1", Map.of(YOLO_SMALL, p)),
                        NodeProfile.healthy("node2", Map.of(YOLO_SMALL, p))),
                List.of(
                        new io.coedge.scheduler.model.Link("node1", "node2", 1_000_000_000L, 1_000),
                        new io.coedge.scheduler.model.Link(
                                "node2", "node1", 1_000_000_000L, 1_000)),
                List.of(
                        new Task("t1", YOLO_SMALL, "node1", 1, fps, 600_000, 50_000),
                        new Task("t2", YOLO_SMALL, "node1", 1, fps, 600_000, 50_000)));
    }

    /**
     * node1 with two tasks of 8 fps at 100 ms a frame (with the headroom 176% of a node), node2 and
     * node3 empty, node3's profile scaled by {@code node3Speed}; links of 1 Gbit/s.
     */
    private static Topology twoOfEightFps(double node3Speed, long t1Bytes, long t2Bytes) {
        LatencyProfile base = LatencyProfile.ofMillisPowersOfTwo(100, 200, 400);
        List<NodeProfile> nodes =
                List.of(
                        NodeProfile.healthy("node1", Map.of(YOLO_SMALL, base)),
                        NodeProfile.healthy("node2", Map.of(YOLO_SMALL, base)),
                        NodeProfile.healthy("node3", Map.of(YOLO_SMALL, base.scaled(node3Speed))));
        List<io.coedge.scheduler.model.Link> links = new ArrayList<>();
        for (String to : List.of("node2", "node3")) {
            links.add(new io.coedge.scheduler.model.Link("node1", to, 1_000_000_000L, 1_000));
        }
        return new Topology(
                nodes,
                links,
                List.of(
                        new Task("t1", YOLO_SMALL, "node1", 1, 8, 400_000, t1Bytes),
                        new Task("t2", YOLO_SMALL, "node1", 1, 8, 400_000, t2Bytes)));
    }

    @Test
    void atMostSinglesCapsEveryBatchAtItsFramesRunOneByOne() {
        LatencyProfile cpu =
                LatencyProfile.of(new int[] {1, 2, 4}, new long[] {50_000, 200_000, 260_000});
        assertThat(cpu.atMostSingles().measuredMicros()).containsExactly(50_000, 100_000, 200_000);
        LatencyProfile gpu = LatencyProfile.ofMillisPowersOfTwo(10, 15, 25);
        assertThat(gpu.atMostSingles()).isSameAs(gpu);
    }

    @Test
    void coedgeDoesNotShipWhenTheLinkCannotMeetTheDeadline() {
        // at 5 Mbit/s a 100 KiB frame takes 164 ms to ship, more than the 60 ms deadline
        Topology slow = TalkExample.topology(5);

        Assignment plan = CoEdgeDispatch.withDefaults().plan(slow, Assignment.EMPTY);

        assertThat(plan).isEqualTo(new NoOffloadingDispatch().plan(slow, Assignment.EMPTY));
    }

    @Test
    void alternatingSmallProfileChangesCauseNoMoves() {
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();
        Assignment first = coedge.plan(talk, Assignment.EMPTY);
        Assignment current = first;
        int moves = 0;
        for (int i = 0; i < 20; i++) {
            double factor = i % 2 == 0 ? 1.04 : 0.96;
            Topology changed = talk.withNodes(scaleSmall(talk.nodes(), factor));
            Assignment next = coedge.plan(changed, current);
            moves += next.movesFrom(current);
            current = next;
        }

        assertThat(moves).isZero();
        assertThat(current).isEqualTo(first);
    }

    @Test
    void offloadedTasksReturnHomeWhenTheOriginHasRoomAgain() {
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();
        Assignment offloaded = coedge.plan(talk, Assignment.EMPTY);
        // the YOLO-Big cameras go offline: node1 alone with YS1, YS2 has C = 12 ms, needs 6 + 12 =
        // 18, 18/60 = 0.3 <= 0.85;
        // node2, now empty, takes YS3 back: 12.5 + 25 = 37.5, 37.5/60 = 0.625 <= 0.85
        Topology calm =
                talk.withTasks(
                        talk.tasks().stream().filter(t -> !t.id().startsWith("YB")).toList());
        Assignment stillAway =
                new Assignment(
                        java.util.Map.of(
                                "YS1", "node2", "YS2", "node2", "YS3", "node3", "YS4", "node3"));

        Assignment replanned = coedge.plan(calm, stillAway);

        assertThat(offloaded.nodeOf("YS1")).isEqualTo("node2");
        assertThat(replanned.tasksByNode())
                .isEqualTo(
                        Map.of(
                                "node1",
                                Set.of("YS1", "YS2"),
                                "node2",
                                Set.of("YS3"),
                                "node3",
                                Set.of("YS4")));
    }

    /**
     * node1's cameras feed a model only node2 and node3 run. Each task ships 10 fps x 10 KiB x 1.1
     * headroom = 0.901 Mbit/s. At 10 Mbit/s node2 (the lower index of two equal choices) takes all
     * four; when node1->node2 drops to 2.5 Mbit/s (budget 90% = 2.25) only two fit, so the re-plan
     * moves the first two (equal rates: index order) to node3.
     */
    @Test
    void aLinkWhoseBandwidthDropsIsRelievedOfJustEnoughTasks() {
        io.coedge.scheduler.model.Model m = new io.coedge.scheduler.model.Model("m");
        LatencyProfile p = LatencyProfile.ofMillisPowersOfTwo(5, 8, 12);
        List<NodeProfile> nodes =
                List.of(
                        NodeProfile.healthy(
                                "node1", Map.of(new io.coedge.scheduler.model.Model("other"), p)),
                        NodeProfile.healthy("node2", Map.of(m, p)),
                        NodeProfile.healthy("node3", Map.of(m, p)));
        List<Task> tasks = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            tasks.add(new Task("t" + i, m, "node1", 1, 10, 200_000, 10 * 1024));
        }
        java.util.function.LongFunction<Topology> withBandwidth =
                node1ToNode2(
                        nodes,
                        tasks,
                        new io.coedge.scheduler.model.Link("node1", "node3", 10_000_000, 1_000));
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();

        Assignment before = coedge.plan(withBandwidth.apply(10_000_000), Assignment.EMPTY);
        Assignment after = coedge.plan(withBandwidth.apply(2_500_000), before);

        assertThat(before.tasksByNode()).isEqualTo(Map.of("node2", Set.of("t1", "t2", "t3", "t4")));
        assertThat(after.tasksByNode())
                .isEqualTo(Map.of("node2", Set.of("t3", "t4"), "node3", Set.of("t1", "t2")));
    }

    /**
     * Two cameras on a slow node1 (80 ms a frame), each shipping 10 fps x 50 kB x 1.1 headroom =
     * 4.4 Mbit/s. At 10 Mbit/s one task goes to the fast node2. When the link drops to 4.6 Mbit/s
     * the task fills 96% of it: past the 90% budget, not past the capacity. No node can take it,
     * the overloaded origin included, and it still comes home: near its capacity the link's queue
     * grows without bound, and every frame behind it waits.
     */
    @Test
    void aTaskPastItsLinksBudgetComesHomeEvenToAnOverloadedOrigin() {
        io.coedge.scheduler.model.Model m = new io.coedge.scheduler.model.Model("m");
        List<NodeProfile> nodes =
                List.of(
                        NodeProfile.healthy(
                                "node1",
                                Map.of(m, LatencyProfile.ofMillisPowersOfTwo(80, 150, 290))),
                        NodeProfile.healthy(
                                "node2", Map.of(m, LatencyProfile.ofMillisPowersOfTwo(5, 8, 12))));
        List<Task> tasks =
                List.of(
                        new Task("t1", m, "node1", 1, 10, 200_000, 50_000),
                        new Task("t2", m, "node1", 1, 10, 200_000, 50_000));
        java.util.function.LongFunction<Topology> withBandwidth = node1ToNode2(nodes, tasks);
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();

        Assignment before = coedge.plan(withBandwidth.apply(10_000_000), Assignment.EMPTY);
        Assignment after = coedge.plan(withBandwidth.apply(4_600_000), before);

        assertThat(before.tasksByNode().get("node2")).hasSize(1);
        assertThat(after.tasksByNode()).isEqualTo(Map.of("node1", Set.of("t1", "t2")));
    }

    @Test
    void replanningAnUnchangedTopologyMovesNothing() {
        CoEdgeDispatch coedge = CoEdgeDispatch.withDefaults();
        Topology city = io.coedge.scheduler.testutils.Scenarios.shipped("city").topology();
        Assignment first = coedge.plan(city, Assignment.EMPTY);

        assertThat(coedge.plan(city, first).movesFrom(first)).isZero();
    }

    @Test
    void tasksLeaveAnUnhealthyNode() {
        List<NodeProfile> nodes = new ArrayList<>(talk.nodes());
        nodes.set(2, nodes.get(2).withHealthy(false));
        Topology broken = talk.withNodes(nodes);

        Assignment plan = CoEdgeDispatch.withDefaults().plan(broken, Assignment.EMPTY);

        assertThat(plan.tasksByNode()).doesNotContainKey("node3").containsKeys("node1", "node2");
        assertThat(plan.nodeOfTask()).hasSize(6);
    }

    @Test
    void routingTableAnswersEveryTaskByIndexAndById() {
        Assignment plan = CoEdgeDispatch.withDefaults().plan(talk, Assignment.EMPTY);
        RoutingTable routing = new RoutingTable(talk, plan);

        List<String> byIndex = new ArrayList<>();
        List<String> byId = new ArrayList<>();
        for (int t = 0; t < talk.tasks().size(); t++) {
            Task task = talk.tasks().get(t);
            byIndex.add(task.id() + "@" + routing.nodeName(routing.nodeOf(t)));
            byId.add(task.id() + "@" + routing.nodeName(routing.nodeOf(task.id())));
        }

        assertThat(byIndex)
                .containsExactly(
                        "YB1@node1",
                        "YB2@node1",
                        "YS1@node2",
                        "YS2@node2",
                        "YS3@node3",
                        "YS4@node3");
        assertThat(byId).isEqualTo(byIndex);
        assertThat(routing.nodeOf("nope")).isEqualTo(-1);
    }

    /** The topology of these nodes and tasks with node1 -> node2 at a given bandwidth. */
    private static java.util.function.LongFunction<Topology> node1ToNode2(
            List<NodeProfile> nodes, List<Task> tasks, io.coedge.scheduler.model.Link... others) {
        return bps -> {
            List<io.coedge.scheduler.model.Link> links = new ArrayList<>();
            links.add(new io.coedge.scheduler.model.Link("node1", "node2", bps, 1_000));
            links.addAll(List.of(others));
            return new Topology(nodes, links, tasks);
        };
    }

    private static List<NodeProfile> scaleSmall(List<NodeProfile> nodes, double factor) {
        return nodes.stream()
                .map(
                        n -> {
                            LatencyProfile p = n.profiles().get(YOLO_SMALL);
                            return n.withProfile(YOLO_SMALL, p.scaled(factor));
                        })
                .toList();
    }
}
