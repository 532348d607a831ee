package io.coedge.scheduler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.scheduler.dispatch.Replanner.Move;
import io.coedge.scheduler.dispatch.Replanner.Outcome;
import io.coedge.scheduler.dispatch.Replanner.Settings;
import io.coedge.scheduler.dispatch.Replanner.State;
import io.coedge.scheduler.dispatch.Replanner.Verdict;
import io.coedge.scheduler.dispatch.Replanner.Wanted;
import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.Model;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import io.coedge.scheduler.testutils.TalkExample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ReplannerTest {

    private static final long T0 = 1_000_000_000L;
    private static final Settings SETTINGS = new Settings(1_000_000, 3_000_000, 5_000_000);
    private static final Model M = new Model("m");
    private static final Set<String> EVERYONE = Set.of("n1", "n2", "n3");

    /** t1 and t2 start on n1, t3 on n2. */
    private static final Map<String, String> ORIGINS = Map.of("t1", "n1", "t2", "n1", "t3", "n2");

    /** n1, n2, n3 run model m; those named are unhealthy. */
    private static Topology topology(String... unhealthy) {
        return topology(100_000_000, unhealthy);
    }

    /** As {@link #topology(String...)}, every link of this bandwidth. */
    private static Topology topology(long linkBps, String... unhealthy) {
        LatencyProfile p = LatencyProfile.ofMillisPowersOfTwo(5, 8, 12);
        List<NodeProfile> nodes = new ArrayList<>();
        for (String n : List.of("n1", "n2", "n3")) {
            nodes.add(
                    NodeProfile.healthy(n, Map.of(M, p))
                            .withHealthy(!List.of(unhealthy).contains(n)));
        }
        List<Link> links = new ArrayList<>();
        for (String a : List.of("n1", "n2", "n3")) {
            for (String b : List.of("n1", "n2", "n3")) {
                if (!a.equals(b)) {
                    links.add(new Link(a, b, linkBps, 1_000));
                }
            }
        }
        List<Task> tasks = new ArrayList<>();
        ORIGINS.forEach(
                (id, origin) -> tasks.add(new Task(id, M, origin, 1, 10, 200_000, 10 * 1024)));
        return new Topology(nodes, links, tasks);
    }

    /** A policy that returns whatever the test says, and counts its calls. */
    private static final class Scripted implements DispatchPolicy {
        Function<Topology, Map<String, String>> next = t -> ORIGINS;
        int calls;
        Assignment lastPrevious;
        Map<String, String> lastAwaited;

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public Assignment plan(Topology topology, Assignment previous) {
            calls++;
            lastPrevious = previous;
            return new Assignment(next.apply(topology));
        }

        @Override
        public Assignment plan(
                Topology topology, Assignment previous, Map<String, String> awaited) {
            lastAwaited = awaited;
            return plan(topology, previous);
        }

        void willPlace(Map<String, String> plan) {
            next = t -> plan;
        }
    }

    private final Scripted policy = new Scripted();
    private final Replanner replanner = new Replanner(policy, SETTINGS);

    private Outcome step(State state, Topology topology, long now) {
        return step(replanner, state, topology, now);
    }

    private static Outcome step(Replanner r, State state, Topology topology, long now) {
        return r.onStatus(state, topology, ORIGINS, EVERYONE, T0, now);
    }

    /** Everyone has reported and the origins are planned at T0. */
    private State plannedAtStart() {
        return plannedAtStart(replanner);
    }

    private static State plannedAtStart(Replanner r) {
        Outcome first = step(r, State.initial(), topology(), T0);
        assertThat(first.verdict()).isEqualTo(Verdict.PLANNED);
        return first.state();
    }

    /** Planned at T0, then t1 moved from n1 to n2 at {@code at}. */
    private State t1MovedToN2At(long at) {
        State start = plannedAtStart();
        policy.willPlace(with("t1", "n2"));
        Outcome moved = step(start, topology(), at);
        assertThat(moved.moves()).containsExactly(new Move("t1", "n1", "n2"));
        return moved.state();
    }

    private static Map<String, String> with(String task, String node) {
        Map<String, String> plan = new HashMap<>(ORIGINS);
        plan.put(task, node);
        return plan;
    }

    @Test
    void theFirstPlanRunsAtOnceAndPlacingTasksIsNotAMove() {
        policy.willPlace(with("t1", "n3"));

        Outcome first = step(State.initial(), topology(), T0);

        assertThat(first.planned()).isTrue();
        assertThat(policy.lastPrevious).isEqualTo(Assignment.EMPTY);
        assertThat(first.state().assignment()).isEqualTo(with("t1", "n3"));
        assertThat(first.moves()).isEmpty();
        assertThat(first.state().movedAtMicros()).isEmpty();
        assertThat(first.state().planned()).isTrue();
        assertThat(first.state().lastPlanMicros()).isEqualTo(T0);
    }

    @Test
    void plansAreRateLimitedToTheInterval() {
        State state = plannedAtStart();
        policy.willPlace(with("t1", "n2"));

        Outcome early = step(state, topology(), T0 + SETTINGS.replanIntervalMicros() - 1);
        Outcome due = step(early.state(), topology(), T0 + SETTINGS.replanIntervalMicros());

        assertThat(early.verdict()).isEqualTo(Verdict.NOT_DUE);
        assertThat(early.state()).isSameAs(state);
        assertThat(early.moves()).isEmpty();
        assertThat(policy.calls)
                .as("the policy ran for the first plan and the due one only")
                .isEqualTo(2);
        assertThat(due.planned()).isTrue();
        assertThat(due.moves()).containsExactly(new Move("t1", "n1", "n2"));
        assertThat(due.state().assignment()).containsEntry("t1", "n2");
        assertThat(due.state().movedAtMicros())
                .containsEntry("t1", T0 + SETTINGS.replanIntervalMicros());
    }

    @Test
    void aHealthChangeReplansAtOnce() {
        State state = plannedAtStart();
        policy.next =
                t ->
                        t.nodes().get(0).healthy()
                                ? ORIGINS
                                : Map.of("t1", "n2", "t2", "n3", "t3", "n2");

        Outcome outcome = step(state, topology("n1"), T0 + 1);

        assertThat(outcome.planned()).isTrue();
        assertThat(outcome.moves())
                .containsExactly(new Move("t1", "n1", "n2"), new Move("t2", "n1", "n3"));
        assertThat(outcome.state().assignment())
                .isEqualTo(Map.of("t1", "n2", "t2", "n3", "t3", "n2"));
    }

    @Test
    void hearingFromANodeForTheFirstTimeReplansAtOnce() {
        Replanner noWait = new Replanner(policy, new Settings(1_000_000, 3_000_000, 0));
        State state =
                noWait.onStatus(
                                State.initial(),
                                topology(),
                                ORIGINS,
                                Set.of("n1", "n2"),
                                T0,
                                T0 + 1)
                        .state();
        int calls = policy.calls;

        Outcome again = noWait.onStatus(state, topology(), ORIGINS, Set.of("n1", "n2"), T0, T0 + 2);
        Outcome heard = noWait.onStatus(state, topology(), ORIGINS, EVERYONE, T0, T0 + 2);

        assertThat(again.verdict()).isEqualTo(Verdict.NOT_DUE);
        assertThat(heard.planned()).isTrue();
        assertThat(policy.calls).isEqualTo(calls + 1);
    }

    @Test
    void aMovedTaskDwellsAndMovesOnceTheDwellHasPassed() {
        long movedAt = T0 + SETTINGS.replanIntervalMicros();
        State moved = t1MovedToN2At(movedAt);
        policy.willPlace(ORIGINS);

        Outcome dwelling = step(moved, topology(), movedAt + SETTINGS.replanIntervalMicros());
        Outcome released = step(dwelling.state(), topology(), movedAt + SETTINGS.dwellMicros());

        assertThat(step(moved, topology(), movedAt + SETTINGS.dwellMicros() - 1).heldByDwell())
                .as("one microsecond before the dwell ends")
                .hasSize(1);
        assertThat(dwelling.planned()).isTrue();
        assertThat(dwelling.moves()).isEmpty();
        assertThat(dwelling.heldByDwell()).containsExactly(new Move("t1", "n2", "n1"));
        assertThat(dwelling.state().assignment()).containsEntry("t1", "n2");
        assertThat(dwelling.state().movedAtMicros()).containsEntry("t1", movedAt);
        assertThat(released.moves()).containsExactly(new Move("t1", "n2", "n1"));
        assertThat(released.heldByDwell()).isEmpty();
        assertThat(released.state().assignment()).isEqualTo(ORIGINS);
    }

    @Test
    void aTaskOnAnUnhealthyNodeLeavesAtOnceDespiteItsDwell() {
        long movedAt = T0 + SETTINGS.replanIntervalMicros();
        State moved = t1MovedToN2At(movedAt);
        policy.willPlace(with("t1", "n3"));

        Outcome outcome = step(moved, topology("n2"), movedAt + 1);

        assertThat(outcome.moves()).containsExactly(new Move("t1", "n2", "n3"));
        assertThat(outcome.heldByDwell()).isEmpty();
        assertThat(outcome.state().assignment()).containsEntry("t1", "n3");
        assertThat(outcome.state().movedAtMicros()).containsEntry("t1", movedAt + 1);
    }

    /**
     * t1 ships 10 fps x 10 KiB = 819 kbit/s. Moved to n2 over 100 Mbit/s, it dwells there; when the
     * link drops to 500 kbit/s its frames no longer fit, and the dwell does not hold it.
     */
    @Test
    void aTaskWhoseLinkDropsBelowItsFramesLeavesDespiteItsDwell() {
        long movedAt = T0 + SETTINGS.replanIntervalMicros();
        State moved = t1MovedToN2At(movedAt);
        policy.willPlace(ORIGINS);

        Outcome fast =
                step(moved, topology(100_000_000), movedAt + SETTINGS.replanIntervalMicros());
        Outcome dropped = step(moved, topology(500_000), movedAt + 1);

        assertThat(fast.heldByDwell()).containsExactly(new Move("t1", "n2", "n1"));
        assertThat(dropped.moves()).containsExactly(new Move("t1", "n2", "n1"));
        assertThat(dropped.heldByDwell()).isEmpty();
        assertThat(Replanner.pastLinkCapacity(topology(500_000), with("t1", "n2")))
                .containsExactly("t1");
        assertThat(Replanner.pastLinkCapacity(topology(1_000_000), with("t1", "n2"))).isEmpty();
    }

    /**
     * t1 (from n1) and t3 (from n2), 819 kbit/s each, both offloaded to n3 over links that share
     * one 1.2 Mbit/s uplink into n3: each fits alone, together they do not, so neither is held by
     * its dwell; over two links of their own they both fit.
     */
    @Test
    void tasksThatTogetherOverfillASharedUplinkAreNotHeldByTheirDwell() {
        Topology own = topology(1_200_000);
        List<Link> shared = new ArrayList<>();
        for (Link l : own.links()) {
            shared.add(
                    l.to().equals("n3")
                            ? new Link(l.from(), l.to(), 1_200_000, 1_000, "uplink-n3")
                            : l);
        }
        Topology sharing = new Topology(own.nodes(), shared, own.tasks());
        Map<String, String> both = new HashMap<>(with("t1", "n3"));
        both.put("t3", "n3");
        long movedAt = T0 + SETTINGS.replanIntervalMicros();
        State start = plannedAtStart();
        policy.willPlace(both);
        State moved = step(start, own, movedAt).state();
        assertThat(moved.assignment()).isEqualTo(both);
        policy.willPlace(ORIGINS);

        Outcome overfilled = step(moved, sharing, movedAt + 1);
        // Unchanged links plan again only at the next interval, still within the dwell.
        Outcome fitting = step(moved, own, movedAt + SETTINGS.replanIntervalMicros());

        assertThat(overfilled.moves())
                .containsExactlyInAnyOrder(new Move("t1", "n3", "n1"), new Move("t3", "n3", "n2"));
        assertThat(overfilled.heldByDwell()).isEmpty();
        assertThat(fitting.moves()).isEmpty();
        assertThat(fitting.heldByDwell()).hasSize(2);
        assertThat(Replanner.pastLinkCapacity(sharing, both)).containsExactlyInAnyOrder("t1", "t3");
        assertThat(Replanner.pastLinkCapacity(sharing, with("t1", "n3"))).isEmpty();
    }

    @Test
    void aNodeThatNeverReportsHoldsTheFirstPlanBackOnlyForTheStartUpWait() {
        Set<String> two = Set.of("n1", "n2");
        policy.willPlace(with("t1", "n3"));
        State state = State.initial();
        Outcome last = null;
        // The nodes heard from report every second, each call handing in that report's time.
        for (long t = T0; t <= T0 + SETTINGS.startupWaitMicros() + 1_000_000; t += 1_000_000) {
            last = replanner.onStatus(state, topology("n3"), ORIGINS, two, t, t);
            state = last.state();
        }

        assertThat(state.firstReportMicros()).isEqualTo(T0);
        assertThat(last.verdict()).isEqualTo(Verdict.PLANNED);
    }

    @Test
    void atStartUpThePlanWaitsForEveryNodeOrForTheStartUpWait() {
        Set<String> two = Set.of("n1", "n2");
        policy.willPlace(with("t1", "n3"));

        Outcome waiting =
                replanner.onStatus(
                        State.initial(),
                        topology("n3"),
                        ORIGINS,
                        two,
                        T0,
                        T0 + SETTINGS.startupWaitMicros());
        Outcome timedOut =
                replanner.onStatus(
                        waiting.state(),
                        topology("n3"),
                        ORIGINS,
                        two,
                        T0,
                        T0 + SETTINGS.startupWaitMicros() + SETTINGS.replanIntervalMicros());
        Outcome everyone =
                replanner.onStatus(
                        waiting.state(),
                        topology(),
                        ORIGINS,
                        EVERYONE,
                        T0,
                        T0 + SETTINGS.startupWaitMicros());

        assertThat(waiting.verdict()).isEqualTo(Verdict.STARTING);
        assertThat(waiting.state().assignment()).as("every task on its origin").isEqualTo(ORIGINS);
        assertThat(waiting.state().planned()).isTrue();
        assertThat(timedOut.planned()).isTrue();
        assertThat(everyone.planned()).isTrue();
        assertThat(policy.calls).isEqualTo(2);
    }

    @Test
    void withNoHealthyNodeThePreviousPlanStays() {
        State state = t1MovedToN2At(T0 + SETTINGS.replanIntervalMicros());
        int calls = policy.calls;

        Outcome outcome =
                step(state, topology("n1", "n2", "n3"), T0 + SETTINGS.replanIntervalMicros() + 1);

        assertThat(outcome.verdict()).isEqualTo(Verdict.NO_HEALTHY_NODE);
        assertThat(outcome.state().assignment()).isEqualTo(state.assignment());
        assertThat(outcome.moves()).isEmpty();
        assertThat(policy.calls).isEqualTo(calls);
    }

    @Test
    void aPolicyThatThrowsKeepsThePreviousPlanAndSaysSo() {
        State state = t1MovedToN2At(T0 + SETTINGS.replanIntervalMicros());
        IllegalStateException boom = new IllegalStateException("boom");
        policy.next =
                t -> {
                    throw boom;
                };

        // past t1's dwell, so that nothing but the verdict keeps it on n2
        Outcome outcome =
                step(
                        state,
                        topology("n3"),
                        T0 + SETTINGS.replanIntervalMicros() + SETTINGS.dwellMicros());

        assertThat(outcome.verdict()).isEqualTo(Verdict.POLICY_FAILED);
        assertThat(outcome.planned()).isFalse();
        assertThat(outcome.policyFailure()).isSameAs(boom);
        assertThat(outcome.state().assignment()).isEqualTo(state.assignment());
        assertThat(outcome.moves()).isEmpty();
    }

    @Test
    void aTaskThePlanLeavesOutStaysOnItsOrigin() {
        State state = plannedAtStart();
        policy.willPlace(Map.of("t1", "n2", "t2", "n2"));

        Outcome outcome = step(state, topology(), T0 + SETTINGS.replanIntervalMicros());

        assertThat(outcome.state().assignment())
                .isEqualTo(Map.of("t1", "n2", "t2", "n2", "t3", "n2"));
    }

    @Test
    void replanningAnUnchangedTopologyMovesNothing() {
        Topology talk = TalkExample.topology(100);
        Map<String, String> origins = new HashMap<>();
        talk.tasks().forEach(t -> origins.put(t.id(), t.origin()));
        Set<String> all = Set.of("node1", "node2", "node3");
        Replanner coedge = new Replanner(CoEdgeDispatch.withDefaults(), SETTINGS);
        State state = coedge.onStatus(State.initial(), talk, origins, all, T0, T0).state();

        List<Move> moves = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            Outcome outcome =
                    coedge.onStatus(
                            state,
                            talk,
                            origins,
                            all,
                            T0,
                            T0 + i * SETTINGS.replanIntervalMicros());
            assertThat(outcome.planned()).isTrue();
            moves.addAll(outcome.moves());
            moves.addAll(outcome.heldByDwell());
            state = outcome.state();
        }

        assertThat(state.assignment()).as("the talk's plan offloads").isNotEqualTo(origins);
        assertThat(moves).isEmpty();
    }

    private final Replanner confirming =
            new Replanner(
                    policy,
                    new Settings(
                            SETTINGS.replanIntervalMicros(),
                            SETTINGS.dwellMicros(),
                            SETTINGS.startupWaitMicros(),
                            true));

    @Test
    void aPeriodicPlansMoveWaitsForTheNextPlanToWantItToo() {
        State start = plannedAtStart(confirming);
        long interval = SETTINGS.replanIntervalMicros();
        policy.willPlace(with("t1", "n2"));

        Outcome wanted = step(confirming, start, topology(), T0 + interval);
        Outcome confirmed = step(confirming, wanted.state(), topology(), T0 + 2 * interval);

        assertThat(wanted.planned()).isTrue();
        assertThat(wanted.moves()).isEmpty();
        assertThat(wanted.awaitingConfirmation()).containsExactly(new Move("t1", "n1", "n2"));
        assertThat(wanted.state().assignment()).isEqualTo(ORIGINS);
        assertThat(confirmed.moves()).containsExactly(new Move("t1", "n1", "n2"));
        assertThat(confirmed.awaitingConfirmation()).isEmpty();
        assertThat(confirmed.state().assignment()).isEqualTo(with("t1", "n2"));
        assertThat(confirmed.state().movedAtMicros()).containsEntry("t1", T0 + 2 * interval);
    }

    /**
     * Plans due to events come sooner than the interval: they do not confirm a move early. The
     * policy is told of the awaited move, so it can choose that node again between equals.
     */
    @Test
    void aMoveIsConfirmedOnlyAnIntervalAfterItWasFirstWantedAndThePolicyIsToldOfIt() {
        State start = plannedAtStart(confirming);
        long interval = SETTINGS.replanIntervalMicros();
        policy.willPlace(with("t1", "n2"));

        Outcome wanted = step(confirming, start, topology(), T0 + interval);
        assertThat(policy.lastAwaited).isEmpty();
        Outcome soon = step(confirming, wanted.state(), topology("n3"), T0 + interval + 1);
        assertThat(policy.lastAwaited).isEqualTo(Map.of("t1", "n2"));
        Outcome later = step(confirming, soon.state(), topology("n3"), T0 + 2 * interval + 1);

        assertThat(soon.planned()).as("n3's health changed: a plan is due").isTrue();
        assertThat(soon.moves()).isEmpty();
        assertThat(soon.state().wanted()).containsEntry("t1", new Wanted("n2", T0 + interval));
        assertThat(later.moves()).containsExactly(new Move("t1", "n1", "n2"));
    }

    /**
     * A plan due to an event in between does not postpone the confirmation: the first status an
     * interval after the move was first wanted plans, though the last plan is younger than that
     * (after a restore, a link's new figure re-planned 3.3 s into the wait and the move came 8.4 s
     * after it was first wanted, not 5).
     */
    @Test
    void aWantedMoveIsConfirmedAnIntervalAfterItWasFirstWantedWhateverPlannedInBetween() {
        State start = plannedAtStart(confirming);
        long interval = SETTINGS.replanIntervalMicros();
        policy.willPlace(with("t1", "n2"));

        Outcome wanted = step(confirming, start, topology(), T0 + interval);
        Outcome between = step(confirming, wanted.state(), topology("n3"), T0 + interval + 2);
        Outcome confirmed = step(confirming, between.state(), topology("n3"), T0 + 2 * interval);

        assertThat(between.planned()).isTrue();
        assertThat(between.moves()).isEmpty();
        assertThat(confirmed.planned())
                .as("an interval after the move was first wanted, one after the last plan not yet")
                .isTrue();
        assertThat(confirmed.moves()).containsExactly(new Move("t1", "n1", "n2"));
    }

    /**
     * Two like tasks on one node, and the plans name one, then the other, to move to the same node:
     * the relief of that node has been wanted since the first, and is made an interval later.
     */
    @Test
    void aReliefIsConfirmedWhicheverOfTwoLikeTasksThePlansName() {
        State start = plannedAtStart(confirming);
        long interval = SETTINGS.replanIntervalMicros();

        policy.willPlace(with("t1", "n2"));
        Outcome first = step(confirming, start, topology(), T0 + interval);
        policy.willPlace(with("t2", "n2"));
        Outcome other = step(confirming, first.state(), topology("n3"), T0 + interval + 2);
        Outcome confirmed = step(confirming, other.state(), topology("n3"), T0 + 2 * interval);

        assertThat(other.moves()).isEmpty();
        assertThat(other.state().wanted()).containsEntry("t2", new Wanted("n2", T0 + interval));
        assertThat(confirmed.moves()).containsExactly(new Move("t2", "n1", "n2"));
    }

    /** A task's way home does not count as another task's relief, nor the other way round. */
    @Test
    void aHomecomingAndAReliefDoNotConfirmEachOther() {
        long interval = SETTINGS.replanIntervalMicros();
        long movedAt = T0 + interval;
        State onN2 = t1MovedToN2At(movedAt);
        long later = movedAt + SETTINGS.dwellMicros();

        policy.willPlace(Map.of("t1", "n1", "t2", "n1", "t3", "n2"));
        Outcome home = step(confirming, onN2, topology(), later);
        policy.willPlace(Map.of("t1", "n2", "t2", "n1", "t3", "n1"));
        Outcome relief = step(confirming, home.state(), topology("n3"), later + 2);
        // A link's new figure makes a plan due an interval after the homecoming was first wanted.
        Outcome notYet =
                step(confirming, relief.state(), topology(50_000_000, "n3"), later + interval);

        assertThat(home.awaitingConfirmation()).containsExactly(new Move("t1", "n2", "n1"));
        assertThat(relief.state().wanted()).containsEntry("t3", new Wanted("n1", later + 2));
        assertThat(notYet.planned()).isTrue();
        assertThat(notYet.moves()).isEmpty();
        assertThat(notYet.awaitingConfirmation()).containsExactly(new Move("t3", "n2", "n1"));
    }

    /** Nothing awaited: a status between plans is not due. */
    @Test
    void withNoMoveAwaitedAStatusBetweenPlansIsNotDue() {
        State start = plannedAtStart(confirming);
        long interval = SETTINGS.replanIntervalMicros();
        Outcome planned = step(confirming, start, topology("n3"), T0 + interval / 2);
        Outcome between = step(confirming, planned.state(), topology("n3"), T0 + interval);

        assertThat(planned.planned()).isTrue();
        assertThat(between.planned()).isFalse();
    }

    /** A spike: one plan wants a move, the next does not; a later want starts over. */
    @Test
    void aMoveWantedByOnePlanOnlyIsNeverMade() {
        State start = plannedAtStart(confirming);
        long interval = SETTINGS.replanIntervalMicros();

        policy.willPlace(with("t1", "n2"));
        Outcome spike = step(confirming, start, topology(), T0 + interval);
        policy.willPlace(ORIGINS);
        Outcome calm = step(confirming, spike.state(), topology(), T0 + 2 * interval);
        policy.willPlace(with("t1", "n2"));
        Outcome again = step(confirming, calm.state(), topology(), T0 + 3 * interval);

        assertThat(spike.moves()).isEmpty();
        assertThat(calm.moves()).isEmpty();
        assertThat(calm.state().wanted()).isEmpty();
        assertThat(again.moves()).isEmpty();
        assertThat(again.awaitingConfirmation()).containsExactly(new Move("t1", "n1", "n2"));
    }

    @Test
    void aMoveOffAnUnhealthyNodeOrALinkPastItsCapacityIsMadeAtOnce() {
        State start = plannedAtStart(confirming);
        long interval = SETTINGS.replanIntervalMicros();
        policy.willPlace(with("t3", "n3"));
        Outcome unhealthy = step(confirming, start, topology("n2"), T0 + 1);

        policy.willPlace(with("t1", "n2"));
        Outcome wanted = step(confirming, start, topology(), T0 + interval);
        State onN2 = step(confirming, wanted.state(), topology(), T0 + 2 * interval).state();
        policy.willPlace(ORIGINS);
        Outcome dropped = step(confirming, onN2, topology(500_000), T0 + 2 * interval + 1);

        assertThat(unhealthy.moves()).containsExactly(new Move("t3", "n2", "n3"));
        assertThat(onN2.assignment()).containsEntry("t1", "n2");
        assertThat(dropped.moves()).containsExactly(new Move("t1", "n2", "n1"));
    }

    /**
     * A node whose engine reports it cannot keep up: the plan's move off it is made at once, while
     * the same plan's move off a node that keeps up (t3 off n2) still awaits confirmation, and a
     * move onto the overloaded node is no move off it.
     */
    @Test
    void aMoveOffANodeThatCannotKeepUpIsMadeAtOnceAndNoOtherMove() {
        State start = plannedAtStart(confirming);
        long interval = SETTINGS.replanIntervalMicros();
        Map<String, String> plan = new HashMap<>(ORIGINS);
        plan.put("t1", "n2");
        plan.put("t3", "n3");
        policy.willPlace(plan);

        Outcome keepingUp =
                confirming.onStatus(
                        start, topology(), ORIGINS, EVERYONE, T0, T0 + interval, Set.of());
        Outcome n1Overloaded =
                confirming.onStatus(
                        start, topology(), ORIGINS, EVERYONE, T0, T0 + interval, Set.of("n1"));
        policy.willPlace(with("t3", "n1"));
        Outcome ontoIt =
                confirming.onStatus(
                        start, topology(), ORIGINS, EVERYONE, T0, T0 + interval, Set.of("n1"));

        assertThat(keepingUp.moves()).isEmpty();
        assertThat(n1Overloaded.moves()).containsExactly(new Move("t1", "n1", "n2"));
        assertThat(n1Overloaded.awaitingConfirmation()).containsExactly(new Move("t3", "n2", "n3"));
        assertThat(n1Overloaded.state().assignment()).isEqualTo(with("t1", "n2"));
        assertThat(ontoIt.moves()).isEmpty();
        assertThat(ontoIt.awaitingConfirmation()).containsExactly(new Move("t3", "n2", "n1"));
    }

    /** The dwell still holds a task that just moved, even off a node that cannot keep up. */
    @Test
    void aNodeThatCannotKeepUpDoesNotCutTheDwellShort() {
        State moved = t1MovedToN2At(T0 + SETTINGS.replanIntervalMicros());
        policy.willPlace(with("t1", "n3"));

        Outcome held =
                replanner.onStatus(
                        moved,
                        topology(),
                        ORIGINS,
                        EVERYONE,
                        T0,
                        T0 + 2 * SETTINGS.replanIntervalMicros(),
                        Set.of("n2"));

        assertThat(held.moves()).isEmpty();
        assertThat(held.heldByDwell()).containsExactly(new Move("t1", "n2", "n3"));
    }

    /** A link change is an event, but a move it merely makes attractive is confirmed as any. */
    @Test
    void aMoveWantedAfterALinkChangeStillWaitsForTheNextPlan() {
        State start = plannedAtStart(confirming);
        policy.willPlace(with("t3", "n3"));

        Outcome slowerLinks = step(confirming, start, topology(5_000_000), T0 + 1);

        assertThat(slowerLinks.planned()).isTrue();
        assertThat(slowerLinks.moves()).isEmpty();
        assertThat(slowerLinks.awaitingConfirmation()).containsExactly(new Move("t3", "n2", "n3"));
    }

    /**
     * A node whose first statuses come before its profiles (healthy only once it has them) is still
     * starting: the first plan waits for it (on the testbed the first plan put both of edge-1's
     * tasks on edge-2, the only node ready at the time); once it is ready the plan runs at once.
     * After the first plan an unhealthy node is a failed node and planning goes on without it.
     */
    @Test
    void theFirstPlanWaitsForANodeHeardFromButNotReadyYet() {
        policy.willPlace(with("t1", "n3"));

        Outcome notReady = step(State.initial(), topology("n3"), T0 + 1_000_000);
        Outcome ready = step(notReady.state(), topology(), T0 + 1_500_000);
        Outcome failedLater = step(ready.state(), topology("n2"), T0 + 2_000_000);

        assertThat(notReady.verdict()).isEqualTo(Verdict.STARTING);
        assertThat(notReady.state().assignment()).isEqualTo(ORIGINS);
        assertThat(ready.verdict()).isEqualTo(Verdict.PLANNED);
        assertThat(ready.moves()).containsExactly(new Move("t1", "n1", "n3"));
        assertThat(failedLater.verdict()).isEqualTo(Verdict.PLANNED);
    }

    /**
     * Before the policy ever planned, tasks sit on their origins by default: its first plan acts,
     * and the policy is told it is its first (no previous plan: the origins were no plan's choice,
     * and CoEdge's first plan keeps its margin).
     */
    @Test
    void thePolicysFirstPlanAfterTheStartUpWaitMovesAtOnce() {
        Replanner waiting =
                new Replanner(policy, new Settings(1_000_000, 3_000_000, 5_000_000, true));
        policy.willPlace(with("t1", "n3"));
        Outcome starting =
                waiting.onStatus(State.initial(), topology(), ORIGINS, Set.of("n1", "n2"), T0, T0);

        Outcome first =
                waiting.onStatus(starting.state(), topology(), ORIGINS, EVERYONE, T0, T0 + 1);

        assertThat(starting.verdict()).isEqualTo(Verdict.STARTING);
        assertThat(starting.state().assignment()).isEqualTo(ORIGINS);
        assertThat(first.verdict()).isEqualTo(Verdict.PLANNED);
        assertThat(policy.lastPrevious).isEqualTo(Assignment.EMPTY);
        assertThat(first.moves()).containsExactly(new Move("t1", "n1", "n3"));
    }

    @Test
    void settingsMustNotBeNegativeAndStateIsACopy() {
        assertThatThrownBy(() -> new Settings(-1, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Settings(0, -1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Settings(0, 0, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Settings.defaults())
                .isEqualTo(new Settings(5_000_000, 15_000_000, 5_000_000, true));

        Map<String, String> assignment = new HashMap<>(ORIGINS);
        State state = new State(assignment, Map.of(), 0, 0, false, Long.MAX_VALUE, Map.of(), false);
        assignment.put("t1", "n3");

        assertThat(state.assignment()).isEqualTo(ORIGINS);
        assertThatThrownBy(() -> state.assignment().put("t1", "n3"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
