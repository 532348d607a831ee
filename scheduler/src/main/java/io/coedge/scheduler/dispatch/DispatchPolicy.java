package io.coedge.scheduler.dispatch;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.Topology;
import java.util.Map;

/**
 * The global task dispatcher: decides which node runs which task. A pure function of the current
 * topology (profiles, load, health, links) and the previous plan, so a re-plan is just another call
 * whenever any of them changes. Implementations hold configuration only, no mutable state.
 */
public interface DispatchPolicy {

    /** Name used on the command line and in reports, e.g. {@code coedge}. */
    String name();

    /**
     * @param previous the assignment currently in force ({@link Assignment#EMPTY} for the first
     *     plan); policies with hysteresis start from it so that small changes cause no moves
     */
    Assignment plan(Topology topology, Assignment previous);

    /**
     * As {@link #plan(Topology, Assignment)}, told where earlier plans wanted tasks moved that have
     * not moved yet (the {@link Replanner} carries out a move once successive plans agree on it): a
     * policy choosing between equally good nodes should pick that one again. Policies without such
     * choices ignore it.
     *
     * @param awaited task id -> the node earlier plans wanted it on
     */
    default Assignment plan(Topology topology, Assignment previous, Map<String, String> awaited) {
        return plan(topology, previous);
    }
}
