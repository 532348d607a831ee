package io.coedge.scheduler.sim;

import io.coedge.scheduler.batch.BatchPolicies;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.testutils.Scenarios;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatorTest {

    private static final Scenario PAPER_10S = Scenarios.shipped("paper").withDuration(10_000_000);

    @Test
    void theSameSeedGivesTheSameResult() {
        SimResult first = Report.runPair(PAPER_10S, "coedge", "coedge", null);
        SimResult second = Report.runPair(PAPER_10S, "coedge", "coedge", null);

        assertThat(second).isEqualTo(first);
    }

    @Test
    void anotherSeedGivesAnotherRun() {
        SimResult first = Report.runPair(PAPER_10S, "no-offloading", "fifo", null);
        SimResult other = Report.runPair(PAPER_10S.withSeed(99), "no-offloading", "fifo", null);

        assertThat(other.latency()).isNotEqualTo(first.latency());
    }

    @Test
    void everyFrameEndsInExactlyOneStateForEveryPolicyPair() {
        // a scenario with link, node and task changes mid-run, so re-plans happen while frames are in flight
        Scenario s = ScenarioLoader.parse("changes.yaml", PAPER_WITH_CHANGES);
        double expected = s.nominalFrameRate() * 8.0 + 30 * 0.25 * 2; // YS1 runs 1.25x faster for the last 2 s
        List<String> broken = new ArrayList<>();
        for (String d : DispatchPolicies.NAMES) {
            for (String b : BatchPolicies.NAMES) {
                SimResult r = Report.runPair(s, d, b, null);
                long out = java.util.Arrays.stream(io.coedge.scheduler.model.FrameOutcome.values()).mapToLong(r::count).sum();
                if (out != r.frames() || Math.abs(r.frames() - expected) > 0.02 * expected) {
                    broken.add(r.pair() + ": " + r.frames() + " in, " + r.ok() + "/" + r.late() + "/" + r.dropped() + " out");
                }
            }
        }

        assertThat(broken).isEmpty();
    }

    /**
     * One camera at 1 fps on node1, which cannot run the model, so coedge ships it to node2 over an
     * 8 Mbit/s, 5 ms link: 100 KiB = 819,200 bits take 102.4 ms, plus 5 ms, plus a 10 ms batch of one:
     * 117.4 ms end to end, in the 117.4-117.5 ms histogram bucket, for every frame.
     */
    @Test
    void transferTimeIsSizeOverBandwidthPlusLinkLatency() {
        Scenario s = ScenarioLoader.parse("ship.yaml", """
                durationS: 5
                nodes:
                  - {name: node1, profiles: {other: {batch: [1], latencyMs: [1]}}}
                  - {name: node2, profiles: {m: {batch: [1, 2], latencyMs: [10, 15]}}}
                links:
                  - {between: [node1, node2], bandwidthMbps: 8, latencyMs: 5}
                tasks:
                  - {id: t, model: m, origin: node1, fps: 1, deadlineMs: 200, inputKB: 100}
                """);

        SimResult r = Report.runPair(s, "coedge", "coedge", null);

        assertThat(List.of(r.frames(), r.ok(), r.p50Millis(), r.p99Millis())).containsExactly(5L, 5L, 117.5, 117.5);
        assertThat(r.finalAssignment().nodeOf("t")).isEqualTo("node2");
    }

    @Test
    void framesThatShareALinkQueueBehindEachOther() {
        // six cameras at random phases ship 102.4 ms frames over one 8 Mbit/s link (77% busy): some must
        // wait for the link, so the slowest frame is slower than the single camera's 117.4 ms
        String base = """
                durationS: 5
                nodes:
                  - {name: node1, profiles: {other: {batch: [1], latencyMs: [1]}}}
                  - {name: node2, profiles: {m: {batch: [1, 2], latencyMs: [10, 15]}}}
                links:
                  - {between: [node1, node2], bandwidthMbps: 8, latencyMs: 5}
                tasks:
                  - {id: t, model: m, origin: node1, cameras: %d, fps: 1, deadlineMs: 400, inputKB: 100}
                """;
        SimResult one = Report.runPair(ScenarioLoader.parse("one.yaml", base.formatted(1)), "coedge", "coedge", null);
        SimResult six = Report.runPair(ScenarioLoader.parse("six.yaml", base.formatted(6)), "coedge", "coedge", null);

        assertThat(six.latency().maxMillis()).isGreaterThan(one.latency().maxMillis());
    }

    @Test
    void aBandwidthDropMakesCoedgeReplanAndBringTasksHome() {
        Scenario s = ScenarioLoader.parse("drop.yaml", PAPER_WITH_CHANGES);

        SimResult r = Report.runPair(s, "coedge", "coedge", null);

        assertThat(r.initialAssignment().nodeOf("YS1")).isNotEqualTo("node1");
        assertThat(r.replans()).isEqualTo(3);
        assertThat(r.finalAssignment().nodeOf("YS1")).isEqualTo("node1");
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

    /** The paper scenario, 8 s, with a link drop at 2 s, a node slowdown at 3 s and a task speed-up at 6 s. */
    static final String PAPER_WITH_CHANGES = """
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
