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
                        FaultAccounting.Recovery::longestPauseMs,
                        FaultAccounting.Recovery::visibleAgainMs,
                        FaultAccounting.Recovery::firstCapturedAfterVisibleMs)
                // pauses after the fault: 12 -> 24 s, 24 -> 25 s, 25 -> 40.3 s (the longest)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(2_000L, 15_300L, 30_300L, 15_000L));
        // Window 10 s .. 40.3 s (results flowed again then): every frame overlaps it.
        assertThat(r.latencyOutsideFaults().count()).isZero();
        assertThat(r.latency().count()).isEqualTo(4);
    }

    @Test
    void aRestartIsThePauseInResultsAfterAKillNotTheResultsStillOnTheirWay() {
        FaultAccounting acc = new FaultAccounting();
        acc.fault(new FaultAccounting.Fault("kill", 30_000, 30_000));
        acc.fault(new FaultAccounting.Fault("later", 80_000, 80_000));
        for (int s = 25; s < 100; s++) {
            if (s <= 30 || s >= 60) { // every node's results stop from 30.5 s to 60.5 s
                String id = "c#" + s;
                acc.sent(id, s * 1000L);
                acc.result(id, s * 1000L, "OK", s * 1000L + 500);
            }
        }

        List<FaultAccounting.Recovery> rec = acc.report().recoveries();

        assertThat(rec.get(0).firstVisibleAfterMs()).isEqualTo(500); // on its way at the kill
        assertThat(rec.get(0).longestPauseMs()).isEqualTo(30_000);
        assertThat(rec.get(0).visibleAgainMs()).isEqualTo(30_500);
        // the pause before the later fault is not counted for it
        assertThat(rec.get(1).longestPauseMs()).isEqualTo(1_000);
        // windows 30 .. 60.5 s and 80 .. 80.5 s: only frames 30, 60 and 80 overlap one
        assertThat(acc.report().latencyOutsideFaults().count()).isEqualTo(5 + 19 + 19);
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
