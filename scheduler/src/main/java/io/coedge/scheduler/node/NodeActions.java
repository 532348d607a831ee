package io.coedge.scheduler.node;

/**
 * What the {@link NodeEngine} asks its driver to do. The Flink batcher turns these into sidecar
 * calls, results and processing-time timers; the simulator into events. A driver must not call back
 * into the engine from inside an action: it applies the action and returns.
 */
public interface NodeActions {

    /**
     * Run this batch now (pre-process, infer, post-process) and hand it to {@link
     * NodeEngine#finished} when done.
     */
    void start(Batch batch);

    /** The frame cannot meet its deadline: it ends as a {@code DROPPED} result now. */
    void shed(long handle, int model, Shed why);

    /** The frame was not admitted: the node holds as much as its memory bounds allow. */
    void refuse(long handle, int model, String reason);

    /** Call {@link NodeEngine#timerFired} at (or after) this time. */
    void timer(long atMicros);

    /**
     * Why a frame was shed.
     *
     * @param needsMicros what one frame of its model needs by the plan
     * @param leftMicros how long was left to its deadline when the node could start it
     * @param whileBusy the node was running a batch, and the start is when that batch typically
     *     ends (or, when {@code overloaded}, when it ends at worst)
     * @param overloaded the node could not keep up, so it judged against the running batch's
     *     pessimistic end ({@link NodeEngine#overloaded()})
     * @param gaveWayTo 0 when the frame could not meet its deadline; else the size of the batch of
     *     the frames behind it that the overloaded node runs instead, at more frames per second
     */
    record Shed(
            long needsMicros,
            long leftMicros,
            boolean whileBusy,
            boolean overloaded,
            int gaveWayTo) {
        public Shed(long needsMicros, long leftMicros, boolean whileBusy, boolean overloaded) {
            this(needsMicros, leftMicros, whileBusy, overloaded, 0);
        }

        public String describe(String model) {
            if (gaveWayTo > 0) {
                return String.format(
                        java.util.Locale.ROOT,
                        "OVERLOAD_SHED: the node cannot keep up with %s; this frame (%.1f ms left,"
                                + " %.1f ms needed alone) gave way to a batch of the %d frames"
                                + " behind it, which runs more frames per second than the batch"
                                + " its deadline allowed",
                        model,
                        leftMicros / 1000.0,
                        needsMicros / 1000.0,
                        gaveWayTo);
            }
            return String.format(
                    java.util.Locale.ROOT,
                    "DEADLINE_UNREACHABLE: one frame of %s needs %.1f ms, %.1f ms were left when the node could start it%s",
                    model,
                    needsMicros / 1000.0,
                    leftMicros / 1000.0,
                    !whileBusy
                            ? ""
                            : overloaded
                                    ? " if its running batch ends as late as predicted (the node"
                                            + " is overloaded)"
                                    : " if its running batch ends as usual");
        }
    }
}
