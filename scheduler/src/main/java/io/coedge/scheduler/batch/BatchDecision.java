package io.coedge.scheduler.batch;

/**
 * What a batch policy wants the node to do now. The caller applies it and, after a {@link Shed},
 * asks again: a decision covers one step so that no policy needs to see more than queue heads.
 */
public sealed interface BatchDecision {

    /** Nothing is queued: do nothing until a frame arrives. */
    Idle IDLE = new Idle();

    /**
     * Take the first {@code batchSize} frames (deadline order) of {@code model}'s queue and run
     * them as one batch now.
     */
    record Run(int model, int batchSize) implements BatchDecision {
        public Run {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1");
            }
        }
    }

    /**
     * Run nothing yet; decide again at {@code timeMicros} (register a timer) or when a frame
     * arrives.
     */
    record WaitUntil(long timeMicros) implements BatchDecision {}

    /**
     * Drop the head frame of {@code model}'s queue as DROPPED: it cannot meet its deadline even
     * alone, or ({@code givesWayTo > 0}) the node is overloaded and, without it, a batch of that
     * many frames behind it runs more frames per accelerator second than the batch it limits.
     */
    record Shed(int model, int givesWayTo) implements BatchDecision {
        /** The head cannot meet its deadline even alone. */
        public Shed(int model) {
            this(model, 0);
        }
    }

    record Idle() implements BatchDecision {}
}
