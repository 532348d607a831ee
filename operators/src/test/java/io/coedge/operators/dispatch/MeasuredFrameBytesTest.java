package io.coedge.operators.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.CatalogText;
import io.coedge.format.NodeStatus;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.scheduler.model.Task;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where the dispatcher's cost of shipping a task's frame comes from: the frame sizes the nodes
 * running the task measured, else the catalog's {@code inputBytes}. Status time only: no clock.
 */
class MeasuredFrameBytesTest {
    static final long NOW = 10_000_000L;

    /**
     * Two 4 fps tasks on a, whose frames the catalog guesses at 750 KB: over 5 Mbit/s one takes 1.2
     * s to ship, past the 1 s deadline.
     */
    static final CatalogText GUESSED =
            new CatalogText(
                    "guessed.yaml",
                    """
      nodes: [{id: a, sidecar: "127.0.0.1:1"}, {id: b, sidecar: "127.0.0.1:2"}]
      models: [{name: m, maxBatch: 4, input: {width: 32, height: 32}, postprocess: {type: classification, labels: [x]}}]
      tasks:
        - {id: t1, model: m, cameras: [c1], fps: 4, deadlineMs: 1000, origin: a, inputBytes: 750000}
        - {id: t2, model: m, cameras: [c2], fps: 4, deadlineMs: 1000, origin: a, inputBytes: 750000}
      links:
        - {from: a, to: b, bandwidthMbps: 5, latencyMs: 0}
        - {from: b, to: a, bandwidthMbps: 5, latencyMs: 0}
      """);

    /** A status of {@code node} at NOW that measured one task's frames. */
    static NodeStatus measured(String node, String task, long bytes, int samples, long lastMs) {
        return MeasuredLinksTest.slow(node, NOW, null)
                .withFrameBytes(Map.of(task, new NodeStatus.FrameBytes(bytes, samples, lastMs)));
    }

    @Test
    void withoutAMeasurementTheCatalogsGuessHolds() {
        assertThat(TopologyBuilder.frameBytes("t1", 750_000, Map.of())).isEqualTo(750_000);
        NodeStatus older = MeasuredLinksTest.slow("a", NOW, null);
        assertThat(older.frameBytes()).as("an older node's status").isNull();
        assertThat(TopologyBuilder.frameBytes("t1", 750_000, Map.of("a", older)))
                .isEqualTo(750_000);
        // A measurement of another task says nothing of this one.
        NodeStatus other = measured("a", "t2", 75_000, 64, NOW);
        assertThat(TopologyBuilder.frameBytes("t1", 750_000, Map.of("a", other)))
                .isEqualTo(750_000);
    }

    @Test
    void theNodeWithTheNewestFrameOfTheTaskGivesItsSize() {
        Map<String, NodeStatus> all = new HashMap<>();
        // a ran t1 until the task moved to b a minute ago; b measures it now.
        all.put("a", measured("a", "t1", 80_000, 64, NOW - 60_000));
        all.put("b", measured("b", "t1", 70_000, 12, NOW - 100));
        assertThat(TopologyBuilder.frameBytes("t1", 750_000, all)).isEqualTo(70_000);

        // The same latest frame on both (one camera's frame seen twice): more frames, then the
        // node id, the same choice on every dispatcher subtask.
        all.put("a", measured("a", "t1", 80_000, 64, NOW - 100));
        assertThat(TopologyBuilder.frameBytes("t1", 750_000, all)).isEqualTo(80_000);
        all.put("b", measured("b", "t1", 70_000, 64, NOW - 100));
        assertThat(TopologyBuilder.frameBytes("t1", 750_000, all)).isEqualTo(80_000);
    }

    @Test
    void theTopologyCarriesTheMeasuredSizeOfEachTask() {
        Map<String, NodeStatus> all = new HashMap<>();
        all.put("a", measured("a", "t1", 75_000, 64, NOW));
        all.put("b", MeasuredLinksTest.slow("b", NOW, null));

        var tasks = new TopologyBuilder(GUESSED.parse(), 5_000).build(all, NOW).tasks();

        assertThat(tasks.stream().filter(t -> t.id().equals("t1")).map(Task::inputBytes))
                .containsExactly(75_000L);
        assertThat(tasks.stream().filter(t -> t.id().equals("t2")).map(Task::inputBytes))
                .as("t2 unmeasured: the catalog's")
                .containsExactly(750_000L);
    }

    @Test
    void framesLighterThanTheCatalogGuessedAreOffloadedWhereTheGuessKeptThemHome() {
        Map<String, NodeStatus> guessed = new HashMap<>();
        guessed.put("a", MeasuredLinksTest.slow("a", NOW, null));
        guessed.put("b", MeasuredLinksTest.slow("b", NOW, null));
        assertThat(planner().onStatuses(guessed, null).state().assignment())
                .as("750 KB over 5 Mbit/s misses every deadline: both stay on overloaded a")
                .containsOnly(Map.entry("t1", "a"), Map.entry("t2", "a"));

        Map<String, NodeStatus.FrameBytes> bytes =
                Map.of(
                        "t1", new NodeStatus.FrameBytes(75_000, 64, NOW),
                        "t2", new NodeStatus.FrameBytes(75_000, 64, NOW));
        Map<String, NodeStatus> light = new HashMap<>();
        light.put("a", MeasuredLinksTest.slow("a", NOW, null).withFrameBytes(bytes));
        light.put("b", MeasuredLinksTest.slow("b", NOW, null));
        assertThat(planner().onStatuses(light, null).state().assignment().values())
                .as("75 KB take 120 ms: one task goes to b")
                .containsExactlyInAnyOrder("a", "b");
    }

    private static StatusPlanner planner() {
        return new StatusPlanner(
                GUESSED.parse(),
                DispatchPolicies.byName("coedge"),
                new Replanner.Settings(5_000_000, 15_000_000, 5_000_000),
                5_000);
    }
}
