package io.coedge.scheduler.model;

/** Every frame ends in exactly one of these. */
public enum FrameOutcome {
    /** Inference finished at or before the deadline. */
    OK,
    /** Inference finished after the deadline. */
    LATE,
    /**
     * Shed before inference because it could no longer meet its deadline (reported, never lost).
     */
    DROPPED
}
