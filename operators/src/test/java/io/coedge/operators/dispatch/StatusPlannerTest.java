package io.coedge.operators.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.NodeStatus;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.dispatch.Replanner;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dispatcher's re-planning on statuses without Flink: status time and the stored state. */
class StatusPlannerTest {
    static final long NOW = DispatchFunctionTest.NOW;
    static final Replanner.Settings SETTINGS =
            new Replanner.Settings(1_000_000, 3_000_000, 5_000_000);

    static StatusPlanner planner() {
        return new StatusPlanner(
                DispatchFunctionTest.CATALOG.parse(),
                DispatchPolicies.byName("coedge"),
                SETTINGS,
                5_000);
    }

    static NodeStatus status(String node, boolean healthy, long ts) {
        return DispatchFunctionTest.status(node, 0, healthy, ts);
    }

    @Test
    void anOlderStatusDoesNotReplaceTheNodesNewerOne() {
        assertThat(StatusPlanner.supersedes(status("n1", true, NOW), null)).isTrue();
        assertThat(StatusPlanner.supersedes(status("n1", true, NOW), status("n1", true, NOW)))
                .isTrue();
        assertThat(StatusPlanner.supersedes(status("n1", true, NOW + 1), status("n1", true, NOW)))
                .isTrue();
        assertThat(StatusPlanner.supersedes(status("n1", true, NOW - 1), status("n1", true, NOW)))
                .isFalse();
    }

    @Test
    void timeIsTheNewestStatusAndTheStartUpWaitRunsFromTheOldestReadyOne() {
        Map<String, NodeStatus> all = new HashMap<>();
        all.put("n1", status("n1", true, NOW));
        all.put("n2", status("n2", true, NOW + 300));
        all.put("n3", status("n3", true, NOW + 100));

        Replanner.Outcome outcome = planner().onStatuses(all, null);

        assertThat(outcome.verdict()).isEqualTo(Replanner.Verdict.PLANNED);
        assertThat(outcome.state().lastPlanMicros()).isEqualTo((NOW + 300) * 1_000);
        assertThat(outcome.state().firstReportMicros()).isEqualTo(NOW * 1_000);
        assertThat(outcome.state().assignment()).containsOnlyKeys("t1", "t2");
    }

    @Test
    void whileANodeHasNotReportedTheFirstPlanWaitsThenANewerStatusInsideTheIntervalIsNotDue() {
        StatusPlanner planner = planner();
        Map<String, NodeStatus> all = new HashMap<>();
        all.put("n1", status("n1", true, NOW));
        all.put("n2", status("n2", true, NOW));
        Replanner.Outcome first = planner.onStatuses(all, null);
        assertThat(first.verdict()).isEqualTo(Replanner.Verdict.STARTING);

        all.put("n3", status("n3", true, NOW + 10));
        Replanner.Outcome second = planner.onStatuses(all, first.state());
        assertThat(second.verdict())
                .as("n3 is heard: a health change")
                .isEqualTo(Replanner.Verdict.PLANNED);

        all.put("n3", status("n3", true, NOW + 20));
        assertThat(planner.onStatuses(all, second.state()).verdict())
                .isEqualTo(Replanner.Verdict.NOT_DUE);
    }

    /**
     * Nodes that report before their sidecars answer (unhealthy) do not start the start-up wait: it
     * runs from the first ready node's report, so a node that becomes ready a few seconds later is
     * still waited for (the testbed's CPU-capped TaskManagers: ten seconds from their first report
     * to their first sidecar poll).
     */
    @Test
    void theStartUpWaitRunsFromTheFirstReportOfANodeReadyToServe() {
        StatusPlanner planner = planner();
        Map<String, NodeStatus> all = new HashMap<>();
        all.put("n1", status("n1", false, NOW));
        all.put("n2", status("n2", false, NOW));
        all.put("n3", status("n3", false, NOW));
        Replanner.Outcome unready = planner.onStatuses(all, null);

        all.put("n3", status("n3", true, NOW + 8_000)); // past the 5 s wait from NOW
        Replanner.Outcome oneReady = planner.onStatuses(all, unready.state());
        all.put("n1", status("n1", true, NOW + 9_000));
        all.put("n2", status("n2", true, NOW + 9_000));
        Replanner.Outcome allReady = planner.onStatuses(all, oneReady.state());

        assertThat(unready.verdict()).isEqualTo(Replanner.Verdict.STARTING);
        assertThat(oneReady.verdict()).isEqualTo(Replanner.Verdict.STARTING);
        assertThat(oneReady.state().firstReportMicros()).isEqualTo((NOW + 8_000) * 1_000);
        assertThat(allReady.verdict()).isEqualTo(Replanner.Verdict.PLANNED);
    }

