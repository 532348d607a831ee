package io.coedge.operators.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.Frame;
import io.coedge.format.NodeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dispatcher's routing without Flink: announcements, the assignment and held frames. */
class FrameRouterTest {
    static final SubtaskKeys KEYS = DispatchFunctionTest.KEYS;
    static final long NOW = DispatchFunctionTest.NOW;

    final List<RoutedFrame> out = new ArrayList<>();

    static Frame frame(String task, String camera, long seq) {
        return DispatchFunctionTest.frame(task, camera, seq);
    }

    static NodeStatus status(String node, int subtask, long ts) {
        return DispatchFunctionTest.status(node, subtask, true, ts);
    }

    private List<String> routed() {
        return out.stream().map(r -> r.frame().id() + " -> " + r.node() + "@" + r.key()).toList();
    }

    @Test
    void aFrameGoesToTheSubtaskItsTasksNodeAnnouncedAndAnUnassignedTaskToItsOrigin() {
        FrameRouter router = new FrameRouter(KEYS, 10);
        router.assign(Map.of("t1", "n3"));
        router.announced(List.of(status("n2", 0, NOW), status("n3", 2, NOW)));

        router.route(frame("t1", "c1", 1), NOW, out::add);
        router.route(frame("t2", "c3", 2), NOW, out::add);

        assertThat(routed())
                .containsExactly("c1#1 -> n3@" + KEYS.keyOf(2), "c3#2 -> n2@" + KEYS.keyOf(0));
        assertThat(out).allMatch(r -> r.dispatchTs() == NOW);
    }

    @Test
    void framesWaitForTheirNodesAnnouncementAndLeaveInOrderOnceItCame() {
        FrameRouter router = new FrameRouter(KEYS, 10);
        router.flush(NOW, out::add); // nothing held, no assignment: nothing happens
        router.assign(Map.of("t1", "n1", "t2", "n2"));
        router.announced(List.of(status("n2", 1, NOW)));
        router.route(frame("t1", "c1", 1), NOW, out::add);
        router.route(frame("t1", "c2", 2), NOW, out::add);
        router.route(frame("t2", "c3", 3), NOW, out::add);
        assertThat(routed()).containsExactly("c3#3 -> n2@" + KEYS.keyOf(1));
        assertThat(router.waitingCount()).isEqualTo(2);
        assertThat(router.waiting()).extracting(Frame::id).containsExactly("c1#1", "c2#2");

        router.flush(NOW + 5, out::add);
        assertThat(router.waitingCount()).as("n1 still silent").isEqualTo(2);

        router.announced(List.of(status("n1", 2, NOW + 10), status("n2", 1, NOW + 10)));
        router.flush(NOW + 20, out::add);
        assertThat(routed())
                .containsExactly(
                        "c3#3 -> n2@" + KEYS.keyOf(1),
                        "c1#1 -> n1@" + KEYS.keyOf(2),
                        "c2#2 -> n1@" + KEYS.keyOf(2));
        assertThat(out.get(2).dispatchTs()).isEqualTo(NOW + 20);
        assertThat(router.waitingCount()).isZero();
    }

    @Test
    void aSubtaskBeyondTheBatchersParallelismCountsAsNotAnnounced() {
        FrameRouter router = new FrameRouter(KEYS, 10);
        router.assign(Map.of("t1", "n1"));
        router.announced(List.of(status("n1", KEYS.parallelism(), NOW)));
        router.route(frame("t1", "c1", 1), NOW, out::add);

        assertThat(out).isEmpty();
        assertThat(router.waitingCount()).isEqualTo(1);
    }

    @Test
    void whenTwoNodesClaimOneSubtaskTheNewestClaimWins() {
        FrameRouter router = new FrameRouter(KEYS, 0);
        router.assign(Map.of("t1", "n1", "t2", "n2"));
        router.announced(List.of(status("n1", 0, NOW), status("n2", 0, NOW + 1)));
        router.route(frame("t2", "c3", 1), NOW, out::add);

        assertThat(routed()).containsExactly("c3#1 -> n2@" + KEYS.keyOf(0));
        router.route(frame("t1", "c1", 2), NOW, out::add);
        assertThat(out).as("n1 lost its subtask and nothing may wait").hasSize(2);
        assertThat(out.get(1).key())
                .isEqualTo(KEYS.keyOf(Math.floorMod("n1".hashCode(), KEYS.parallelism())));
    }

    @Test
    void beyondTheFrameBoundAFrameIsRoutedByItsNodesNameRatherThanLost() {
        FrameRouter router = new FrameRouter(KEYS, 1);
        router.assign(Map.of("t1", "n1"));
        router.route(frame("t1", "c1", 1), NOW, out::add);
        router.route(frame("t1", "c1", 2), NOW, out::add);

        assertThat(router.waitingCount()).isEqualTo(1);
        assertThat(routed())
                .containsExactly(
                        "c1#2 -> n1@"
                                + KEYS.keyOf(Math.floorMod("n1".hashCode(), KEYS.parallelism())));
    }

    @Test
    void beyondTheByteBoundAFrameIsRoutedByItsNodesNameRatherThanLost() {
        FrameRouter router = new FrameRouter(KEYS, 100, 1); // each test frame has one byte
        router.assign(Map.of("t1", "n1"));
        router.route(frame("t1", "c1", 1), NOW, out::add);
        router.route(frame("t1", "c1", 2), NOW, out::add);

        assertThat(router.waitingCount()).isEqualTo(1);
        assertThat(routed()).extracting(s -> s.substring(0, 4)).containsExactly("c1#2");
    }

