package io.coedge.scheduler.dispatch;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.LinkLoad;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * When to re-plan and which of a new plan's moves to carry out: the rules around a {@link
 * DispatchPolicy} that keep live profile noise from making tasks flap between nodes. The Flink
 * dispatcher and the simulator both call it, so both follow the very same rules:
 *
 * <ul>
 *   <li>A plan is due when none has run yet, when {@link Settings#replanIntervalMicros} has passed
 *       since the last one, or at once when any node's health changed (hearing from a node for the
 *       first time counts as a change), or when a link changed (its bandwidth or latency: every
 *       transfer time the plan rests on).
 *   <li>At start-up, while some node has not reported yet, or reported but is not healthy yet (a
 *       node's first statuses can come before its sidecar's profiles), and the first report (the
 *       Flink dispatcher hands in the first report of a ready node) is younger than {@link
 *       Settings#startupWaitMicros}, the previous plan (or every task on its origin) stays (a plan
 *       is due again as soon as the wait runs out, whether or not that node ever becomes ready): a
 *       node not ready yet is not a failed node, and planning without it would move its tasks away,
 *       and pile them on the nodes that are ready, only to bring them back a moment later. Once the
 *       policy has planned, an unhealthy node is a failed one. With no healthy node the previous
 *       plan stays too.
 *   <li>When the policy throws, the previous plan stays ({@link Verdict#POLICY_FAILED}).
 *   <li>A task that moved less than {@link Settings#dwellMicros} ago stays where it is, unless the
 *       node it is on is unhealthy or the link from its origin to that node now carries more than
 *       its bandwidth (a drop measured after the move): its frames would queue there without end.
 *       Measurements of two links may land in different plans, so a task can move onto a link whose
 *       drop is not known yet; the dwell must not hold it there.
 *   <li>With {@link Settings#confirmMoves} (the default), a move is carried out only when the plans
 *       have wanted the very same move for at least {@link Settings#replanIntervalMicros} (plans
 *       due to events come sooner than that), or a move of any task from the same node to the same
 *       node, neither going home (a relief whose task the profiles' noise picks): a node's profiles
 *       may spike for a few seconds (a job's first seconds on a shared CPU: yolo-small's typical
 *       single frame on the testbed's node1 went from 50 to 858 ms and back within five seconds),
 *       and a move made on a spike is undone a dwell later. Moves off an unhealthy node or off a
 *       link past its capacity are made at once, and so is the policy's first plan (the origins it
 *       starts from were no plan's choice). So is a move off a node that reports it cannot keep up
 *       ({@code overloaded}: its engine finds a steady share of the frames it receives hopeless on
 *       arrival, {@link io.coedge.scheduler.node.NodeEngine#overloaded()}): its misses are
 *       observed, not a profile's spike, and on the testbed the plans' pressure of such a node
 *       flickers across 1 from one plan to the next, so the same move was seldom wanted twice in a
 *       row while the node missed a fifth of its frames for 20 s.
 *   <li>A task the plan leaves out (no healthy node serves its model) stays on its origin.
 * </ul>
 *
 * <p>A pure function of (state, inputs, now): it reads no clock and keeps no mutable state; the
 * caller stores the returned {@link State} and hands it back on the next call. Time is epoch
 * microseconds (see {@link io.coedge.scheduler.model.Clock}).
 */
public final class Replanner {

    private final DispatchPolicy policy;
    private final Settings settings;

    public Replanner(DispatchPolicy policy, Settings settings) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public DispatchPolicy policy() {
        return policy;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * @param replanIntervalMicros re-plan at most this often, unless a node's health changes
     * @param dwellMicros a task that moved stays at least this long, unless its node becomes
     *     unhealthy
     * @param startupWaitMicros the first plan waits at most this long after the first report for
     *     every node to report
     */
    public record Settings(
            long replanIntervalMicros,
            long dwellMicros,
            long startupWaitMicros,
            boolean confirmMoves)
            implements Serializable {

        /** Without confirmation: every move a plan wants is carried out at once (dwell aside). */
        public Settings(long replanIntervalMicros, long dwellMicros, long startupWaitMicros) {
            this(replanIntervalMicros, dwellMicros, startupWaitMicros, false);
        }

        public Settings {
            if (replanIntervalMicros < 0 || dwellMicros < 0 || startupWaitMicros < 0) {
                throw new IllegalArgumentException(
                        "re-plan interval, dwell and start-up wait must not be negative, were "
                                + replanIntervalMicros
                                + ", "
                                + dwellMicros
                                + " and "
                                + startupWaitMicros
                                + " µs");
            }
        }

        /**
         * Re-plan at most every 5 s, a moved task stays 15 s, the first plan waits at most 5 s for
         * everyone, a move waits until the plans have wanted it for an interval.
         */
        public static Settings defaults() {
            return new Settings(5_000_000, 15_000_000, 5_000_000, true);
        }

        public Settings withStartupWaitMicros(long micros) {
            return new Settings(replanIntervalMicros, dwellMicros, micros, confirmMoves);
        }
    }

    /**
     * What the re-planner remembers between calls. Immutable; the caller stores it as one value.
     *
     * @param assignment task id -> node in force (empty before the first plan)
     * @param movedAtMicros task id -> when the task last moved
     * @param lastPlanMicros when the last plan was due (meaningless while {@code planned} is false)
     * @param healthSignature the nodes' health (and how many had reported) at the last plan
     * @param planned whether a plan has been due at all yet
     * @param firstReportMicros the earliest report time ever handed in ({@link Long#MAX_VALUE}
     *     before any): the start-up wait runs from it
     * @param wanted task id -> the node the last plan wanted it on but did not move it to, and
     *     since when the plans have wanted it there, awaiting confirmation ({@link
     *     Settings#confirmMoves})
     * @param policyPlanned whether the policy has planned yet (before, tasks sit on their origins
     *     by default, and its first plan's moves are made at once)
     */
    public record State(
            Map<String, String> assignment,
            Map<String, Long> movedAtMicros,
            long lastPlanMicros,
            long healthSignature,
            boolean planned,
            long firstReportMicros,
            Map<String, Wanted> wanted,
            boolean policyPlanned) {

        public State {
            assignment = Map.copyOf(assignment);
            movedAtMicros = Map.copyOf(movedAtMicros);
            wanted = wanted == null ? Map.of() : Map.copyOf(wanted);
        }

        public static State initial() {
            return new State(Map.of(), Map.of(), 0, 0, false, Long.MAX_VALUE, Map.of(), false);
        }
    }

    /** A move the plans want but have not made yet: the node, and since when they want it. */
    public record Wanted(String node, long sinceMicros) implements Serializable {
        public Wanted {
            Objects.requireNonNull(node, "node");
        }
    }

    /** A task leaving one node for another. */
    public record Move(String task, String from, String to) {}

    /** How a call ended. */
    public enum Verdict {
        /** No plan was due: the state is returned unchanged. */
        NOT_DUE,
        /**
         * Due, but not every node has reported and the first report is younger than the start-up
         * wait: the previous plan stays.
         */
        STARTING,
        /** Due, but no node is healthy: the previous plan stays. */
        NO_HEALTHY_NODE,
        /** Due, but the policy threw ({@link Outcome#policyFailure}): the previous plan stays. */
        POLICY_FAILED,
        /** The policy planned; the moves it made and those dwell held back are in the outcome. */
        PLANNED
    }

    /**
     * @param state to store and pass to the next call
     * @param verdict whether a plan was due and what became of it
     * @param moves tasks that moved, by task id
     * @param heldByDwell moves the plan wanted that dwell held back, by task id
     * @param awaitingConfirmation moves the plan wanted but the plans have not wanted for an
     *     interval yet ({@link Settings#confirmMoves}), by task id
     * @param policyFailure what the policy threw, when the verdict is {@link
     *     Verdict#POLICY_FAILED}; else null
     */
    public record Outcome(
            State state,
            Verdict verdict,
            List<Move> moves,
            List<Move> heldByDwell,
            List<Move> awaitingConfirmation,
            RuntimeException policyFailure) {

        public Outcome {
            moves = List.copyOf(moves);
            heldByDwell = List.copyOf(heldByDwell);
            awaitingConfirmation = List.copyOf(awaitingConfirmation);
        }

        /** Whether the policy produced a new plan (it may still have moved nothing). */
        public boolean planned() {
            return verdict == Verdict.PLANNED;
        }
    }

    /**
     * Call whenever a node reports (or anything else the plan depends on may have changed).
     *
     * @param state what the previous call returned, or {@link State#initial()}
     * @param topology every node (healthy or not) and the tasks that can be planned now
     * @param originOfTask task id -> origin node, for every task, including those the topology
     *     leaves out
     * @param heardFrom nodes that have reported at least once
     * @param firstReportMicros when a report was first seen; the state keeps the earliest one ever
     *     handed in, so passing the current report's time is enough
     * @param nowMicros the current time
     */
    public Outcome onStatus(
            State state,
            Topology topology,
            Map<String, String> originOfTask,
            Set<String> heardFrom,
            long firstReportMicros,
            long nowMicros) {
        return onStatus(
                state, topology, originOfTask, heardFrom, firstReportMicros, nowMicros, Set.of());
    }

    /**
     * As {@link #onStatus(State, Topology, Map, Set, long, long)}, knowing which nodes report that
     * they cannot keep up: a move off one of those is made without waiting for confirmation.
     *
     * @param overloaded nodes whose engines report they cannot keep up with what they are sent
     */
    public Outcome onStatus(
            State state,
            Topology topology,
            Map<String, String> originOfTask,
            Set<String> heardFrom,
            long firstReportMicros,
            long nowMicros,
            Set<String> overloaded) {
        long health =
                (healthSignature(topology) * 31 + heardFrom.size()) * 31
                        + topology.links().hashCode();
        boolean due =
                !state.planned()
                        || nowMicros - state.lastPlanMicros() >= settings.replanIntervalMicros()
                        || health != state.healthSignature();
        // A move the plans have wanted for an interval is confirmed now, not at the next periodic
        // plan: a plan in between (a link's figure changed) put that an interval after itself.
        for (Wanted w : state.wanted().values()) {
            due |= nowMicros - w.sinceMicros() >= settings.replanIntervalMicros();
        }
        long firstReport = Math.min(state.firstReportMicros(), firstReportMicros);
        // The start-up wait just ran out after a plan inside it: plan now, not an interval later.
        due |=
                state.planned()
                        && state.lastPlanMicros() - firstReport <= settings.startupWaitMicros()
                        && nowMicros - firstReport > settings.startupWaitMicros();
        if (!due) {
            return new Outcome(
                    firstReport == state.firstReportMicros()
                            ? state
                            : new State(
                                    state.assignment(),
                                    state.movedAtMicros(),
                                    state.lastPlanMicros(),
                                    state.healthSignature(),
                                    state.planned(),
                                    firstReport,
                                    state.wanted(),
                                    state.policyPlanned()),
                    Verdict.NOT_DUE,
                    List.of(),
                    List.of(),
                    List.of(),
                    null);
        }
        // Before the policy's first plan, a node not ready yet (its first statuses may come before
        // its sidecar's profiles) is a node starting, not a failed one.
        boolean everyoneReady =
                topology.nodes().stream()
                        .allMatch(n -> heardFrom.contains(n.name()) && n.healthy());
        boolean starting =
                !state.policyPlanned()
                        && !everyoneReady
                        && nowMicros - firstReport <= settings.startupWaitMicros();
        boolean anyHealthy = topology.nodes().stream().anyMatch(NodeProfile::healthy);

        Map<String, String> after = new HashMap<>(state.assignment());
        RuntimeException failure = null;
        Verdict verdict;
        if (starting) {
            verdict = Verdict.STARTING;
        } else if (!anyHealthy) {
            verdict = Verdict.NO_HEALTHY_NODE;
        } else {
            try {
                after =
                        new HashMap<>(
                                policy.plan(
                                                topology,
                                                // The policy's first plan starts from nothing:
                                                // the origins the tasks sat on were no plan's.
                                                state.policyPlanned()
                                                        ? new Assignment(state.assignment())
                                                        : Assignment.EMPTY,
                                                awaited(state.wanted()))
                                        .nodeOfTask());
                verdict = Verdict.PLANNED;
            } catch (RuntimeException e) {
                failure = e;
                verdict = Verdict.POLICY_FAILED;
            }
        }
        originOfTask.forEach(after::putIfAbsent);

        Map<String, Long> movedAt = new HashMap<>(state.movedAtMicros());
        List<Move> moves = new ArrayList<>();
        List<Move> held = new ArrayList<>();
        List<Move> awaiting = new ArrayList<>();
        Map<String, Wanted> wanted = new HashMap<>();
        // A move needs the plans to have wanted it for an interval, unless it leaves an unhealthy
        // node, a node that cannot keep up or a link past its capacity, or the policy never
        // planned before.
        boolean confirm = settings.confirmMoves() && state.policyPlanned();
        Set<String> stuck = pastLinkCapacity(topology, state.assignment());
        for (Map.Entry<String, String> e : new TreeMap<>(after).entrySet()) {
            String task = e.getKey();
            String was = state.assignment().get(task);
            if (was == null || was.equals(e.getValue())) {
                continue; // not placed before (first plan): placing it is not a move
            }
            Move move = new Move(task, was, e.getValue());
            Long moved = movedAt.get(task);
            if (moved != null
                    && nowMicros - moved < settings.dwellMicros()
                    && healthy(topology, was)
                    && !stuck.contains(task)) {
                after.put(task, was); // still dwelling where it last moved to
                held.add(move);
            } else if (confirm
                    && healthy(topology, was)
                    && !stuck.contains(task)
                    && !overloaded.contains(was)) {
                Wanted before = state.wanted().get(task);
                long since =
                        before != null && before.node().equals(e.getValue())
                                ? before.sinceMicros()
                                : reliefWantedSince(state, originOfTask, move, nowMicros);
                if (nowMicros - since >= settings.replanIntervalMicros()) {
                    movedAt.put(task, nowMicros);
                    moves.add(move);
                } else {
                    after.put(task, was); // not wanted long enough: later plans must agree
                    wanted.put(task, new Wanted(e.getValue(), since));
                    awaiting.add(move);
                }
            } else {
                movedAt.put(task, nowMicros);
                moves.add(move);
            }
        }
        return new Outcome(
                new State(
                        after,
                        movedAt,
                        nowMicros,
                        health,
                        true,
                        firstReport,
                        wanted,
                        state.policyPlanned() || verdict == Verdict.PLANNED),
                verdict,
                moves,
                held,
                awaiting,
                failure);
    }

    /**
     * Since when the plans have wanted some task moved from {@code move}'s node to its destination,
     * neither of them going home: a relief of that node towards that one, whichever task it takes.
     * Two like tasks on an overloaded node (two YOLO-Small cameras) can be equally good to move,
     * and which one a plan names follows the profiles' noise: on the testbed the plans wanted YS2,
     * then YS3, then YS2 off node2 towards node3 for 40 s, and no move was ever confirmed while
     * node2 missed a fifth of its frames. {@code nowMicros} when there is no such want.
     */
    private static long reliefWantedSince(
            State state, Map<String, String> originOfTask, Move move, long nowMicros) {
        long since = nowMicros;
        if (move.to().equals(originOfTask.get(move.task()))) {
            return since;
        }
        for (Map.Entry<String, Wanted> w : state.wanted().entrySet()) {
            String other = w.getKey();
            if (!other.equals(move.task())
                    && w.getValue().node().equals(move.to())
                    && move.from().equals(state.assignment().get(other))
                    && !move.to().equals(originOfTask.get(other))) {
                since = Math.min(since, w.getValue().sinceMicros());
            }
        }
        return since;
    }

    /** Task id -> the node the plans have wanted it on and not moved it to yet. */
    private static Map<String, String> awaited(Map<String, Wanted> wanted) {
        Map<String, String> out = new HashMap<>();
        wanted.forEach((task, w) -> out.put(task, w.node()));
        return out;
    }

    /** Which nodes are healthy, and how many nodes there are. */
    static long healthSignature(Topology topology) {
        long signature = 0;
        for (int i = 0; i < topology.nodes().size(); i++) {
            if (topology.nodes().get(i).healthy()) {
                signature |= 1L << (i % 64);
            }
        }
        return signature * 31 + topology.nodes().size();
    }

    /**
     * Tasks placed off their origin on a link whose offloaded frames (every task placed across it,
     * at its frame rate and input size) exceed the link's bandwidth. Links that share one uplink
     * ({@code Link.sharedAs}) are summed as one, as the dispatch policy's plan sums them: two tasks
     * that each fit a shared WAN uplink alone may together overfill it.
     */
    static Set<String> pastLinkCapacity(Topology topology, Map<String, String> assignment) {
        LinkLoad load = new LinkLoad(topology);
        Map<String, int[]> paths = new HashMap<>();
        for (Task t : topology.tasks()) {
            int[] path = LinkLoad.path(topology, t, assignment.get(t.id()));
            if (path != null) {
                load.add(path[0], path[1], LinkLoad.bitsPerSecond(t));
                paths.put(t.id(), path);
            }
        }
        Set<String> stuck = new java.util.HashSet<>();
        paths.forEach(
                (task, path) -> {
                    if (!load.fits(path[0], path[1], 0, 1.0)) {
                        stuck.add(task);
                    }
                });
        return stuck;
    }

    /** A node the topology does not know is not healthy: nothing holds a task there. */
    private static boolean healthy(Topology topology, String node) {
        return topology.nodes().stream().anyMatch(n -> n.name().equals(node) && n.healthy());
    }
}
