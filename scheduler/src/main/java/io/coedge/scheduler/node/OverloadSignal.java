package io.coedge.scheduler.node;

/**
 * Whether a node cannot keep up with what it is sent, from what its engine already sees: the share
 * of arriving frames that turn out hopeless even if the running batch ends as usual (by its
 * <em>typical</em> estimate). A node that keeps up sheds such a frame now and then (a slow run, a
 * burst); a node whose demand exceeds its capacity sheds them steadily.
 *
 * <p>The share is an exponentially weighted average per arriving frame (weight {@link #WEIGHT}, so
 * roughly the last 130 frames count), with hysteresis: the node is overloaded from the moment the
 * share passes {@link #ENTER} until it falls below {@link #LEAVE}. It counts frames, not time, so
 * it is a pure function of the engine's events and needs no clock.
 *
 * <p>The engine sheds against the running batch's pessimistic end while overloaded and against its
 * typical end otherwise (see {@link NodeEngine}). Only frames hopeless by the <em>typical</em> end
 * count, in both states: the extra frames shed against the pessimistic end do not feed the signal,
 * so it does not hold itself on.
 *
 * <p>The constants were chosen on the shipped scenarios (docs/SIMULATOR.md): entering at 5% let
 * hetero-tight's transient sheds (slow runs next to tight deadlines) switch nodes to pessimistic
 * shedding and cost frames there; a weight of 0.005 switched load-sweep's overloaded node a few
 * hundred milliseconds late.
 */
final class OverloadSignal {
    /** Weight of each arriving frame in the average. */
    static final double WEIGHT = 0.0075;

    /** Share of hopeless frames above which the node counts as overloaded. */
    static final double ENTER = 0.10;

    /** Share below which an overloaded node counts as keeping up again. */
    static final double LEAVE = 0.05;

    private double share;
    private boolean overloaded;

    /** A frame arrived (and was admitted). */
    void arrived() {
        share *= 1 - WEIGHT;
        if (share < LEAVE) {
            overloaded = false;
        }
    }

    /** A frame was found hopeless even from the running batch's typical end. */
    void hopeless() {
        share += WEIGHT;
        if (share > ENTER) {
            overloaded = true;
        }
    }

    boolean overloaded() {
        return overloaded;
    }

    /** The current share of hopeless frames among the recent arrivals, for tests and reports. */
    double share() {
        return share;
    }
}
