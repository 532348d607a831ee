package io.coedge.kafka.results;

import io.coedge.format.FrameResult;
import io.coedge.stats.Latencies;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Live per-task figures over a stream of results: frames, deadline-miss rate (LATE + DROPPED +
 * ERROR over all), latency percentiles ({@link Latencies}) and throughput. Not thread-safe; one
 * reader feeds it.
 */
public final class ResultsTable {

    /** One task's figures. */
    public record Row(
            String task,
            long frames,
            long ok,
            long late,
            long dropped,
            long error,
            double missRate,
            long p50Ms,
            long p95Ms,
            long p99Ms,
            double throughputFps,
            double meanBatch) {}

    private static final class Acc {
        long ok;
        long late;
        long dropped;
        long error;
        long batchSum;
        long batched;
        long firstEmit = Long.MAX_VALUE;
        long lastEmit = Long.MIN_VALUE;
        final Latencies latencies = new Latencies();

        void add(FrameResult r) {
            switch (r.status()) {
                case OK -> ok++;
                case LATE -> late++;
                case DROPPED -> dropped++;
                case ERROR -> error++;
            }
            if (r.batchSize() > 0) {
                batchSum += r.batchSize();
                batched++;
            }
            firstEmit = Math.min(firstEmit, r.emitTs());
            lastEmit = Math.max(lastEmit, r.emitTs());
            latencies.record(r.latencyMs());
        }

        long frames() {
            return ok + late + dropped + error;
        }
    }

    private final Map<String, Acc> tasks = new TreeMap<>();

    public void add(FrameResult result) {
        tasks.computeIfAbsent(result.task(), t -> new Acc()).add(result);
    }

    public long frames() {
        return tasks.values().stream().mapToLong(Acc::frames).sum();
    }

    /**
     * Rows per task, in task order, plus a final {@code ALL} row when there is more than one task.
     */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        Acc all = new Acc();
        for (Map.Entry<String, Acc> e : tasks.entrySet()) {
            Acc a = e.getValue();
            rows.add(row(e.getKey(), a));
            all.ok += a.ok;
            all.late += a.late;
            all.dropped += a.dropped;
            all.error += a.error;
            all.batchSum += a.batchSum;
            all.batched += a.batched;
            all.firstEmit = Math.min(all.firstEmit, a.firstEmit);
            all.lastEmit = Math.max(all.lastEmit, a.lastEmit);
            all.latencies.add(a.latencies);
        }
        if (tasks.size() > 1) {
            rows.add(row("ALL", all));
        }
        return rows;
    }

    private static Row row(String task, Acc a) {
        long frames = a.frames();
        double span = (a.lastEmit - a.firstEmit) / 1000.0;
        return new Row(
                task,
                frames,
                a.ok,
                a.late,
                a.dropped,
                a.error,
                frames == 0 ? 0 : (double) (a.late + a.dropped + a.error) / frames,
                a.latencies.percentile(0.50),
                a.latencies.percentile(0.95),
                a.latencies.percentile(0.99),
                span <= 0 ? 0 : (frames - 1) / span,
                a.batched == 0 ? 0 : (double) a.batchSum / a.batched);
    }

    /** The table as fixed-width text. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%-20s %8s %7s %6s %7s %6s %7s %7s %7s %7s %8s %6s%n",
                        "task",
                        "frames",
                        "ok",
                        "late",
                        "dropped",
                        "error",
                        "DMR%",
                        "p50ms",
                        "p95ms",
                        "p99ms",
                        "fps",
                        "batch"));
        for (Row r : rows()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%-20s %8d %7d %6d %7d %6d %7.2f %7d %7d %7d %8.1f %6.2f%n",
                            r.task(),
                            r.frames(),
                            r.ok(),
                            r.late(),
                            r.dropped(),
                            r.error(),
                            r.missRate() * 100,
                            r.p50Ms(),
                            r.p95Ms(),
                            r.p99Ms(),
                            r.throughputFps(),
                            r.meanBatch()));
        }
        return sb.toString();
    }
}
