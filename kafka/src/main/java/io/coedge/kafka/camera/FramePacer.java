package io.coedge.kafka.camera;

/**
 * Releases frames on a fixed clock: frame {@code k} is due at {@code start + k / fps}, computed
 * from the start rather than added up frame by frame, so the rate does not drift over hours and a
 * late frame (the decoder was slow) is followed by the next one on time. With {@code fps <= 0} (a
 * live stream, which paces itself) every frame is released at once.
 */
public final class FramePacer {

    /** The time source; tests inject a fake one. */
    public interface Clock {
        long nanoTime();

        /** Blocks until {@link #nanoTime()} is at least {@code deadline}. */
        void sleepUntil(long deadline) throws InterruptedException;

        Clock SYSTEM =
                new Clock() {
                    @Override
                    public long nanoTime() {
                        return System.nanoTime();
                    }

                    @Override
                    public void sleepUntil(long deadline) throws InterruptedException {
                        long now;
                        while ((now = System.nanoTime()) < deadline) {
                            if (Thread.interrupted()) {
                                throw new InterruptedException();
                            }
                            java.util.concurrent.locks.LockSupport.parkNanos(deadline - now);
                        }
                    }
                };
    }

    private final double fps;
    private final Clock clock;
    private long start;
    private final long end;
    private long next;
    private long lateNanosMax;

    /**
     * @param fps frames per second, or {@code <= 0} for no pacing
     * @param start when frame 0 is due, in the clock's nanoseconds
     * @param end frames due at or after this are not released ({@link Long#MAX_VALUE}: never)
     */
    public FramePacer(double fps, Clock clock, long start, long end) {
        this.fps = fps;
        this.clock = clock;
        this.start = start;
        this.end = end;
    }

    /** When frame {@code k} is due. */
    public long dueNanos(long k) {
        return fps <= 0 ? start : start + Math.round(k * 1e9 / fps);
    }

    /**
     * Waits until the next frame is due.
     *
     * @return the time it was released, or -1 when it would be due at or after the end
     */
    public long awaitNext() throws InterruptedException {
        long now = clock.nanoTime();
        if (fps <= 0) {
            if (now >= end) {
                return -1;
            }
            next++;
            return now;
        }
        if (next == 0 && now > start) {
            // the first frame came late (the decoder starting): the clock starts with it
            start = now;
        }
        long due = dueNanos(next);
        if (due >= end) {
            return -1;
        }
        if (now < due) {
            clock.sleepUntil(due);
            now = clock.nanoTime();
        } else {
            lateNanosMax = Math.max(lateNanosMax, now - due);
        }
        next++;
        return now;
    }

    /** Frames released so far. */
    public long released() {
        return next;
    }

    /** The most a frame was released after its due time (the source could not keep up). */
    public long lateNanosMax() {
        return lateNanosMax;
    }
}