    @Test
    void aStoredAssignmentIsCompletedWithEachMissingTaskOnItsOrigin() {
        assertThat(planner().withOrigins(Map.of("t1", "n3")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("t1", "n3", "t2", "n2"));
        assertThat(planner().withOrigins(Map.of()))
                .containsExactlyInAnyOrderEntriesOf(Map.of("t1", "n1", "t2", "n2"));
    }

    /**
     * The log line behind a move: a task leaving n1 for n3 (alike nodes) takes its pressure with
     * it, and every node's one-frame latency is named.
     */
    @Test
    void theExplanationOfAMoveShowsThePressureMovingWithTheTask() {
        StatusPlanner planner = planner();
        Map<String, NodeStatus> all = new HashMap<>();
        for (String n : new String[] {"n1", "n2", "n3"}) {
            all.put(n, status(n, true, NOW));
        }
        planner.onStatuses(all, null);

        String text =
                planner.explain(Map.of("t1", "n1", "t2", "n2"), Map.of("t1", "n3", "t2", "n2"));

        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile(
                                "n1 pressure (\\d+\\.\\d\\d) -> 0\\.00 \\[m \\d+\\.\\d ms\\]; "
                                        + "n2 pressure (\\d+\\.\\d\\d) -> \\2 \\[m \\d+\\.\\d ms\\]; "
                                        + "n3 pressure 0\\.00 -> \\1 \\[m \\d+\\.\\d ms\\]")
                        .matcher(text);
        assertThat(m.matches()).as(text).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isPositive();
    }

    /**
     * A node that says it cannot keep up: the plan's move off it is made with that plan, not a
     * re-plan interval later, and the explanation marks the node.
     */
    @Test
    void aMoveOffANodeThatSaysItIsOverloadedIsMadeWithThePlanThatWantsIt() {
        StatusPlanner planner =
                new StatusPlanner(
                        DispatchFunctionTest.CATALOG.parse(),
                        DispatchPolicies.byName("coedge"),
                        new Replanner.Settings(1_000_000, 3_000_000, 5_000_000, true),
                        5_000);
        Map<String, NodeStatus> all = new HashMap<>();
        for (String n : new String[] {"n1", "n2", "n3"}) {
            all.put(n, status(n, true, NOW));
        }
        Replanner.Outcome first = planner.onStatuses(all, null);
        // t1 (20 fps) on n1 now takes 60 ms a frame: n1 cannot meet its deadlines with it.
        all.put("n1", slow("n1", NOW + 2_000, false));
        Replanner.Outcome keepingUp = planner.onStatuses(all, first.state());
        all.put("n1", slow("n1", NOW + 2_000, true));
        Replanner.Outcome overloaded = planner.onStatuses(all, first.state());

        assertThat(first.state().assignment()).containsEntry("t1", "n1");
        assertThat(keepingUp.moves()).isEmpty();
        assertThat(keepingUp.awaitingConfirmation())
                .extracting(Replanner.Move::task)
                .containsExactly("t1");
        assertThat(overloaded.moves()).extracting(Replanner.Move::task).containsExactly("t1");
        assertThat(planner.explain(first.state().assignment(), overloaded.state().assignment()))
                .contains("n1 (overloaded) pressure");
    }

    private static NodeStatus slow(String node, long ts, boolean overloaded) {
        return new NodeStatus(
                        node,
                        0,
                        0,
                        ts,
                        true,
                        "",
                        "cpu",
                        Map.of(
                                "m",
                                new NodeStatus.ModelStatus(
                                        new int[] {1, 2, 4, 8},
                                        new long[] {60_000, 120_000, 240_000, 480_000},
                                        0)),
                        0,
                        0.9)
                .withOverloaded(overloaded);
    }
}
