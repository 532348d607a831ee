package io.coedge.scheduler.dispatch;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.Topology;

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
}
