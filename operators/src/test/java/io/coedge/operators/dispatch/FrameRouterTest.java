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
}
