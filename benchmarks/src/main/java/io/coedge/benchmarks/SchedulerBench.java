package io.coedge.benchmarks;

import io.coedge.scheduler.dispatch.DispatchPolicies;
import io.coedge.scheduler.sim.ProgressListener;
import io.coedge.scheduler.sim.Report;
import io.coedge.scheduler.sim.Scenario;
import io.coedge.scheduler.sim.ScenarioLoader;
import io.coedge.scheduler.sim.SimResult;
import io.coedge.scheduler.sim.Simulator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scheduler's macro benchmark: deadline-miss rates of every policy pair on the shipped
 * scenarios and the simulator's speed, printed as Markdown. Run by hand, single-threaded: {@code
 * mvn -B -q -pl benchmarks -am compile exec:java} (main class preset). The dispatcher's
 * micro-benchmarks (plan time, routing lookup) are JMH benchmarks: {@link DispatchBenchmarks}.
 * Wall-clock time is read here only, never inside the simulator.
 */
public final class SchedulerBench {

    private SchedulerBench() {}

    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "scenarios");
        System.out.println(
                "# SchedulerBench ("
                        + System.getProperty("java.vm.name")
                        + " "
                        + System.getProperty("java.version")
                        + ", "
                        + Runtime.getRuntime().availableProcessors()
                        + " CPUs visible, single-threaded)\n");
        paperReduction(ScenarioLoader.load(dir.resolve("paper.yaml")));
        for (String name :
                List.of(
                        "paper",
                        "bandwidth-sweep",
                        "load-sweep",
                        "city",
                        "hetero-tight",
                        "cloud",
                        "bursts",
                        "one-model-city")) {
            dominance(ScenarioLoader.load(dir.resolve(name + ".yaml")));
        }
        batchingUnderOneDispatch(
                ScenarioLoader.load(dir.resolve("bench-contended.yaml")), "coedge");
        Scenario city = ScenarioLoader.load(dir.resolve("city.yaml"));
        seeds(city, "clockwork");
        simulatorSpeed(city);
    }

    private static void paperReduction(Scenario paper) {
        System.out.println("## paper: deadline-miss rate, coedge/coedge vs no-offloading\n");
        SimResult coedge = Report.runPair(paper, "coedge", "coedge", null);
        System.out.println(
                "| no-offloading pair | its DMR % | coedge/coedge DMR % | reduction % |\n|---|---:|---:|---:|");
        for (String b : io.coedge.scheduler.batch.BatchPolicies.NAMES) {
            SimResult base = Report.runPair(paper, "no-offloading", b, null);
            double cut = base.dmr() == 0 ? 0 : 100 * (base.dmr() - coedge.dmr()) / base.dmr();
            System.out.printf(
                    Locale.ROOT,
                    "| no-offloading/%s | %.2f | %.2f | %.2f |%n",
                    b,
                    base.dmr() * 100,
                    coedge.dmr() * 100,
                    cut);
        }
        System.out.println();
    }

    /**
     * coedge/coedge against every other pair at every point; lists the points where a baseline is
     * lower.
     */
    private static void dominance(Scenario s) {
        long t0 = System.nanoTime();
        List<Report.Row> rows = Report.runAll(s, (done, total, row) -> {});
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<Double, Map<String, Double>> byPoint = new LinkedHashMap<>();
        for (Report.Row r : rows) {
            byPoint.computeIfAbsent(r.point(), p -> new LinkedHashMap<>())
                    .put(r.result().pair(), r.result().dmr());
        }
        System.out.printf(
                Locale.ROOT,
                "## %s: coedge/coedge vs every baseline pair (%d runs, %.1f s)%n%n",
                s.name(),
                rows.size(),
                secs);
        System.out.println(
                "| point | coedge/coedge DMR % | best other pair | its DMR % | coedge/coedge <= all "
                        + "| no-offloading/coedge DMR % | cut vs it % | no-offloading/fifo DMR % | cut vs it % |");
        System.out.println("|---|---:|---|---:|---|---:|---:|---:|---:|");
        for (Map.Entry<Double, Map<String, Double>> e : byPoint.entrySet()) {
            Map<String, Double> m = e.getValue();
            double mine = m.get("coedge/coedge");
            String best = null;
            for (Map.Entry<String, Double> p : m.entrySet()) {
                if (!p.getKey().equals("coedge/coedge")
                        && (best == null || p.getValue() < m.get(best))) {
                    best = p.getKey();
                }
            }
            double noOffCoedge = m.get("no-offloading/coedge");
            double noOffFifo = m.get("no-offloading/fifo");
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.2f | %s | %.2f | %s | %.2f | %s | %.2f | %s |%n",
                    Double.isNaN(e.getKey()) ? "-" : e.getKey(),
                    mine * 100,
                    best,
                    m.get(best) * 100,
                    mine <= m.get(best) ? "yes" : "NO",
                    noOffCoedge * 100,
                    cut(noOffCoedge, mine),
                    noOffFifo * 100,
                    cut(noOffFifo, mine));
        }
        System.out.println();
    }

    /**
     * Every batch policy under one dispatch policy, on seeds 1-5 and the file's: whether coedge
     * batching misses no more than the baselines when they share a plan (bench-contended:
     * config/bench.yaml on a shared 2-core machine).
     */
    private static void batchingUnderOneDispatch(Scenario s, String dispatch) {
        System.out.printf(
                Locale.ROOT,
                "## %s: batch policies under the %s dispatch (DMR %%, shed / late frames)%n%n| seed |",
                s.name(),
                dispatch);
        List<String> batches = io.coedge.scheduler.batch.BatchPolicies.NAMES;
        batches.forEach(b -> System.out.print(" " + dispatch + "/" + b + " |"));
        System.out.println("\n|---|" + "---:|".repeat(batches.size()));
        List<Long> seeds = new ArrayList<>(List.of(s.seed()));
        for (long seed = 1; seed <= 5; seed++) {
            if (seed != s.seed()) {
                seeds.add(seed);
            }
        }
        for (long seed : seeds) {
            System.out.print("| " + seed + (seed == s.seed() ? " (file)" : "") + " |");
            for (String b : batches) {
                SimResult r = Report.runPair(s.withSeed(seed), dispatch, b, null);
                System.out.printf(
                        Locale.ROOT, " %.2f (%d / %d) |", r.dmr() * 100, r.dropped(), r.late());
            }
            System.out.println();
        }
        System.out.println();
    }

    /** coedge/coedge vs coedge/{batch} on other seeds: same city, other camera phases and noise. */
    private static void seeds(Scenario s, String batch) {
        System.out.printf(
                Locale.ROOT,
                "## %s: coedge/coedge vs coedge/%s on seeds 1-5%n%n| seed | coedge/coedge DMR %% | coedge/%s DMR %% |%n|---|---:|---:|%n",
                s.name(),
                batch,
                batch);
        double sumMine = 0;
        double sumOther = 0;
        for (long seed = 1; seed <= 5; seed++) {
            double mine = Report.runPair(s.withSeed(seed), "coedge", "coedge", null).dmr();
            double other = Report.runPair(s.withSeed(seed), "coedge", batch, null).dmr();
            sumMine += mine;
            sumOther += other;
            System.out.printf(Locale.ROOT, "| %d | %.3f | %.3f |%n", seed, mine * 100, other * 100);
        }
        System.out.printf(
                Locale.ROOT, "| mean | %.3f | %.3f |%n%n", sumMine / 5 * 100, sumOther / 5 * 100);
    }

    private static String cut(double base, double mine) {
        return base == 0 ? "-" : String.format(Locale.ROOT, "%.1f", 100 * (base - mine) / base);
    }

    private static void simulatorSpeed(Scenario city) {
        System.out.println("## Simulator speed on city (one thread)\n");
        System.out.println(
                "| pair | frames | wall s | frames/s (wall) | CPU s | frames/s (CPU of this thread) |\n|---|---:|---:|---:|---:|---:|");
        java.lang.management.ThreadMXBean cpu =
                java.lang.management.ManagementFactory.getThreadMXBean();
        Report.runPair(city.withDuration(10_000_000), "coedge", "coedge", null); // JIT warm-up
        for (String[] pair :
                List.of(
                        new String[] {"coedge", "coedge"},
                        new String[] {"no-offloading", "fifo"},
                        new String[] {"naive-global", "triton"})) {
            Simulator sim =
                    new Simulator(
                            city,
                            DispatchPolicies.byName(pair[0]),
                            city.batching().policy(pair[1]));
            long c0 = cpu.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            SimResult r = sim.run(ProgressListener.NONE);
            double secs = (System.nanoTime() - t0) / 1e9;
            double cpuSecs = (cpu.getCurrentThreadCpuTime() - c0) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %d | %.2f | %.0f | %.2f | %.0f |%n",
                    r.pair(),
                    r.frames(),
                    secs,
                    r.frames() / secs,
                    cpuSecs,
                    r.frames() / cpuSecs);
        }
        System.out.println();
    }
}
