package io.coedge.operators.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.CatalogText;
import io.coedge.format.NodeStatus;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.scheduler.model.Link;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where the dispatcher's bandwidth of a link comes from: the sender's fresh measurement, else the
 * catalog's; and only a large change reaches the re-planner. Status time only: no clock.
 */
class MeasuredLinksTest {
    static final long NOW = 10_000_000L;
    static final long CATALOG_BPS = 20_000_000;

    static final CatalogText CATALOG =
            new CatalogText(
                    "links.yaml",
                    """
      nodes: [{id: a, sidecar: "127.0.0.1:1"}, {id: b, sidecar: "127.0.0.1:2"}]
      models: [{name: m, maxBatch: 8, input: {width: 32, height: 32}, postprocess: {type: classification, labels: [x]}}]
      tasks:
        - {id: t, model: m, cameras: [c1], fps: 10, deadlineMs: 200, origin: a}
      links:
        - {from: a, to: b, bandwidthMbps: 20, latencyMs: 1}
        - {from: b, to: a, bandwidthMbps: 20, latencyMs: 1}
      """);

    /**
     * A status of {@code node} at {@code ts} with its measurement of its link to the other node.
     */
    static NodeStatus status(String node, long ts, Double mbps, long measuredAt) {
        NodeStatus s = DispatchFunctionTest.status(node, node.equals("a") ? 0 : 1, true, ts);
        if (mbps == null) {
            return s;
        }
        String peer = node.equals("a") ? "b" : "a";
        return s.withLinks(
                "127.0.0.1:9", Map.of(peer, new NodeStatus.LinkStatus(mbps, 200, measuredAt, 3)));
    }

    @Test
    void withoutAMeasurementTheCatalogsBandwidthHolds() {
        MeasuredLinks links = MeasuredLinks.defaults();
        assertThat(links.bandwidthBps("a", "b", CATALOG_BPS, Map.of())).isEqualTo(CATALOG_BPS);
        // An older node's status has no links at all.
        assertThat(
                        links.bandwidthBps(
                                "a", "b", CATALOG_BPS, Map.of("a", status("a", NOW, null, 0))))
                .isEqualTo(CATALOG_BPS);
        // A measurement of another link says nothing of this one.
        assertThat(
                        links.bandwidthBps(
                                "b", "a", CATALOG_BPS, Map.of("a", status("a", NOW, 4.8, NOW))))
                .isEqualTo(CATALOG_BPS);
    }

    @Test
    void aFreshMeasurementBySendingNodeReplacesTheCatalogsBandwidth() {
        MeasuredLinks links = MeasuredLinks.defaults();
        assertThat(
                        links.bandwidthBps(
                                "a",
                                "b",
                                CATALOG_BPS,
                                Map.of("a", status("a", NOW, 4.8, NOW - 10))))
                .isEqualTo(4_800_000);
    }

    @Test
    void aStaleMeasurementGivesWayToTheCatalogByTheMeasuringNodesOwnClock() {
        MeasuredLinks links = new MeasuredLinks(60_000, 0.25);
        // Measured 60 s before the node's own status: still fresh, whatever the other clocks say.
        assertThat(
                        links.bandwidthBps(
                                "a",
                                "b",
                                CATALOG_BPS,
                                Map.of("a", status("a", NOW, 4.8, NOW - 60_000))))
                .isEqualTo(4_800_000);
        assertThat(
                        links.bandwidthBps(
                                "a",
                                "b",
                                CATALOG_BPS,
                                Map.of("a", status("a", NOW + 1, 4.8, NOW - 60_000))))
                .isEqualTo(CATALOG_BPS);
    }

    @Test
    void smallChangesKeepTheBandwidthInEffectAndLargeOnesReplaceIt() {
        MeasuredLinks links = new MeasuredLinks(60_000, 0.25);
        assertThat(bps(links, 4.8)).isEqualTo(4_800_000);
        assertThat(bps(links, 5.6)).as("+17%%: noise").isEqualTo(4_800_000);
        assertThat(bps(links, 3.9)).as("-19%%: noise").isEqualTo(4_800_000);
        assertThat(bps(links, 0.96)).as("a fifth: a real change").isEqualTo(960_000);
        assertThat(bps(links, 9.6)).isEqualTo(9_600_000);
    }

    private static long bps(MeasuredLinks links, double mbps) {
        return links.bandwidthBps("a", "b", CATALOG_BPS, Map.of("a", status("a", NOW, mbps, NOW)));
    }

    @Test
    void theTopologyCarriesTheMeasuredBandwidthAndTheCatalogsLatency() {
        TopologyBuilder builder = new TopologyBuilder(CATALOG.parse(), 5_000);
        Map<String, NodeStatus> all = new HashMap<>();
        all.put("a", status("a", NOW, 4.8, NOW));
        all.put("b", status("b", NOW, null, 0));

        var topology = builder.build(all, NOW);

        Link ab = topology.links().stream().filter(l -> l.from().equals("a")).findFirst().get();
        Link ba = topology.links().stream().filter(l -> l.from().equals("b")).findFirst().get();
        assertThat(ab.bandwidthBitsPerSecond()).isEqualTo(4_800_000);
        assertThat(ab.latencyMicros()).isEqualTo(1_000);
        assertThat(ba.bandwidthBitsPerSecond()).isEqualTo(CATALOG_BPS);
    }

