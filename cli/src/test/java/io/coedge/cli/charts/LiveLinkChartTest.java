package io.coedge.cli.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.benchmarks.LiveLinkBench;
import io.coedge.format.FrameResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LiveLinkChartTest {

    @Test
    void dmrOverTimeWithAMarkerAtEachChangeAndEachMove() {
        long t0 = 1_700_000_000_000L;
        Map<String, Long> captured = new LinkedHashMap<>();
        List<FrameResult> results = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            long at = t0 + i * 250L;
            captured.put("cam-1#" + i, at);
            String node = i < 10 || i >= 30 ? "edge-2" : "edge-1";
            FrameResult.Status s =
                    i >= 12 && i < 20 ? FrameResult.Status.DROPPED : FrameResult.Status.OK;
            results.add(
                    new FrameResult(
                            "cam-1#" + i,
                            "cam-1",
                            (long) i,
                            "f/0@" + i,
                            "t1",
                            "m",
                            node,
                            "edge-1",
                            1,
                            s,
                            null,
                            at,
                            at + 2,
                            at + 3,
                            at + 4,
                            at + 5,
                            5,
                            at + 600,
                            600,
                            s == FrameResult.Status.OK,
                            null,
                            null));
        }
        LiveLinkBench.Report report =
                LiveLinkBench.analyse(
                        "c.yaml",
                        "coedge/coedge",
                        List.of("t1"),
                        captured,
                        Map.of("cam-1", "t1"),
                        results,
                        Set.of(),
                        t0,
                        List.of(
                                new LiveLinkBench.Change(2000, "drop", "edge-1<->edge-2 5 Mbit/s"),
                                new LiveLinkBench.Change(
                                        6000, "restore", "edge-1<->edge-2 100 Mbit/s")),
                        1000,
                        10_000);
        String svg = LiveLinkChart.svg(report);
        assertThat(SvgText.texts(svg))
                .contains(
                        "time since the cameras' first frame (s)",
                        "deadline-miss rate (%)",
                        "drop: edge-1<->edge-2 5 Mbit/s",
                        "restore: edge-1<->edge-2 100 Mbit/s",
                        "t1 -> edge-1",
                        "t1 -> edge-2",
                        "10%");
        assertThat(svg).contains("stroke-dasharray");
    }
}
