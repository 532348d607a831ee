package io.coedge.cli.charts;

import io.coedge.benchmarks.PreprocessBench;
import java.awt.Color;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.data.category.DefaultCategoryDataset;

/** {@code coedge bench preprocess}' chart: ms per frame at each resolution for the three paths. */
public final class PreprocessChart {

    static {
        ChartSvg.headless();
    }

    private PreprocessChart() {}

    public static String svg(List<PreprocessBench.Row> rows) {
        return ChartSvg.document(draw(rows), 760, 420);
    }

    static JFreeChart draw(List<PreprocessBench.Row> rows) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (PreprocessBench.Row r : rows) {
            String size = r.width() + "x" + r.height();
            data.addValue(r.baselineMs(), "before: ImageIO + Java2D", size);
            data.addValue(r.oursMs(), "ours: libjpeg-turbo + one pass", size);
            data.addValue(r.tjbenchMs(), "libjpeg-turbo decode alone (tjbench -scale)", size);
            data.addValue(r.djpegDecodeMs(), "djpeg -scale (start excluded)", size);
        }
        return ChartSvg.verticalBars(
                "JPEG to 640x640 letterbox tensor, one core",
                "frame size",
                "ms per frame",
                data,
                "0.0",
                new Color(0xa9cce3),
                new Color(0xd62728),
                new Color(0x7f7f7f),
                new Color(0xcccccc));
    }
}