    @Test
    void probeNoiseDoesNotReplanButALargeChangeDoesAtOnce() {
        StatusPlanner planner =
                new StatusPlanner(
                        CATALOG.parse(),
                        DispatchPolicies.byName("coedge"),
                        new Replanner.Settings(5_000_000, 15_000_000, 5_000_000),
                        5_000);
        Map<String, NodeStatus> all = new HashMap<>();
        all.put("a", status("a", NOW, 9.6, NOW));
        all.put("b", status("b", NOW, 9.6, NOW));
        Replanner.Outcome first = planner.onStatuses(all, null);
        assertThat(first.verdict()).isEqualTo(Replanner.Verdict.PLANNED);

        // One second later, within the re-plan interval: a probe 10% off is noise.
        all.put("a", status("a", NOW + 1_000, 8.7, NOW + 1_000));
        Replanner.Outcome noise = planner.onStatuses(all, first.state());
        assertThat(noise.verdict()).isEqualTo(Replanner.Verdict.NOT_DUE);

        // A cut to a tenth is a link change: re-planned at once, inside the interval.
        all.put("a", status("a", NOW + 2_000, 0.96, NOW + 2_000));
        Replanner.Outcome cut = planner.onStatuses(all, noise.state());
        assertThat(cut.verdict()).isEqualTo(Replanner.Verdict.PLANNED);

        // The next probe of the same cut link: no new plan.
        all.put("a", status("a", NOW + 3_000, 1.0, NOW + 3_000));
        assertThat(planner.onStatuses(all, cut.state()).verdict())
                .isEqualTo(Replanner.Verdict.NOT_DUE);
    }

    static final CatalogText TWO_CAMERAS =
            new CatalogText(
                    "cut.yaml",
                    """
      nodes: [{id: a, sidecar: "127.0.0.1:1"}, {id: b, sidecar: "127.0.0.1:2"}]
      models: [{name: m, maxBatch: 4, input: {width: 32, height: 32}, postprocess: {type: classification, labels: [x]}}]
      tasks:
        - {id: t1, model: m, cameras: [c1], fps: 4, deadlineMs: 1000, origin: a, inputBytes: 75000}
        - {id: t2, model: m, cameras: [c2], fps: 4, deadlineMs: 1000, origin: a, inputBytes: 75000}
      links:
        - {from: a, to: b, bandwidthMbps: 20, latencyMs: 0}
        - {from: b, to: a, bandwidthMbps: 20, latencyMs: 0}
      """);

    /**
     * A node whose every frame takes 150 ms whatever the batch (a slow node, or the delay model).
     */
    static NodeStatus slow(String node, long ts, Double mbps) {
        NodeStatus s =
                new NodeStatus(
                        node,
                        node.equals("a") ? 0 : 1,
                        0,
                        ts,
                        true,
                        "",
                        "cpu",
                        Map.of(
                                "m",
                                new NodeStatus.ModelStatus(
                                        new int[] {1, 2, 4},
                                        new long[] {150_000, 300_000, 600_000},
                                        0)),
                        0,
                        0.1);
        return mbps == null
                ? s
                : s.withLinks(
                        "127.0.0.1:9",
                        Map.of(
                                node.equals("a") ? "b" : "a",
                                new NodeStatus.LinkStatus(mbps, 200, ts, 3)));
    }

    @Test
    void aMeasuredCutOfTheLinkSendsTheOffloadedBigInputTaskHome() {
        StatusPlanner planner =
                new StatusPlanner(
                        TWO_CAMERAS.parse(),
                        DispatchPolicies.byName("coedge"),
                        new Replanner.Settings(5_000_000, 15_000_000, 5_000_000),
                        5_000);
        Map<String, NodeStatus> all = new HashMap<>();
        all.put("a", slow("a", NOW, 19.2));
        all.put("b", slow("b", NOW, 19.2));
        Replanner.Outcome first = planner.onStatuses(all, null);
        assertThat(first.state().assignment().values())
                .as("two tasks of 4 fps x 150 ms overload a: one goes to b")
                .containsExactlyInAnyOrder("a", "b");

        all.put("a", slow("a", NOW + 20_000, 0.96));
        all.put("b", slow("b", NOW + 20_000, 19.2));
        Replanner.Outcome cut = planner.onStatuses(all, first.state());

        assertThat(cut.verdict()).isEqualTo(Replanner.Verdict.PLANNED);
        assertThat(cut.moves()).hasSize(1);
        assertThat(cut.state().assignment())
                .containsOnly(Map.entry("t1", "a"), Map.entry("t2", "a"));
    }
}
