package io.coedge.benchmarks;

import io.coedge.scheduler.dispatch.CoEdgeDispatch;
import io.coedge.scheduler.dispatch.RoutingTable;
import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.Topology;
import io.coedge.scheduler.sim.ScenarioLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The dispatcher's micro-benchmarks under JMH: a plan from scratch and a re-plan after a bandwidth
 * change on the city scenario (what {@code DispatchFunction} runs when statuses change), and the
 * per-frame routing lookup. Run: {@code mvn -B -q -pl benchmarks -am package -DskipTests
 * exec:exec@jmh} (or {@code java -cp ... org.openjdk.jmh.Main DispatchBenchmarks}); the scenario
 * folder is {@code -Dcoedge.scenarios=DIR} (default {@code scheduler/scenarios} from the repository
 * root or the module).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DispatchBenchmarks {
    @Param({"city"})
    public String scenario;

    private Topology topology;
    private Topology changed;
    private Assignment first;
    private CoEdgeDispatch coedge;
    private RoutingTable routing;
    private int[] taskIndexes;
    private String[] taskIds;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        topology = ScenarioLoader.load(scenarios().resolve(scenario + ".yaml")).topology();
        coedge = CoEdgeDispatch.withDefaults();
        first = coedge.plan(topology, Assignment.EMPTY);
        // Every link out of the first ten nodes drops to a twentieth (100 -> 5 Mbit/s).
        List<Link> links = new ArrayList<>();
        for (Link l : topology.links()) {
            boolean hit = topology.nodeIndex(l.from()) < 10;
            links.add(
                    hit
                            ? new Link(
                                    l.from(),
                                    l.to(),
                                    l.bandwidthBitsPerSecond() / 20,
                                    l.latencyMicros())
                            : l);
        }
        changed = topology.withLinks(links);
        routing = new RoutingTable(topology, first);
        SplittableRandom rnd = new SplittableRandom(1);
        taskIndexes = new int[1 << 16];
        taskIds = new String[1 << 16];
        for (int i = 0; i < taskIndexes.length; i++) {
            taskIndexes[i] = rnd.nextInt(topology.tasks().size());
            taskIds[i] = topology.tasks().get(taskIndexes[i]).id();
        }
    }

    static Path scenarios() {
        String dir = System.getProperty("coedge.scenarios");
        if (dir != null) {
            return Path.of(dir);
        }
        Path fromRoot = Path.of("scheduler/scenarios");
        return fromRoot.toFile().isDirectory() ? fromRoot : Path.of("../scheduler/scenarios");
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Assignment planFromScratch() {
        return coedge.plan(topology, Assignment.EMPTY);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Assignment replanAfterBandwidthChange() {
        return coedge.plan(changed, first);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int routeByTaskIndex() {
        return routing.nodeOf(taskIndexes[next++ & 0xFFFF]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int routeByTaskId() {
        return routing.nodeOf(taskIds[next++ & 0xFFFF]);
    }
}
