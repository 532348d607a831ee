package io.coedge.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.benchmarks.LiveLinkBench.Change;
import io.coedge.benchmarks.LiveLinkBench.ChangeRow;
import io.coedge.benchmarks.LiveLinkBench.FrameRecord;
import io.coedge.benchmarks.LiveLinkBench.Move;
import io.coedge.benchmarks.LiveLinkBench.Window;
import io.coedge.format.FrameResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LiveLinkBenchTest {
    private static final long T0 = 1_700_000_000_000L;

    private static FrameRecord frame(long captureMs, String outcome) {
        return new FrameRecord("c#" + captureMs, "t1", captureMs, captureMs + 5, "edge-1", outcome);
    }

    private static FrameRecord on(String task, long dispatchMs, String node) {
        return new FrameRecord(
                task + "#" + dispatchMs, task, dispatchMs - 5, dispatchMs, node, "ok");
    }

    /** {@code dmr} per window as frames of 10 per 1 s window: {@code round(dmr*10)} missed. */
    private static List<Window> windowsOf(double... dmr) {
        List<FrameRecord> frames = new ArrayList<>();
        for (int w = 0; w < dmr.length; w++) {
            long missed = Math.round(dmr[w] * 10);
            for (int i = 0; i < 10; i++) {
                frames.add(frame(w * 1000L + i * 100, i < missed ? "shed" : "ok"));
            }
        }
        return LiveLinkBench.windows(frames, 1000, dmr.length * 1000L);
    }

    @Test
    void dropsParseAsTwoNodesAndABandwidthWithOneLineErrors() {
        assertThat(LiveLinkBench.Drop.parse("edge-1:edge-2=5"))
                .isEqualTo(new LiveLinkBench.Drop("edge-1", "edge-2", 5));
        assertThat(LiveLinkBench.Drop.parse("a:b=1.5").mbps()).isEqualTo(1.5);
        assertThatThrownBy(() -> LiveLinkBench.Drop.parse("edge-1=5"))
                .hasMessageContaining("NODE:NODE=MBPS");
        assertThatThrownBy(() -> LiveLinkBench.Drop.parse("a:b=fast"))
                .hasMessageContaining("not a number");
        assertThatThrownBy(() -> LiveLinkBench.Drop.parse("a:b=0"))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> LiveLinkBench.Drop.parse("a:a=5"))
                .hasMessageContaining("two different nodes");
    }

    @Test
    void thePlanWantsADropAndTimesInOrder() {
        assertThatThrownBy(() -> plan(List.of(), 10, 20, 30))
                .hasMessageContaining("at least one --drop");
        assertThatThrownBy(() -> plan(List.of(LiveLinkBench.Drop.parse("a:b=5")), 20, 10, 30))
                .hasMessageContaining("--drop-at < --restore-at < --duration");
        assertThatThrownBy(() -> plan(List.of(LiveLinkBench.Drop.parse("a:b=5")), 10, 20, 20))
                .hasMessageContaining("--drop-at < --restore-at < --duration");
    }

    private static LiveLinkBench.Plan plan(
            List<LiveLinkBench.Drop> drops, long drop, long restore, long end) {
        return new LiveLinkBench.Plan(
                java.nio.file.Path.of("c.yaml"),
                "coedge",
                "coedge",
                drops,
                Duration.ofSeconds(drop),
                Duration.ofSeconds(restore),
                Duration.ofSeconds(end),
                Duration.ofSeconds(2),
                null);
    }

    @Test
    void windowsCountFramesByCaptureTimeAndEveryOutcomeButOkIsAMiss() {
        List<Window> w =
                LiveLinkBench.windows(
                        List.of(
                                frame(0, "ok"),
                                frame(999, "late"),
                                frame(1000, "shed"),
                                frame(1500, "none"),
                                frame(1999, "ok"),
                                frame(3500, "dead")),
                        1000,
                        4000);
        assertThat(w).extracting(Window::frames).containsExactly(2L, 3L, 0L, 1L);
        assertThat(w.get(0).dmr()).isEqualTo(0.5);
        assertThat(w.get(1).missed()).isEqualTo(2);
        assertThat(w.get(2).dmr()).isNaN();
        assertThat(w.get(3).dmr()).isEqualTo(1.0);
        assertThat(w.get(1).outcomes()).containsEntry("shed", 1L).containsEntry("none", 1L);
    }

    @Test
    void aMoveIsWhereATasksNextFrameInDispatchOrderRanOnAnotherNode() {
        List<Move> moves =
                LiveLinkBench.moves(
                        List.of(
                                on("t1", 300, "edge-2"),
                                on("t1", 100, "edge-1"),
                                on("t1", 200, "edge-1"),
                                on("t2", 150, "edge-1"),
                                on("t1", 400, "edge-2"),
                                on("t1", 500, "edge-1"),
                                on("t2", 450, "edge-1"),
                                // a dead letter: never dispatched, no node
                                new FrameRecord("t2#x", "t2", 460, null, null, "dead")));
        assertThat(moves)
                .containsExactly(
                        new Move("t1", "edge-1", "edge-2", 300),
                        new Move("t1", "edge-2", "edge-1", 500));
    }

    @Test
    void backUnderTenPercentIsTheEndOfTheLastWindowOverItWithThreeUnderItBeforeTheNextChange() {
        // 1 s windows; drop at 2.5 s, restore at 11 s, end at 16 s
        List<Window> w =
                windowsOf(
                        0, 0, // 0-2
                        0, 0.3, 0.5, 0.2, 0, 0.4, 0, 0, 0, // 2-11: the last over is 7-8 s
                        0, 0, 0, 0, 0); // 11-16: never over
        List<ChangeRow> rows =
                LiveLinkBench.changeRows(
                        List.of(
                                new Change(2500, "drop", "a<->b 5 Mbit/s"),
                                new Change(11_000, "restore", "a<->b 100 Mbit/s")),
                        w,
                        List.of(),
                        List.of("t1"),
                        16_000);
        assertThat(rows)
                .extracting(r -> r.change().kind())
                .containsExactly("start", "drop", "restore");
        ChangeRow drop = rows.get(1);
        assertThat(drop.untilMs()).isEqualTo(11_000);
        assertThat(drop.recoveryMs()).isEqualTo(8000 - 2500);
        assertThat(drop.peakDmr()).isEqualTo(0.5);
        assertThat(drop.windowsOver()).isEqualTo(4);
        assertThat(rows.get(2).recoveryMs()).isZero();
        assertThat(rows.get(0).recoveryMs()).isZero();
    }

    @Test
    void aWindowStraddlingAChangeCountsForTheChangeItEndsAfter() {
        // 1 s windows; the drop at 5.1 s: the 5-6 s window's misses are the drop's, not the
        // start's (live-link ll-a of 2026-12-02: the start read "not back" for that window alone)
        List<Window> w = windowsOf(0.5, 0, 0, 0, 0, 0.6, 0.4, 0, 0, 0);
        List<ChangeRow> rows =
                LiveLinkBench.changeRows(
                        List.of(new Change(5100, "drop", "x")),
                        w,
                        List.of(),
                        List.of("t1"),
                        10_000);
        assertThat(rows.get(0).recoveryMs()).isEqualTo(1000);
        assertThat(rows.get(0).windowsOver()).isEqualTo(1);
        assertThat(rows.get(1).windowsOver()).isEqualTo(2);
        assertThat(rows.get(1).peakDmr()).isEqualTo(0.6);
        assertThat(rows.get(1).recoveryMs()).isEqualTo(7000 - 5100);
    }

    @Test
    void notBackWhenFewerThanThreeWindowsUnderTenPercentFollowBeforeTheNextChange() {
        List<Window> w = windowsOf(0, 0, 0.5, 0.5, 0.5, 0, 0, 0.5, 0, 0, 0, 0);
        List<ChangeRow> rows =
                LiveLinkBench.changeRows(
                        List.of(new Change(2000, "drop", "x"), new Change(9000, "restore", "y")),
                        w,
                        List.of(),
                        List.of("t1"),
                        12_000);
        // the drop's last window over ends at 8 s, one window under follows before 9 s
        assertThat(rows.get(1).recoveryMs()).isEqualTo(-1);
        // the restore: 9-12 s all under
        assertThat(rows.get(2).recoveryMs()).isZero();
    }

    @Test
    void movesCountPerTaskBetweenAChangeAndTheNext() {
        List<Move> moves =
                List.of(
                        new Move("t1", "edge-1", "edge-2", 1000),
                        new Move("t1", "edge-2", "edge-1", 21_000),
                        new Move("t1", "edge-1", "edge-2", 45_000),
                        new Move("t2", "edge-1", "edge-3", 46_000),
                        new Move("t2", "edge-3", "edge-1", 50_000));
        List<ChangeRow> rows =
                LiveLinkBench.changeRows(
                        List.of(
                                new Change(20_000, "drop", "x"),
                                new Change(40_000, "restore", "y")),
                        windowsOf(0),
                        moves,
                        List.of("t1", "t2", "t3"),
                        60_000);
        assertThat(rows.get(0).movesPerTask()).containsEntry("t1", 1).containsEntry("t2", 0);
        assertThat(rows.get(1).movesPerTask()).isEqualTo(Map.of("t1", 1, "t2", 0, "t3", 0));
        assertThat(rows.get(2).movesPerTask()).containsEntry("t1", 1).containsEntry("t2", 2);
        assertThat(rows.get(2).maxMoves()).isEqualTo(2);
    }

    private static FrameResult result(String id, long capture, String node, FrameResult.Status s) {
        return new FrameResult(
                id,
                id.split("#")[0],
                1L,
                "f/0@0",
                "t1",
                "m",
                node,
                "edge-1",
                1,
                s,
                s == FrameResult.Status.DROPPED ? "LINK_BACKLOG: edge-1 -> edge-2 ..." : null,
                capture,
                capture + 2,
                capture + 3,
                capture + 4,
                capture + 5,
                5,
                capture + 600,
                600,
                s == FrameResult.Status.OK,
                null,
                null);
    }

    @Test
    void theReportHasEveryFrameOnceAndItsFilesNameTheChanges() {
        Map<String, Long> captured = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            captured.put("cam-1#" + i, T0 + i * 1000L);
        }
        List<FrameResult> results =
                List.of(
                        result("cam-1#0", T0, "edge-1", FrameResult.Status.OK),
                        result("cam-1#1", T0 + 1000, "edge-2", FrameResult.Status.OK),
                        result("cam-1#1", T0 + 1000, "edge-2", FrameResult.Status.OK),
                        result("cam-1#2", T0 + 2000, "edge-2", FrameResult.Status.LATE),
                        result("cam-1#3", T0 + 3000, "edge-1", FrameResult.Status.DROPPED));
        LiveLinkBench.Report report =
                LiveLinkBench.analyse(
                        "c.yaml",
                        "coedge/coedge",
                        List.of("t1"),
                        captured,
                        Map.of("cam-1", "t1"),
                        results,
                        Set.of("cam-1#4"),
                        T0,
                        List.of(
                                new Change(1500, "drop", "edge-1<->edge-2 5 Mbit/s"),
                                new Change(3500, "restore", "edge-1<->edge-2 100 Mbit/s")),
                        1000,
                        6000);
        LiveLinkBench.Totals t = report.totals();
        assertThat(t.frames()).isEqualTo(6);
        assertThat(t.distinctResults()).isEqualTo(4);
        assertThat(t.deadLetters()).isEqualTo(1);
        assertThat(t.lost()).isEqualTo(1); // cam-1#5
        assertThat(t.duplicates()).isEqualTo(1);
        assertThat(t.exactlyOne()).isFalse();
        assertThat(report.shedByReason()).isEqualTo(Map.of("LINK_BACKLOG", 1L));
        assertThat(report.moves())
                .containsExactly(
                        new Move("t1", "edge-1", "edge-2", 1002),
                        new Move("t1", "edge-2", "edge-1", 3002));
        assertThat(report.windows())
                .extracting(w -> w.outcomes().keySet().iterator().next())
                .containsExactly("ok", "ok", "late", "shed", "dead", "none");
        String md = LiveLinkBench.markdown(report);
        assertThat(md)
                .contains("| drop: edge-1<->edge-2 5 Mbit/s | 1.5 | 3.5 |")
                .contains("| restore: edge-1<->edge-2 100 Mbit/s | 3.5 | 6.0 |")
                .contains("exactly one result or dead letter per frame: **no**")
                .contains("- 1.0 s: t1 edge-1 -> edge-2");
        assertThat(LiveLinkBench.csv(report).lines())
                .hasSize(7)
                .first()
                .isEqualTo("window_start_s,window_end_s,frames,ok,late,shed,error,dead,none,dmr");
        assertThat(LiveLinkBench.csv(report).lines().skip(3).findFirst().orElseThrow())
                .isEqualTo("2.0,3.0,1,0,1,0,0,0,0,1.0000");
    }
}
