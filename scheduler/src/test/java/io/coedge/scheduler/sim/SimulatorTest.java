package io.coedge.scheduler.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.scheduler.batch.BatchPolicies;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.testutils.Scenarios;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    private static final Scenario PAPER_10S = Scenarios.shipped("paper").withDuration(10_000_000);

    /**
     * node1 cannot run model m, node2 can; between them an 8 Mbit/s, 5 ms link: a task on node1
     * ships every 100 KiB frame (102.4 ms on the link). Placeholders: duration s, cameras, deadline
     * ms.
     */
    private static final String SHIP_TO_NODE2 =
            """
            durationS: %d
            nodes:
              - {name: node1, profiles: {other: {batch: [1], latencyMs: [1]}}}
              - {name: node2, profiles: {m: {batch: [1, 2], latencyMs: [10, 15]}}}
            links:
              - {between: [node1, node2], bandwidthMbps: 8, latencyMs: 5}
            tasks:
              - {id: t, model: m, origin: node1, cameras: %d, fps: 1, deadlineMs: %d, inputKB: 100}
            """;

    @Test
    void theSameSeedGivesTheSameResult() {
        SimResult first = Report.runPair(PAPER_10S, "coedge", "coedge", null);
        SimResult second = Report.runPair(PAPER_10S, "coedge", "coedge", null);

        assertThat(second).isEqualTo(first);
    }

    /**
     * Two nodes, each busy 40% of the time with its own camera. On one machine with two cores each
     * runs as if alone; with one core they share it whenever both run, and their frames take
     * longer.
     */
    @Test
    void nodesOnOneHostShareItsCores() {
        String base =
                """
                durationS: 20
                pipeline: {hosts: [{name: box, cores: %s, nodes: [a, b]}]}
                nodes:
                  - {name: a, profiles: {m: {batch: [1], latencyMs: [200]}}}
                  - {name: b, profiles: {m: {batch: [1], latencyMs: [200]}}}
                tasks:
                  - {id: ta, model: m, origin: a, fps: 2, deadlineMs: 10000, inputKB: 1}
                  - {id: tb, model: m, origin: b, fps: 2, deadlineMs: 10000, inputKB: 1}
                """;
        String alone =
                base.replace("pipeline: {hosts: [{name: box, cores: %s, nodes: [a, b]}]}\n", "");
        SimResult own =
                Report.runPair(
                        ScenarioLoader.parse("own.yaml", alone), "no-offloading", "fifo", null);
        SimResult twoCores =
                Report.runPair(
                        ScenarioLoader.parse("two.yaml", base.formatted("2")),
                        "no-offloading",
                        "fifo",
                        null);
        SimResult oneCore =
                Report.runPair(
                        ScenarioLoader.parse("one.yaml", base.formatted("1")),
                        "no-offloading",
                        "fifo",
                        null);

        assertThat(twoCores.latency()).isEqualTo(own.latency());
        assertThat(oneCore.latency().max()).isGreaterThan(own.latency().max());
        assertThat(oneCore.latency().percentile(0.5)).isGreaterThan(own.latency().percentile(0.5));
    }

    /**
     * Two lampposts ship all their frames to a server over 8 Mbit/s uplinks: each 100 KiB frame
     * takes 102.4 ms to send, at 3 and 4 frames/s. On links of their own the two streams never wait
     * for each other; behind one shared uplink their phases drift through each other, and a frame
     * then waits for the other lamppost's frame first.
     */
    @Test
    void linksSharedAsOneNameSendOnOneTransmitter() {
        String base =
                """
                durationS: 20
                nodes:
                  - {name: a, profiles: {other: {batch: [1], latencyMs: [1]}}}
                  - {name: b, profiles: {other: {batch: [1], latencyMs: [1]}}}
                  - {name: server, profiles: {m: {batch: [1], latencyMs: [1]}}}
                links:
                  - {between: [a, server], bandwidthMbps: 8, latencyMs: 5%s}
                  - {between: [b, server], bandwidthMbps: 8, latencyMs: 5%s}
                tasks:
                  - {id: ta, model: m, origin: a, fps: 3, deadlineMs: 2000, inputKB: 100}
                  - {id: tb, model: m, origin: b, fps: 4, deadlineMs: 2000, inputKB: 100}
                """;
        SimResult own =
                Report.runPair(
                        ScenarioLoader.parse("own.yaml", base.formatted("", "")),
                        "coedge",
                        "fifo",
                        null);
        SimResult shared =
                Report.runPair(
                        ScenarioLoader.parse(
                                "shared.yaml",
                                base.formatted(", sharedAs: wan", ", sharedAs: wan")),
                        "coedge",
                        "fifo",
                        null);

        // Simulated time: 102.4 ms to send + 5 ms link + 1 ms run = 108.4 ms (the maximum is kept
        // exactly).
        assertThat(own.latency().max()).as("never waits for the other stream").isEqualTo(108_400);
        assertThat(shared.latency().max())
                .as("waits behind the other stream's frame")
                .isGreaterThan(own.latency().max() + 50_000);
    }

    @Test
    void anotherSeedGivesAnotherRun() {
        SimResult first = Report.runPair(PAPER_10S, "no-offloading", "fifo", null);
        SimResult other = Report.runPair(PAPER_10S.withSeed(99), "no-offloading", "fifo", null);

        assertThat(other.latency()).isNotEqualTo(first.latency());
    }

    @Test
    void everyFrameEndsInExactlyOneStateForEveryPolicyPair() {
        // a scenario with link, node and task changes mid-run, so re-plans happen while frames are
        // in flight
        Scenario s = ScenarioLoader.parse("changes.yaml", PAPER_WITH_CHANGES);
        double expected =
                s.nominalFrameRate() * 8.0
                        + 30 * 0.25 * 2; // YS1 runs 1.25x faster for the last 2 s
        List<String> broken = new ArrayList<>();
        for (String d : DispatchPolicies.NAMES) {
            for (String b : BatchPolicies.NAMES) {
                SimResult r = Report.runPair(s, d, b, null);
                long out =
                        java.util.Arrays.stream(io.coedge.scheduler.model.FrameOutcome.values())
                                .mapToLong(r::count)
                                .sum();
                if (out != r.frames() || Math.abs(r.frames() - expected) > 0.02 * expected) {
                    broken.add(
                            r.pair()
                                    + ": "
                                    + r.frames()
                                    + " in, "
                                    + r.ok()
                                    + "/"
                                    + r.late()
                                    + "/"
                                    + r.dropped()
                                    + " out");
                }
            }
        }

        assertThat(broken).isEmpty();
    }

    /**
     * One camera at 1 fps on node1, which cannot run the model, so coedge ships it to node2 over an
     * 8 Mbit/s, 5 ms link: 100 KiB = 819,200 bits take 102.4 ms, plus 5 ms, plus a 10 ms batch of
     * one: 117.4 ms end to end for every frame (all alike, so the percentiles are exact).
     */
    @Test
    void transferTimeIsSizeOverBandwidthPlusLinkLatency() {
        Scenario s = ScenarioLoader.parse("ship.yaml", SHIP_TO_NODE2.formatted(5, 1, 200));

        SimResult r = Report.runPair(s, "coedge", "coedge", null);

        assertThat(List.of(r.frames(), r.ok(), r.p50Millis(), r.p99Millis()))
                .containsExactly(5L, 5L, 117.4, 117.4);
        assertThat(r.finalAssignment().nodeOf("t")).isEqualTo("node2");
    }

    /**
     * Twelve cameras at 1 fps ship 100 KiB frames to node2 over an 8 Mbit/s link: 1.23 s of link
     * time per second. Queued without bound, the link would fall 0.23 s further behind every
     * second, and after about a second and a half every frame would arrive after its 400 ms
     * deadline. The dispatcher's link gate sheds at the origin each frame that would arrive too
     * late, which then takes no link time, so the queue stays under a deadline and most frames make
     * it.
     */
    @Test
    void aFrameThatCannotCrossItsLinkByItsDeadlineIsShedAtItsOriginAndTakesNoLinkTime() {
        Scenario s = ScenarioLoader.parse("over.yaml", SHIP_TO_NODE2.formatted(10, 12, 400));

        SimResult r = Report.runPair(s, "naive-global", "coedge", null);

        assertThat(r.finalAssignment().nodeOf("t")).isEqualTo("node2");
        assertThat(r.dropped()).as("shed at the origin").isGreaterThan(r.frames() / 10);
        assertThat(r.ok()).as("on time").isGreaterThan(r.frames() * 7 / 10);
    }

    @Test
    void framesThatShareALinkQueueBehindEachOther() {
        // six cameras at random phases ship 102.4 ms frames over one 8 Mbit/s link (77% busy): some
        // must wait for the link, so the slowest frame is slower than the single camera's 117.4 ms
        SimResult one =
                Report.runPair(
                        ScenarioLoader.parse("one.yaml", SHIP_TO_NODE2.formatted(5, 1, 400)),
                        "coedge",
                        "coedge",
                        null);
        SimResult six =
                Report.runPair(
                        ScenarioLoader.parse("six.yaml", SHIP_TO_NODE2.formatted(5, 6, 400)),
                        "coedge",
                        "coedge",
                        null);

        assertThat(six.latency().max()).isGreaterThan(one.latency().max());
    }

    @Test
    void aBandwidthDropMakesCoedgeReplanAtTheNextStatusAndBringTheTaskHome() {
        Scenario s = ScenarioLoader.parse("drop.yaml", PAPER_WITH_CHANGES);

        SimResult r = Report.runPair(s, "coedge", "coedge", null);

        // node1 cannot run the three tasks in time: the first plan ships one to node2 (with its
        // margin, YB1: 12 frames/s of 500 KB, 48 Mbit/s; YS1's 30 of 60 KB would need 14.7). The
        // link drops to 2 Mbit/s at 2 s, which carries neither. A link change re-plans at the next
        // status (every second) despite the 5 s rate limit.
        List<String> shipped =
                r.initialAssignment().nodeOfTask().entrySet().stream()
                        .filter(e -> e.getValue().equals("node2"))
                        .map(Map.Entry::getKey)
                        .toList();
        assertThat(shipped).hasSize(1);
        assertThat(r.series().moves())
                .first()
                .isEqualTo(new SimResult.Move(2_000_000, shipped.get(0), "node2", "node1"));
        assertThat(r.finalAssignment().nodeOf(shipped.get(0))).isEqualTo("node1");
    }

    @Test
    void onlyDeadlineAwarePoliciesShedAndTheOthersFinishLate() {
        List<String> shedding = new ArrayList<>();
        for (String b : BatchPolicies.NAMES) {
            SimResult r = Report.runPair(PAPER_10S, "no-offloading", b, null);
            if (r.dropped() > 0) {
                shedding.add(b);
            }
        }

        assertThat(shedding).containsExactlyInAnyOrder("coedge", "clockwork");
    }

    /**
     * One node runs a big model (200 ms, 2 fps) and a small one (10 ms, two cameras at 4 fps, due
     * 250 ms after capture); one big batch in ten takes twice as long, so the sidecar's p99 is
     * twice the typical run. A small frame that arrives while a usual big batch runs waits at most
     * 200 ms and, behind at most two other small frames, is done by 230 ms: in time. Every arrival
     * asks the policy at once (the node engine does, as the Flink batcher): against the big batch's
     * pessimistic end (400 ms) a small frame looks hopeless when it arrives in the first 170 ms of
     * the batch; clockwork, which plans from that end, sheds them, coedge does not.
     */
    static final String BUSY_NODE =
            """
            durationS: 30
            seed: 3
            execSlow: {share: 0.1, factor: 2}
            nodes:
              - {name: n, profiles: {big: {batch: [1], latencyMs: [200]}, small: {batch: [1], latencyMs: [10]}}}
            tasks:
              - {id: B, model: big,   origin: n, fps: 2, jitterMs: 20, deadlineMs: 1000, inputKB: 1}
              - {id: S, model: small, origin: n, cameras: 2, fps: 4, jitterMs: 50, deadlineMs: 250, inputKB: 1}
            """;

    @Test
    void aFrameThatMakesItIfTheRunningBatchEndsAsUsualIsNotShedWhileItRuns() {
        Scenario s = ScenarioLoader.parse("busy.yaml", BUSY_NODE);

        SimResult coedge = Report.runPair(s, "no-offloading", "coedge", null);
        SimResult clockwork = Report.runPair(s, "no-offloading", "clockwork", null);

        // Both miss the small frames stuck behind a slow big batch; clockwork also sheds those that
        // would have made it after a usual one.
        assertThat(coedge.frames()).isEqualTo(300);
        assertThat(coedge.late() + coedge.dropped())
                .isLessThan(clockwork.late() + clockwork.dropped());
    }

    @Test
    void anArrivalAtABusyNodeAsksThePolicyWithTheRunningBatchsPredictedEnd() {
        SimResult busy =
                Report.runPair(
                        ScenarioLoader.parse("busy.yaml", BUSY_NODE),
                        "no-offloading",
                        "clockwork",
                        null);

        assertThat(busy.dropped())
                .as("shed on arrival against the pessimistic end")
                .isGreaterThan(20);
    }

    @Test
    void aShareOfSlowRunsTakesThatFactorLonger() {
        String base =
                """
                durationS: 10
                execSlow: {share: %s, factor: 2}
                nodes:
                  - {name: n, profiles: {m: {batch: [1], latencyMs: [10]}}}
                tasks:
                  - {id: t, model: m, origin: n, fps: 1, deadlineMs: 100, inputKB: 1}
                """;
        SimResult never =
                Report.runPair(
                        ScenarioLoader.parse("never.yaml", base.formatted("0")),
                        "coedge",
                        "fifo",
                        null);
        SimResult always =
                Report.runPair(
                        ScenarioLoader.parse("always.yaml", base.formatted("1")),
                        "coedge",
                        "fifo",
                        null);

        // every run alike, so the percentiles are exact
        assertThat(
                        List.of(
                                never.p50Millis(),
                                never.p99Millis(),
                                always.p50Millis(),
                                always.p99Millis()))
                .containsExactly(10.0, 10.0, 20.0, 20.0);
    }

    /**
     * config/bench.yaml on a shared 2-core machine (scenarios/bench-contended.yaml) with the coedge
     * dispatch: over the file's seed and seeds 1-5, coedge batching misses no more frames than any
     * baseline batching (before it planned sheds from the running batch's pessimistic end: 19%
     * DMR).
     */
    @Test
    void onTheContendedBenchCoedgeBatchingMissesNoMoreThanTheBaselines() {
        Scenario file = Scenarios.shipped("bench-contended");
        Map<String, Long> missed = new LinkedHashMap<>();
        long frames = 0;
        for (long seed : new long[] {file.seed(), 1, 2, 3, 4, 5}) {
            for (String b : BatchPolicies.NAMES) {
                SimResult r = Report.runPair(file.withSeed(seed), "coedge", b, null);
                missed.merge(b, r.late() + r.dropped(), Long::sum);
                frames += b.equals("coedge") ? r.frames() : 0;
            }
        }
        long mine = missed.get("coedge");

        assertThat(missed.values())
                .as("frames missed by batch policy: " + missed)
                .allMatch(other -> mine <= other);
        assertThat((double) mine / frames).isLessThan(0.01);
    }

    /**
     * The paper scenario, 8 s, with a link drop at 2 s, a node slowdown at 3 s and a task speed-up
     * at 6 s.
     */
    static final String PAPER_WITH_CHANGES =
            """
            durationS: 8
            seed: 5
            execNoise: 0.05
            profileSets:
              fast:
                yolo-big:   {batch: [1, 2, 4],    latencyMs: [45, 80, 150]}
                yolo-small: {batch: [1, 2, 4, 8], latencyMs: [8, 11, 17, 30]}
              strong:
                yolo-big:   {batch: [1, 2, 4],    latencyMs: [27, 48, 90]}
                yolo-small: {batch: [1, 2, 4, 8], latencyMs: [5, 7, 10, 18]}
            nodes:
              - {name: node1, profileSet: fast}
              - {name: node2, profileSet: strong}
            links:
              - {between: [node1, node2], bandwidthMbps: 100, latencyMs: 2}
            tasks:
              - {id: YB1, model: yolo-big,   origin: node1, fps: 12, jitterMs: 3, deadlineMs: 200, inputKB: 500}
              - {id: YB2, model: yolo-big,   origin: node1, fps: 12, jitterMs: 3, deadlineMs: 200, inputKB: 500}
              - {id: YS1, model: yolo-small, origin: node1, fps: 30, jitterMs: 3, deadlineMs: 100, inputKB: 60}
            changes:
              - {atS: 2, link: [node1, node2], bandwidthMbps: 2}
              - {atS: 3, node: node2, load: 0.3}
              - {atS: 6, task: YS1, fpsScale: 1.25}
            """;
}
