package io.coedge.scheduler.dispatch;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.LinkLoad;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CoEdge's global task dispatcher. See docs/SCHEDULING.md for the full description; in short:
 *
 * <ol>
 *   <li>Start from the previous plan (or from every task on its origin node for the first plan).
 *   <li>Homecoming: an offloaded task returns to its origin only if the origin can take it with a
 *       clear margin: its pressure stays at or below {@code 1 - hysteresis}, and it stays feasible
 *       with every rate {@code hysteresis} higher. Pressure is a ratio of latency to deadline, not
 *       a distance to saturation: near full utilisation the cycle's fixed point runs away, and a
 *       node at pressure 0.51 was overloaded with 18% more load (the testbed's node1 with YOLO-Big
 *       and a YOLO-Small, at 82% utilisation of its profile).
 *   <li>Link relief: a link loaded beyond its budget sheds its largest streams home or elsewhere,
 *       to a node that can take them, and failing that home even to an overloaded origin, where
 *       some frames still make it: near its capacity a link's queue, and every frame behind it,
 *       waits without bound.
 *   <li>Relief: while some node is overloaded (pressure &gt; 1: its deadlines cannot all be met),
 *       take its task groups (same origin, same model) cheapest-to-ship first and move, together,
 *       just enough of the cheapest group whose move relieves the node, to the reachable node where
 *       it fits best; if no node can take it, make room by displacing that node's own cheapest
 *       residents to other nodes; only then split the group. When no single group can relieve the
 *       node, move the cheapest group that can move at all and repeat.
 *   <li>Balance: a node still overloaded gives single tasks to the neighbour that minimises the
 *       larger of the two pressures.
 *   <li>Homecoming again; the whole round repeats from its own result until nothing moves.
 * </ol>
 *
 * <p>The first plan (no previous assignment) judges every node with every rate {@code hysteresis}
 * higher, and keeps that plan when it leaves every node feasible so: it is made from profiles the
 * nodes measured idle, before the job's first frame, while a new job's per-frame path is at its
 * slowest (its classes loaded anew, not yet compiled, on a CPU it shares with frame decoding). A
 * task then stays on its origin only where the origin has the margin a task coming home must find.
 * Where no plan is feasible with that margin the first plan is made as every later one.
 *
 * <p>The <em>pressure</em> of a node is the worst ratio, over its models, of the estimated latency
 * to the budget (deadline minus transfer time from the task's origin); a node is feasible when its
 * pressure is at most 1. The estimate is a batching cycle: the node serves each of its models once
 * per cycle with a batch holding the frames that arrived during one cycle, so the cycle length C is
 * the smallest fixed point of {@code C = sum_m latency_m(max(1, rate_m * C))} (fractional batch
 * sizes interpolated: the average of batches that vary around that size). A frame waits {@code
 * cycleWait} cycles (default half: the mean) and then runs in its batch; a batch once started runs
 * to its end, so a frame that arrives as another model's batch starts waits for all of it. Its
 * latency is estimated as {@code max(cycleWait * C, L_m) + latency_m(b_m)}, where {@code L_m} is
 * the longest batch of another model on the node: tight tasks stay away from long-running models.
 * This captures batching synergy: adding a task of a model the node already runs grows one batch
 * instead of adding a new batch to the cycle. When no fixed point exists within the largest
 * profiled batch the node is overloaded whatever the deadlines.
 */
public final class CoEdgeDispatch implements DispatchPolicy {

    public static final String NAME = "coedge";

    /** A balancing move must cut the overloaded node's pressure by at least this fraction. */
    private static final double BALANCE_GAIN = 0.01;

    private static final int MAX_ROUNDS = 6;

    /**
     * Destinations whose pressure with the moved task is within this fraction of the best one's
     * count as equally good: the task's origin among them, else the node earlier plans wanted it
     * on, else the one with the lowest pressure ({@code Planner.bestFit}).
     */
    static final double TIE_FRACTION = 0.1;

    private final double rateHeadroom;
    private final double hysteresis;
    private final double maxLinkUtilisation;
    private final int maxDisplacements;
    private final double cycleWait;

    /**
     * @param rateHeadroom frame rates are multiplied by this when sizing (jitter and bursts)
     * @param hysteresis an offloaded task goes home only if its origin's pressure stays at or below
     *     {@code 1 - hysteresis}
     * @param maxLinkUtilisation fraction of a link's bandwidth the plan may fill with shipped
     *     frames
     * @param maxDisplacements residents a destination may push away to make room for a group
     * @param cycleWait cycles a frame is estimated to wait before its batch starts (0.5: on average
     *     half a cycle; 1.0: the round-robin worst case)
     */
    public CoEdgeDispatch(
            double rateHeadroom,
            double hysteresis,
            double maxLinkUtilisation,
            int maxDisplacements,
            double cycleWait) {
        if (rateHeadroom < 1
                || hysteresis < 0
                || hysteresis >= 1
                || maxLinkUtilisation <= 0
                || maxLinkUtilisation > 1
                || maxDisplacements < 0
                || cycleWait < 0) {
            throw new IllegalArgumentException("invalid coedge dispatch parameters");
        }
        this.rateHeadroom = rateHeadroom;
        this.hysteresis = hysteresis;
        this.maxLinkUtilisation = maxLinkUtilisation;
        this.maxDisplacements = maxDisplacements;
        this.cycleWait = cycleWait;
    }

    public static CoEdgeDispatch withDefaults() {
        return new CoEdgeDispatch(1.1, 0.15, 0.9, 8, 0.5);
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Runs the phases (homecoming, relief, balance, homecoming) from {@code previous} and repeats
     * them from their own result until nothing moves (at most {@value #MAX_ROUNDS} rounds), so that
     * re-planning an unchanged topology moves nothing.
     */
    @Override
    public Assignment plan(Topology topology, Assignment previous) {
        return plan(topology, previous, Map.of());
    }

    /**
     * As {@link #plan(Topology, Assignment)}; between destinations within {@link #TIE_FRACTION} of
     * the best, a task's origin first, then the node {@code awaited} names for it.
     */
    @Override
    public Assignment plan(Topology topology, Assignment previous, Map<String, String> awaited) {
        if (previous.nodeOfTask().isEmpty()) {
            Assignment withMargin = rounds(topology, previous, awaited, 1 + hysteresis);
            Planner check = new Planner(topology, Map.of(), 1 + hysteresis);
            check.start(withMargin);
            if (check.feasibleEverywhere()) {
                return withMargin;
            }
        }
        return rounds(topology, previous, awaited, 1);
    }

    /**
     * The phases, repeated from their own result until nothing moves, with every node's pressure
     * judged at {@code scale} times the tasks' rates.
     */
    private Assignment rounds(
            Topology topology, Assignment previous, Map<String, String> awaited, double scale) {
        Assignment current = previous;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Planner p = new Planner(topology, awaited, scale);
            p.start(current);
            p.homecoming();
            p.relieveLinks();
            p.relieve();
            p.balance();
            p.homecoming();
            Assignment next = p.assignment();
            if (next.equals(current)) {
                return next;
            }
            current = next;
        }
        return current;
    }

    /** Pressure of each node under an assignment; exposed for reports and tests. */
    public double[] pressures(Topology topology, Assignment assignment) {
        Planner p = new Planner(topology, Map.of(), 1);
        p.start(assignment);
        double[] out = new double[topology.nodes().size()];
        for (int n = 0; n < out.length; n++) {
            out[n] = p.pressure(n, null, 0, null);
        }
        return out;
    }

    /** One planning run; all arrays indexed by dense node / task / model index. */
    private final class Planner {
        private final Topology topo;
        private final int nodes;
        private final int models;
        private final int[] origin;
        private final int[] model;
        private final double[] rate;
        private final long[] deadline;
        private final long[] bytes;
        private final int[] at;
        private final int[] awaitedAt;
        private final IntList[] tasksOn;
        private final double[] modelRate;
        private final LinkLoad linkUse;

        private final double[] pressureCache;
        private final boolean[] dirty;
        private final LatencyProfile[] eff;
        private final boolean[] healthy;
        private final boolean[] excluded;
        private final double[] scratchRate;
        private final long[] scratchBudget;
        private final double[] scratchBatch;
        private final double[] scratchRun;

        /**
         * A node's pressure is judged with every rate multiplied by this (links carry the rates as
         * they are): the first plan's margin.
         */
        private final double startScale;

        /** Rates are multiplied by this in {@link #pressure}: {@code startScale}, or above it. */
        private double rateScale;

        /**
         * @param startScale every task's rate is multiplied by this, on top of the rate headroom,
         *     when judging a node's pressure (the first plan's margin); links carry the rates as
         *     they are
         */
        Planner(Topology topo, Map<String, String> awaited, double startScale) {
            this.topo = topo;
            this.startScale = startScale;
            this.rateScale = startScale;
            this.nodes = topo.nodes().size();
            this.models = topo.models().size();
            int t = topo.tasks().size();
            awaitedAt = new int[t];
            for (int i = 0; i < t; i++) {
                String node = awaited.get(topo.tasks().get(i).id());
                Integer idx = node == null ? null : indexOrNull(node);
                awaitedAt[i] = idx == null ? -1 : idx;
            }
            origin = new int[t];
            model = new int[t];
            rate = new double[t];
            deadline = new long[t];
            bytes = new long[t];
            at = new int[t];
            for (int i = 0; i < t; i++) {
                Task task = topo.tasks().get(i);
                origin[i] = topo.nodeIndex(task.origin());
                model[i] = topo.modelIndex(task.model());
                rate[i] = task.frameRate() * rateHeadroom;
                deadline[i] = task.deadlineMicros();
                bytes[i] = task.inputBytes();
            }
            tasksOn = new IntList[nodes];
            for (int n = 0; n < nodes; n++) {
                tasksOn[n] = new IntList();
            }
            modelRate = new double[nodes * models];
            linkUse = new LinkLoad(topo);
            pressureCache = new double[nodes];
            dirty = new boolean[nodes];
            Arrays.fill(dirty, true);
            eff = new LatencyProfile[nodes * models];
            healthy = new boolean[nodes];
            for (int n = 0; n < nodes; n++) {
                NodeProfile np = topo.nodes().get(n);
                healthy[n] = np.healthy();
                for (int m = 0; m < models; m++) {
                    LatencyProfile e = np.effectiveProfile(topo.models().get(m));
                    eff[n * models + m] = e == null ? null : e.atMostSingles();
                }
            }
            excluded = new boolean[t];
            scratchRate = new double[models];
            scratchBudget = new long[models];
            scratchBatch = new double[models];
            scratchRun = new double[models];
        }

        boolean placeable(int t, int n) {
            return healthy[n]
                    && eff[n * models + model[t]] != null
                    && (n == origin[t] || topo.link(origin[t], n) != null);
        }

        long transfer(int t, int n) {
            return n == origin[t] ? 0 : topo.link(origin[t], n).transferMicros(bytes[t]);
        }

        void start(Assignment previous) {
            for (int t = 0; t < at.length; t++) {
                String prev = previous.nodeOf(topo.tasks().get(t).id());
                int n = origin[t];
                if (prev != null) {
                    Integer idx = indexOrNull(prev);
                    if (idx != null && placeable(t, idx)) {
                        n = idx;
                    }
                }
                place(t, n);
            }
        }

        private Integer indexOrNull(String node) {
            try {
                return topo.nodeIndex(node);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        void place(int t, int n) {
            at[t] = n;
            tasksOn[n].add(t);
            modelRate[n * models + model[t]] += rate[t];
            linkUse.add(origin[t], n, rate[t] * bytes[t] * 8.0);
            dirty[n] = true;
        }

        void unplace(int t) {
            int n = at[t];
            tasksOn[n].remove(t);
            modelRate[n * models + model[t]] -= rate[t];
            linkUse.remove(origin[t], n, rate[t] * bytes[t] * 8.0);
            dirty[n] = true;
        }

        void move(int t, int n) {
            unplace(t);
            place(t, n);
        }

        double cachedPressure(int n) {
            if (dirty[n]) {
                pressureCache[n] = pressure(n, null, 0, null);
                dirty[n] = false;
            }
            return pressureCache[n];
        }

        /**
         * Pressure of node n with its current tasks, minus those flagged in {@code excluded} when
         * {@code useExcluded} is non-null, plus {@code add[0..addLen)}.
         */
        double pressure(int n, int[] add, int addLen, boolean[] useExcluded) {
            Arrays.fill(scratchRate, 0);
            Arrays.fill(scratchBudget, Long.MAX_VALUE);
            IntList on = tasksOn[n];
            int count = 0;
            for (int i = 0; i < on.size; i++) {
                int t = on.data[i];
                if (useExcluded != null && useExcluded[t]) {
                    continue;
                }
                count++;
                scratchRate[model[t]] += rate[t] * rateScale;
                scratchBudget[model[t]] =
                        Math.min(scratchBudget[model[t]], deadline[t] - transfer(t, n));
            }
            for (int i = 0; i < addLen; i++) {
                int t = add[i];
                if (!placeable(t, n)) {
                    return Double.POSITIVE_INFINITY;
                }
                count++;
                scratchRate[model[t]] += rate[t] * rateScale;
                scratchBudget[model[t]] =
                        Math.min(scratchBudget[model[t]], deadline[t] - transfer(t, n));
            }
            if (count == 0) {
                return 0;
            }
            if (!healthy[n]) {
                return Double.POSITIVE_INFINITY;
            }
            double cycle = 0;
            for (int m = 0; m < models; m++) {
                if (scratchRate[m] > 0) {
                    if (eff[n * models + m] == null) {
                        return Double.POSITIVE_INFINITY;
                    }
                    cycle += eff[n * models + m].latencyMicros(1);
                }
            }
            boolean stable = false;
            for (int iter = 0; iter < 1000; iter++) {
                double next = 0;
                for (int m = 0; m < models; m++) {
                    if (scratchRate[m] > 0) {
                        LatencyProfile p = eff[n * models + m];
                        double b = Math.max(1.0, scratchRate[m] * cycle / 1e6);
                        if (b > p.maxBatch()) {
                            return overloaded(n);
                        }
                        scratchBatch[m] = b;
                        next += p.latencyMicros(b);
                    }
                }
                if (next - cycle <= 1.0) {
                    cycle = Math.max(cycle, next);
                    stable = true;
                    break;
                }
                cycle = next;
            }
            if (!stable) {
                return overloaded(n);
            }
            // A batch, once started, runs to its end: a frame of model m that arrives just as
            // another model's batch starts waits for all of it, however urgent it is.
            double longest = 0;
            double second = 0;
            for (int m = 0; m < models; m++) {
                if (scratchRate[m] > 0) {
                    double run = eff[n * models + m].latencyMicros(scratchBatch[m]);
                    scratchRun[m] = run;
                    if (run > longest) {
                        second = longest;
                        longest = run;
                    } else if (run > second) {
                        second = run;
                    }
                }
            }
            double worst = 0;
            for (int m = 0; m < models; m++) {
                if (scratchRate[m] > 0) {
                    long budget = scratchBudget[m];
                    double run = scratchRun[m];
                    double blocking = run == longest ? second : longest;
                    double need = Math.max(cycleWait * cycle, blocking) + run;
                    worst = Math.max(worst, budget <= 0 ? Double.POSITIVE_INFINITY : need / budget);
                }
            }
            return worst;
        }

        /**
         * Above every feasible pressure, growing with the utilisation the node would need at max
         * batch.
         */
        private double overloaded(int n) {
            double u = 0;
            for (int m = 0; m < models; m++) {
                if (scratchRate[m] > 0) {
                    LatencyProfile p = eff[n * models + m];
                    u += scratchRate[m] * p.latencyMicros(p.maxBatch()) / p.maxBatch() / 1e6;
                }
            }
            return 2.0 + u;
        }

        boolean linkAllows(int[] group, int len, int d) {
            double extra = 0;
            int o = origin[group[0]];
            if (d == o) {
                return true;
            }
            for (int i = 0; i < len; i++) {
                extra += rate[group[i]] * bytes[group[i]] * 8.0;
            }
            return linkUse.fits(o, d, extra, maxLinkUtilisation);
        }

        void homecoming() {
            int[] one = new int[1];
            for (int t = 0; t < at.length; t++) {
                if (at[t] != origin[t] && placeable(t, origin[t])) {
                    one[0] = t;
                    if (takesWithMargin(origin[t], one)) {
                        move(t, origin[t]);
                    }
                }
            }
        }

        /** Whether every node's pressure is at most 1. */
        boolean feasibleEverywhere() {
            for (int n = 0; n < nodes; n++) {
                if (cachedPressure(n) > 1) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Whether node n takes {@code add} with homecoming's margin: at pressure at most {@code 1 -
         * hysteresis}, and feasible with every rate on it {@code hysteresis} higher.
         */
        boolean takesWithMargin(int n, int[] add) {
            if (pressure(n, add, add.length, null) > 1 - hysteresis) {
                return false;
            }
            rateScale = startScale * (1 + hysteresis);
            try {
                return pressure(n, add, add.length, null) <= 1;
            } finally {
                rateScale = startScale;
            }
        }

        /**
         * A link whose bandwidth dropped may carry more than its budget: move its tasks, largest
         * bit rate first, home or to another node that can take them, until it fits.
         */
        void relieveLinks() {
            int[] one = new int[1];
            for (int o = 0; o < nodes; o++) {
                for (int d = 0; d < nodes; d++) {
                    Link l = o == d ? null : topo.link(o, d);
                    if (l == null || linkUse.fits(o, d, 0, maxLinkUtilisation * (1 + 1e-9))) {
                        continue;
                    }
                    IntList on = tasksOn[d];
                    List<Integer> shipped = new ArrayList<>();
                    for (int i = 0; i < on.size; i++) {
                        if (origin[on.data[i]] == o) {
                            shipped.add(on.data[i]);
                        }
                    }
                    shipped.sort(
                            (a, b) ->
                                    a.equals(b)
                                            ? 0
                                            : Double.compare(rate[b] * bytes[b], rate[a] * bytes[a])
                                                            != 0
                                                    ? Double.compare(
                                                            rate[b] * bytes[b], rate[a] * bytes[a])
                                                    : Integer.compare(a, b));
                    for (int t : shipped) {
                        if (linkUse.fits(o, d, 0, maxLinkUtilisation)) {
                            break;
                        }
                        one[0] = t;
                        int[] cands = candidates(o, d);
                        int fit = bestFit(cands, pressuresWith(cands, one, 1, -1), t);
                        int best = fit < 0 ? -1 : cands[fit];
                        if (best < 0 && placeable(t, o)) {
                            // Past the budget a shipped frame's wait on the link grows without
                            // bound as its use nears the capacity (and with exactly-once delivery
                            // the checkpoint barriers wait behind those frames, so every result of
                            // the job does): even an overloaded origin serves some of them.
                            best = o;
                        }
                        if (best >= 0) {
                            move(t, best);
                        }
                    }
                }
            }
        }

        void relieve() {
            boolean[] stuck = new boolean[nodes];
            int guard = 4 * at.length + nodes;
            while (guard-- > 0) {
                int worst = -1;
                double worstP = 1.0;
                for (int n = 0; n < nodes; n++) {
                    if (!stuck[n]) {
                        double p = cachedPressure(n);
                        if (p > worstP) {
                            worstP = p;
                            worst = n;
                        }
                    }
                }
                if (worst < 0) {
                    return;
                }
                if (!relieveOnce(worst)) {
                    stuck[worst] = true;
                }
            }
        }

        /**
         * Last resort for nodes relief could not make feasible: move the cheapest-to-ship task that
         * can go somewhere, to the reachable node that minimises the larger of the two pressures,
         * as long as that beats the overloaded node's current pressure by {@link #BALANCE_GAIN};
         * repeat (first-improvement local search). It spreads an unavoidable overload over
         * neighbours instead of leaving one node hopeless.
         */
        void balance() {
            boolean[] done = new boolean[nodes];
            int[] one = new int[1];
            int guard = 4 * at.length + nodes;
            while (guard-- > 0) {
                int n = -1;
                double worst = 1.0;
                for (int i = 0; i < nodes; i++) {
                    if (!done[i] && cachedPressure(i) > worst) {
                        worst = cachedPressure(i);
                        n = i;
                    }
                }
                if (n < 0) {
                    return;
                }
                int bestTask = -1;
                int bestDest = -1;
                double bestMax = worst * (1 - BALANCE_GAIN);
                scan:
                for (int[] group : groupsCheapestFirst(n)) {
                    for (int t : group) {
                        if (bestTask >= 0) {
                            break scan;
                        }
                        excluded[t] = true;
                        double src = pressure(n, null, 0, excluded);
                        excluded[t] = false;
                        one[0] = t;
                        for (int d : candidates(origin[t], n)) {
                            if (!linkAllows(one, 1, d)) {
                                continue;
                            }
                            double m = Math.max(src, pressure(d, one, 1, null));
                            if (m < bestMax) {
                                bestMax = m;
                                bestTask = t;
                                bestDest = d;
                            }
                        }
                    }
                }
                if (bestTask < 0) {
                    done[n] = true;
                } else {
                    move(bestTask, bestDest);
                }
            }
        }

        /**
         * Moves some tasks off overloaded node n; false when nothing can move. First choice: the
         * cheapest-to-ship group whose smallest prefix, moved together, makes n feasible on its
         * own. Only if no such move exists does it make progress with the cheapest group that can
         * move at all (whole, then task by task), leaving the rest to the next round.
         */
        boolean relieveOnce(int n) {
            List<int[]> groups = groupsCheapestFirst(n);
            int[] needed = new int[groups.size()];
            for (int g = 0; g < groups.size(); g++) {
                int[] group = groups.get(g);
                for (int i = 0; i < group.length && needed[g] == 0; i++) {
                    excluded[group[i]] = true;
                    if (pressure(n, null, 0, excluded) <= 1) {
                        needed[g] = i + 1;
                    }
                }
                for (int t : group) {
                    excluded[t] = false;
                }
                if (needed[g] > 0 && tryMove(group, needed[g], n, true)) {
                    return true;
                }
            }
            for (int g = 0; g < groups.size(); g++) {
                int[] group = groups.get(g);
                if (needed[g] == 0 && tryMove(group, group.length, n, true)) {
                    return true;
                }
                for (int t : group) {
                    if (tryMove(new int[] {t}, 1, n, false)) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Tasks on n grouped by (origin, model), cheapest to ship (smallest input) first. */
        List<int[]> groupsCheapestFirst(int n) {
            Map<Long, IntList> byKey = new HashMap<>();
            List<Long> keys = new ArrayList<>();
            IntList on = tasksOn[n];
            int[] sorted = Arrays.copyOf(on.data, on.size);
            Arrays.sort(sorted);
            for (int t : sorted) {
                long key = (long) origin[t] * models + model[t];
                IntList g = byKey.get(key);
                if (g == null) {
                    g = new IntList();
                    byKey.put(key, g);
                    keys.add(key);
                }
                g.add(t);
            }
            int[][] members = new int[keys.size()][];
            long[] size = new long[keys.size()];
            int[] first = new int[keys.size()];
            for (int i = 0; i < members.length; i++) {
                IntList g = byKey.get(keys.get(i));
                // within a group, cheapest to ship first too
                members[i] = boxSort(Arrays.copyOf(g.data, g.size));
                size[i] = minBytes(members[i]);
                first[i] = members[i][0];
            }
            List<int[]> groups = new ArrayList<>(members.length);
            for (int i : smallestFirst(size, first)) {
                groups.add(members[i]);
            }
            return groups;
        }

        private int[] boxSort(int[] members) {
            long[] size = new long[members.length];
            for (int i = 0; i < members.length; i++) {
                size[i] = bytes[members[i]];
            }
            int[] order = smallestFirst(size, members);
            int[] out = new int[members.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = members[order[i]];
            }
            return out;
        }

        private long minBytes(int[] g) {
            long min = Long.MAX_VALUE;
            for (int t : g) {
                min = Math.min(min, bytes[t]);
            }
            return min;
        }

        int[] candidates(int o, int exclude) {
            int[] nb = topo.neighbours(o);
            IntList out = new IntList();
            if (o != exclude) {
                out.add(o);
            }
            for (int d : nb) {
                if (d != exclude) {
                    out.add(d);
                }
            }
            int[] c = Arrays.copyOf(out.data, out.size);
            Arrays.sort(c);
            return c;
        }

        /**
         * Moves group[0..len) together from n to the best node that can take it; may displace
         * residents.
         */
        boolean tryMove(int[] group, int len, int n, boolean displace) {
            int[] cands = candidates(origin[group[0]], n);
            double[] post = pressuresWith(cands, group, len, -1);
            int best = bestFit(cands, post, group[0]);
            if (best >= 0) {
                for (int i = 0; i < len; i++) {
                    move(group[i], cands[best]);
                }
                return true;
            }
            if (!displace || maxDisplacements == 0) {
                return false;
            }
            Integer[] order = new Integer[cands.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(post[a], post[b]));
            for (int i : order) {
                if (post[i] == Double.POSITIVE_INFINITY || !linkAllows(group, len, cands[i])) {
                    continue;
                }
                if (displaceFor(cands[i], group, len, n)) {
                    for (int j = 0; j < len; j++) {
                        move(group[j], cands[i]);
                    }
                    return true;
                }
            }
            return false;
        }

        /**
         * Pushes d's own cheapest residents elsewhere until group fits on d; undoes all on failure.
         */
        boolean displaceFor(int d, int[] group, int len, int source) {
            IntList undoTask = new IntList();
            IntList undoNode = new IntList();
            int[] residents = boxSort(Arrays.copyOf(tasksOn[d].data, tasksOn[d].size));
            int tried = 0;
            int[] one = new int[1];
            for (int r : residents) {
                if (tried++ >= maxDisplacements) {
                    break;
                }
                one[0] = r;
                int[] cands = candidates(origin[r], d);
                int fit = bestFit(cands, pressuresWith(cands, one, 1, source), r);
                int bestE = fit < 0 ? -1 : cands[fit];
                if (bestE < 0) {
                    continue;
                }
                undoTask.add(r);
                undoNode.add(d);
                move(r, bestE);
                if (pressure(d, group, len, null) <= 1) {
                    return true;
                }
            }
            for (int i = undoTask.size - 1; i >= 0; i--) {
                move(undoTask.data[i], undoNode.data[i]);
            }
            return false;
        }

        /**
         * The pressure each candidate node would have with {@code group[0..len)} added; infinite
         * where the link from the group's origin cannot take it, and at {@code skip} (-1: none).
         */
        double[] pressuresWith(int[] cands, int[] group, int len, int skip) {
            double[] post = new double[cands.length];
            for (int i = 0; i < cands.length; i++) {
                post[i] =
                        cands[i] != skip && linkAllows(group, len, cands[i])
                                ? pressure(cands[i], group, len, null)
                                : Double.POSITIVE_INFINITY;
            }
            return post;
        }

        /**
         * Which of the candidates task {@code t} (or the group it leads) goes to, given the
         * pressure each would have with it: the feasible one with the lowest pressure, unless its
         * origin, or else the node earlier plans wanted it on, is feasible and within {@link
         * #TIE_FRACTION} of it; -1 when none is feasible. The lowest pressure alone picks between
         * two equally suited nodes by the noise of their profiles, a different one in each plan,
         * and the re-planner carries out only a move that successive plans agree on.
         */
        int bestFit(int[] cands, double[] post, int t) {
            int best = -1;
            for (int i = 0; i < post.length; i++) {
                if (post[i] <= 1 && (best < 0 || post[i] < post[best])) {
                    best = i;
                }
            }
            if (best < 0) {
                return -1;
            }
            double near = Math.min(1, post[best] * (1 + TIE_FRACTION));
            for (int preferred : new int[] {origin[t], awaitedAt[t]}) {
                for (int i = 0; i < post.length; i++) {
                    if (cands[i] == preferred && post[i] <= near) {
                        return i;
                    }
                }
            }
            return best;
        }

        Assignment assignment() {
            Map<String, String> out = new HashMap<>();
            for (int t = 0; t < at.length; t++) {
                out.put(topo.tasks().get(t).id(), topo.nodes().get(at[t]).name());
            }
            return new Assignment(out);
        }
    }

    /**
     * The positions of {@code size} from smallest to largest, except that a run of sizes each
     * within {@link #SIZE_TIE} of the one before it is taken in the order of {@code index}: two
     * tasks of the same kind whose measured frame sizes differ by noise (75.1 and 74.9 KB) then
     * keep one order from plan to plan, so successive plans want the same task moved.
     */
    static int[] smallestFirst(long[] size, int[] index) {
        Integer[] order = new Integer[size.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                (a, b) ->
                        size[a] != size[b]
                                ? Long.compare(size[a], size[b])
                                : Integer.compare(index[a], index[b]));
        for (int start = 0; start < order.length; ) {
            int end = start + 1;
            while (end < order.length
                    && size[order[end]] <= size[order[end - 1]] * (1 + SIZE_TIE)) {
                end++;
            }
            Arrays.sort(order, start, end, (a, b) -> Integer.compare(index[a], index[b]));
            start = end;
        }
        return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }

    /** Frame sizes within this fraction of each other count as the same when ordering tasks. */
    static final double SIZE_TIE = 0.1;

    /** Minimal growable int list (avoids boxing in the planner's inner loops). */
    private static final class IntList {
        int[] data = new int[8];
        int size;

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        void remove(int v) {
            for (int i = 0; i < size; i++) {
                if (data[i] == v) {
                    System.arraycopy(data, i + 1, data, i, size - i - 1);
                    size--;
                    return;
                }
            }
        }
    }
}
