package io.coedge.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reading the unified GC log that {@code jcmd VM.log what=gc=info decorators=timemillis} writes.
 */
class GcLogTest {
    static final List<String> LOG =
            List.of(
                    "[1000ms] GC(1) Pause Young (Allocation Failure) 21M->18M(61M) 342.148ms",
                    "[2000ms] GC(2) Pause Young (Allocation Failure) 59M->59M(61M) 0.116ms",
                    "[2010ms] GC(3) Pause Full (Allocation Failure) 59M->18M(61M) 9.104ms",
                    "[2500ms] GC(4) Using Serial", // not a collection
                    "[3000ms] GC(5) Pause Young (Allocation Failure) 45M->8M(61M) 0.340ms");

    @Test
    void readsEveryCollectionWithItsHeapBeforeAndAfter() {
        assertThat(GcLog.parse(LOG))
                .containsExactly(
                        new GcLog.Collection(1000, false, 21, 18, 61),
                        new GcLog.Collection(2000, false, 59, 59, 61),
                        new GcLog.Collection(2010, true, 59, 18, 61),
                        new GcLog.Collection(3000, false, 45, 8, 61));
    }

    @Test
    void summarisesTheCollectionsOfAPeriod() {
        assertThat(GcLog.summary(GcLog.parse(LOG), 1500, 3000))
                .isEqualTo(new GcLog.Summary(1, 1, 59, 18, 61));
        assertThat(GcLog.summary(GcLog.parse(LOG), 0, 10_000))
                .isEqualTo(new GcLog.Summary(3, 1, 59, 18, 61));
        // no full collection: the most a young one left
        assertThat(GcLog.summary(GcLog.parse(LOG), 0, 1500))
                .isEqualTo(new GcLog.Summary(1, 0, 21, 18, 61));
    }
}
