package io.coedge.cli;

import io.coedge.cli.charts.SimCharts;
import io.coedge.scheduler.batch.BatchPolicies;
import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.sim.Report;
import io.coedge.scheduler.sim.Scenario;
import io.coedge.scheduler.sim.ScenarioException;
import io.coedge.scheduler.sim.ScenarioLoader;
import io.coedge.scheduler.sim.SimResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code coedge sim}: runs the discrete-event simulator on a scenario file. */
@Command(
        name = "sim",
        mixinStandardHelpOptions = true,
        description = {
            "Simulate a scenario with one dispatch/batch policy pair, or every pair with --report.",
            "Dispatch policies: no-offloading, naive-global, coedge. Batch policies: coedge, fifo, triton, deepstream, clockwork."
        })
public final class SimCommand implements Callable<Integer> {

    @Spec private CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--scenario",
            required = true,
            paramLabel = "FILE",
            description = "Scenario YAML (see docs/SIMULATOR.md).")
    private Path scenario;

    @Option(
            names = "--dispatch",
            paramLabel = "P",
            defaultValue = "coedge",
            description = "Dispatch policy (default: ${DEFAULT-VALUE}).")
    private String dispatch;

    @Option(
            names = "--batch",
            paramLabel = "P",
            defaultValue = "coedge",
            description = "Batch policy (default: ${DEFAULT-VALUE}).")
    private String batch;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Write results.csv, summary.md and charts for this run to DIR.")
    private Path out;

    @Option(
            names = "--report",
            paramLabel = "DIR",
            description =
                    "Run every policy pair (and every sweep point) and write the report to DIR.")
    private Path report;

    @Option(names = "--seed", paramLabel = "N", description = "Override the scenario's seed.")
    private Long seed;

    @Option(names = "--quiet", description = "No progress display on stderr.")
    private boolean quiet;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SimCommand()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter outW = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!DispatchPolicies.NAMES.contains(dispatch)) {
            err.println(
                    "unknown dispatch policy '"
                            + dispatch
                            + "', expected one of "
                            + DispatchPolicies.NAMES);
            return 2;
        }
        if (!BatchPolicies.NAMES.contains(batch)) {
            err.println(
                    "unknown batch policy '" + batch + "', expected one of " + BatchPolicies.NAMES);
            return 2;
        }
        Scenario s;
        try {
            s = ScenarioLoader.load(scenario);
        } catch (ScenarioException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        if (seed != null) {
            s = s.withSeed(seed);
        }
        if (report != null) {
            List<Report.Row> rows =
                    Report.runAll(
                            s,
                            (done, total, row) -> {
                                if (!quiet) {
                                    err.printf(
                                            Locale.ROOT,
                                            "[%d/%d] %s%s: DMR %.2f%%%n",
                                            done,
                                            total,
                                            row.result().pair(),
                                            Double.isNaN(row.point()) ? "" : " @ " + row.point(),
                                            row.result().dmr() * 100);
                                    err.flush();
                                }
                            });
            write(report, s, rows);
            outW.println("report written to " + report.toAbsolutePath());
            return 0;
        }
        if (s.sweep() != null && !quiet) {
            err.println(
                    "note: "
                            + s.name()
                            + " has a sweep; a single run uses the file's own values (use --report to sweep)");
        }
        final Scenario run = s;
        SimResult r =
                Report.runPair(
                        run,
                        dispatch,
                        batch,
                        quiet
                                ? null
                                : (sim, total, frames) -> {
                                    err.printf(
                                            Locale.ROOT,
                                            "\r%s %s/%s: %3.0f%% simulated, %d frames",
                                            run.name(),
                                            dispatch,
                                            batch,
                                            100.0 * sim / total,
                                            frames);
                                    err.flush();
                                });
        if (!quiet) {
            err.println();
        }
        outW.printf(
                Locale.ROOT,
                "%s %s: frames %d, OK %d, LATE %d, DROPPED %d, DMR %.2f%%, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, "
                        + "throughput %.1f fps, goodput %.1f fps%n",
                r.scenario(),
                r.pair(),
                r.frames(),
                r.ok(),
                r.late(),
                r.dropped(),
                r.dmr() * 100,
                r.p50Millis(),
                r.p95Millis(),
                r.p99Millis(),
                r.throughputFps(),
                r.goodputFps());
        if (out != null) {
            write(out, run, List.of(new Report.Row(Double.NaN, r)));
            outW.println("results written to " + out.toAbsolutePath());
        }
        return 0;
    }

    /** The report's tables and summary, then its charts. */
    private static void write(Path dir, Scenario s, List<Report.Row> rows) {
        Report.write(dir, s, rows);
        try {
            SimCharts.write(dir, Report.charts(s, rows));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
