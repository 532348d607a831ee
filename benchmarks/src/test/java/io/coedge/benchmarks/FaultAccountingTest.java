package io.coedge.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fault run's bookkeeping: what counts as committed, duplicate, lost, and recovered. */
class FaultAccountingTest {

    @Test
    void countsCommittedDuplicatesDeadLettersAndLostFrames() {
        FaultAccounting acc = new FaultAccounting();
        acc.sent("c#0", 1_000);
        acc.sent("c#1", 1_100);
        acc.sent("c#2", 1_200);
        acc.sent("c#3", 1_300);
        acc.result("c#0", 1_000, "OK", 1_500);
        acc.result("c#0", 1_000, "OK", 9_000); // a replayed copy
        acc.result("c#1", 1_100, "DROPPED", 1_600);
        acc.deadLetter("c#2", 1_700);
        // c#3: nothing

        FaultAccounting.Report r = acc.report();

        assertThat(r.sent()).isEqualTo(4);
        assertThat(r.committed()).isEqualTo(2);
        assertThat(r.duplicates()).isEqualTo(1);
        assertThat(r.deadLetters()).isEqualTo(1);
        assertThat(r.lost()).isEqualTo(1);
        assertThat(r.unexpected()).isZero();
        assertThat(r.statuses()).isEqualTo(Map.of("OK", 1, "DROPPED", 1));
        // capture -> first visible copy: 500 and 500 ms
        assertThat(r.latency().count()).isEqualTo(2);
        assertThat(r.latency().max()).isEqualTo(500);
        assertThat(acc.open()).isEqualTo(1);
    }

    @Test
    void recoveryIsMeasuredFromTheFaultToTheFirstResultAfterItAndOfAFrameCapturedAfterIt() {
        FaultAccounting acc = new FaultAccounting();
        acc.fault(new FaultAccounting.Fault("freeze", 10_000, 20_000));
        acc.sent("c#0", 9_000);
        acc.sent("c#1", 15_000);
        acc.sent("c#2", 21_000);
        acc.sent("c#3", 40_000);
        acc.result("c#0", 9_000, "OK", 12_000); // first visible after the fault: 2 s
        acc.result("c#1", 15_000, "OK", 24_000);
        acc.result("c#2", 21_000, "OK", 25_000); // first of a frame captured after its end: 15 s
        acc.result("c#3", 40_000, "OK", 40_300);

        FaultAccounting.Report r = acc.report();

        assertThat(r.recoveries())
                .extracting(
                        FaultAccounting.Recovery::firstVisibleAfterMs,
                        FaultAccounting.Recovery::firstCapturedAfterVisibleMs)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2_000L, 15_000L));
        // Window 10 s .. 25 s: c#0, c#1, c#2 overlap it; only c#3 is outside.
        assertThat(r.latencyOutsideFaults().count()).isEqualTo(1);
        assertThat(r.latencyOutsideFaults().max()).isEqualTo(300);
        assertThat(r.latency().count()).isEqualTo(4);
    }

    @Test
    void timelineCountsCapturesFirstCopiesAndDuplicatesPerSecond() {
        FaultAccounting acc = new FaultAccounting();
        acc.sent("c#0", 0);
        acc.sent("c#1", 500);
        acc.sent("c#2", 1_200);
        acc.result("c#0", 0, "OK", 900);
        acc.result("c#1", 500, "OK", 2_100);
        acc.result("c#1", 500, "OK", 2_200);

        assertThat(acc.report().timeline())
                .containsExactly(
                        new FaultAccounting.Second(0, 2, 1, 0),
                        new FaultAccounting.Second(1, 1, 0, 0),
                        new FaultAccounting.Second(2, 0, 1, 1));
        assertThat(acc.timelineStartMs()).isZero();
    }

    @Test
    void aFaultWithNoFrameCapturedAfterItNeverRecovers() {
        FaultAccounting acc = new FaultAccounting();
        acc.fault(new FaultAccounting.Fault("kill", 5_000, 5_000));
        acc.sent("c#0", 1_000);
        acc.result("c#0", 1_000, "OK", 6_000);

        FaultAccounting.Recovery rec = acc.report().recoveries().get(0);

        assertThat(rec.firstVisibleAfterMs()).isEqualTo(1_000);
        assertThat(rec.firstCapturedAfterVisibleMs()).isEqualTo(-1);
        assertThat(acc.report().latencyOutsideFaults().count()).isZero();
        assertThat(List.of(rec.fault().name())).containsExactly("kill");
    }
}
