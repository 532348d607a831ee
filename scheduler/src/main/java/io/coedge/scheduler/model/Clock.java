package io.coedge.scheduler.model;

/**
 * The only source of time for scheduling code. All scheduling time is <b>epoch microseconds</b> as
 * a {@code long}: fine enough for sub-millisecond batch latencies, and 2^63 µs lasts 292,000 years.
 * Policies never read a clock themselves; callers pass {@code now} taken from one of these, so the
 * same decision code runs against Flink's processing-time service, the simulator's event time and
 * fixed instants in tests.
 */
@FunctionalInterface
public interface Clock {

    long nowMicros();

    static Clock fixed(long micros) {
        return () -> micros;
    }

    /**
     * Wall clock, for production callers only (Flink operators pass their timer service instead).
     */
    static Clock system() {
        return () -> {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000L;
        };
    }
}