    @Test
    void framesRestoredFromACheckpointAreHeldEvenBeyondTheBounds() {
        FrameRouter router = new FrameRouter(KEYS, 1);
        router.hold(List.of(frame("t1", "c1", 1), frame("t1", "c1", 2)));
        assertThat(router.assigned()).isFalse();
        assertThat(router.waitingCount()).isEqualTo(2);

        router.assign(Map.of());
        router.announced(List.of(status("n1", 1, NOW)));
        router.flush(NOW, out::add);
        assertThat(routed())
                .as("an unassigned task goes to its origin")
                .containsExactly("c1#1 -> n1@" + KEYS.keyOf(1), "c1#2 -> n1@" + KEYS.keyOf(1));
    }

    /** n1 -> n3 at 1 Mbit/s: a 12,500-byte frame takes 100 ms to send. */
    static final io.coedge.catalog.Catalog SLOW_LINK =
            new io.coedge.catalog.CatalogText(
                            "slow.yaml",
                            """
            nodes: [{id: n1, sidecar: "127.0.0.1:1"}, {id: n2, sidecar: "127.0.0.1:2"}, {id: n3, sidecar: "127.0.0.1:3"}]
            models: [{name: m, maxBatch: 8, input: {width: 32, height: 32}, postprocess: {type: classification, labels: [a]}}]
            links: [{from: n1, to: n3, bandwidthMbps: 1, latencyMs: 0}]
            tasks:
              - {id: t1, model: m, cameras: [c1, c2], fps: 10, deadlineMs: 200, origin: n1}
              - {id: t2, model: m, cameras: [c3], fps: 10, deadlineMs: 200, origin: n2}
            """)
                    .parse();

    /** A 12,500-byte frame captured at NOW with a 150 ms deadline. */
    static Frame big(String task, String camera, long seq) {
        return big(task, camera, seq, NOW);
    }

    /** A 12,500-byte frame captured at {@code captureTs} with a 150 ms deadline. */
    static Frame big(String task, String camera, long seq, long captureTs) {
        return DispatchFunctionTest.frame(task, camera, seq, captureTs, 150, new byte[12_500]);
    }

    final List<String> shed = new ArrayList<>();

    private FrameRouter gated(FrameRouter.FreshLinks fresh) {
        FrameRouter router = new FrameRouter(KEYS, 10);
        router.gate(
                fresh,
                (f, node, reason, nowMs) -> shed.add(f.id() + " for " + node + ": " + reason));
        router.links(new TopologyBuilder(SLOW_LINK, 5_000).build(Map.of(), NOW));
        router.assign(Map.of("t1", "n3", "t2", "n2"));
        router.announced(List.of(status("n1", 0, NOW), status("n2", 1, NOW), status("n3", 2, NOW)));
        return router;
    }

    @Test
    void aFrameItsLinkCannotCarryByItsDeadlineIsShedAtTheOriginAndLocalFramesAreNotGated() {
        FrameRouter router = gated((from, to, nowMs) -> null);

        router.route(big("t1", "c1", 1), NOW, out::add); // arrives at NOW + 100 ms
        router.route(big("t1", "c2", 2), NOW, out::add); // would arrive at NOW + 200 ms
        router.route(big("t2", "c3", 3), NOW, out::add); // runs at its origin, n2

        assertThat(routed())
                .containsExactly("c1#1 -> n3@" + KEYS.keyOf(2), "c3#3 -> n2@" + KEYS.keyOf(1));
        assertThat(shed)
                .containsExactly(
                        "c2#2 for n3: LINK_BACKLOG: n1 -> n3 at 1.0 Mbit/s had 100 ms of frames"
                                + " queued; this frame (12.5 KB) would have arrived 50 ms after its"
                                + " deadline, so it was shed at its origin");

        // The queue drains with time: 100 ms later the link is free again.
        router.route(big("t1", "c1", 4, NOW + 100), NOW + 100, out::add);
        assertThat(out).hasSize(3);
    }

    @Test
    void theOriginsFreshMeasurementOfTheLinkOverridesTheTopologys() {
        List<String> asked = new ArrayList<>();
        FrameRouter router =
                gated(
                        (from, to, nowMs) -> {
                            asked.add(from + "->" + to + "@" + nowMs);
                            return 10.0; // 10 ms a frame
                        });

        for (int i = 0; i < 10; i++) {
            router.route(big("t1", "c1", i), NOW, out::add);
        }

        assertThat(shed).isEmpty();
        assertThat(out).hasSize(10);
        assertThat(asked).first().isEqualTo("n1->n3@" + NOW);
    }

    @Test
    void theBytesLetOntoALinkAreReportedToItsProberAndShedOrLocalFramesAreNot() {
        List<String> sent = new ArrayList<>();
        FrameRouter router =
                gated(
                        new FrameRouter.FreshLinks() {
                            @Override
                            public Double mbps(String from, String to, long nowMs) {
                                return null;
                            }

                            @Override
                            public void sent(String from, String to, long bytes, long nowMs) {
                                sent.add(from + "->" + to + " " + bytes + "@" + nowMs);
                            }
                        });

        router.route(big("t1", "c1", 1), NOW, out::add); // onto n1 -> n3
        router.route(big("t1", "c2", 2), NOW, out::add); // shed: the link is full
        router.route(big("t2", "c3", 3), NOW, out::add); // local

        assertThat(shed).hasSize(1);
        assertThat(sent).containsExactly("n1->n3 " + big("t1", "c1", 1).image().length + "@" + NOW);
    }
}
