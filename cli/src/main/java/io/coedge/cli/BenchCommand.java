package io.coedge.cli;

import io.coedge.benchmarks.FaultBench;
import io.coedge.benchmarks.HeapBench;
import io.coedge.benchmarks.PipelineAbBench;
import io.coedge.benchmarks.PipelineBench;
import io.coedge.benchmarks.PreprocessBench;
import io.coedge.benchmarks.TestbedSweep;
import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.cli.charts.FaultsChart;
import io.coedge.cli.charts.PipelineAbChart;
import io.coedge.cli.charts.PolicyChart;
import io.coedge.cli.charts.PreprocessChart;
import io.coedge.cli.charts.SweepChart;
import io.coedge.deploy.JobArguments;
import io.coedge.kafka.embedded.EmbeddedKafka;
import io.coedge.topics.KafkaClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Benchmarks of the real pipeline; each compares with a baseline measured in the same run.",
        subcommands = {
            BenchCommand.Policies.class,
            BenchCommand.Throughput.class,
            BenchCommand.Preprocess.class,
            BenchCommand.Metrics.class,
            BenchCommand.Decode.class,
            BenchCommand.Faults.class,
            BenchCommand.Heap.class,
            BenchCommand.MergeSweeps.class,
            LiveLinkCommand.class
        })
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "policies",
            mixinStandardHelpOptions = true,
            description = {
                "Deadline-miss rate of policy pairs on the real pipeline (embedded Kafka, one sidecar process per node,",
                "the job on a MiniCluster), one after the other on the same sidecars, each beside the simulator's",
                "prediction for the same catalog and the node profiles the run measured. With --testbed, on the testbed",
                "(root) at each point of a --sweep of the link bandwidth or the cameras' load."
            })
    static final class Policies implements Callable<Integer> {
        @Option(
                names = "--config",
                defaultValue = "config/bench.yaml",
                description = "Catalog (default: ${DEFAULT-VALUE}).")
        Path config;

        @Option(
                names = "--duration",
                defaultValue = "45s",
                description = "Camera time per pair (default: ${DEFAULT-VALUE}).")
        Duration duration;

        @Option(
                names = "--pairs",
                split = ",",
                defaultValue =
                        "coedge/coedge,no-offloading/coedge,naive-global/coedge,coedge/triton,no-offloading/fifo",
                description = "dispatch/batch pairs (default: ${DEFAULT-VALUE}).")
        List<String> pairs;

        @Option(
                names = "--out",
                defaultValue = "bench-out",
                description = "Where the table and chart go (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(
                names = "--warm-up",
                defaultValue = "60s",
                description =
                        "An unreported run of the first pair first, so that it does not also pay for JIT compilation and cold sidecars (default: ${DEFAULT-VALUE}; 0s for none).")
        Duration warmUp;

        @Option(
                names = "--testbed",
                description =
                        "Run on the testbed (root: a network namespace, shaped links and a CPU share per node, as `cluster up"
                                + " --testbed`) at each point of --sweep. Defaults then: --config "
                                + TESTBED_CONFIG
                                + ", --duration "
                                + TESTBED_DURATION
                                + ", --warm-up "
                                + TESTBED_WARM_UP
                                + ", --settle "
                                + TESTBED_SETTLE
                                + ", --pairs "
                                + TESTBED_PAIRS
                                + ", --sweep "
                                + TESTBED_SWEEP
                                + ".")
        boolean testbed;

        @Option(
                names = "--sweep",
                paramLabel = "DIM=V,...",
                description =
                        "With --testbed: bandwidth=MBPS,... sets every link to each value in turn; load=F,... runs every camera"
                                + " at F times its fps.")
        String sweep;

        @Option(
                names = "--repeat",
                defaultValue = "1",
                paramLabel = "N",
                description =
                        "With --testbed: run every pair N times at each point, each round in another order (rotated, so"
                                + " that no pair always runs first), and add each pair's mean at each point to the"
                                + " table (default: ${DEFAULT-VALUE}).")
        int repeat;

        @Option(
                names = "--settle",
                paramLabel = "DURATION",
                description =
                        "With --testbed: each run's cameras run this much longer than --duration, and its DMR counts only the"
                                + " frames captured after it; the DMR of every frame and each run's misses by 5 s of capture"
                                + " are reported beside it (default with --testbed: "
                                + TESTBED_SETTLE
                                + ").")
        Duration settle;

        @Option(
                names = "--load",
                paramLabel = "F",
                description =
                        "With --testbed and a bandwidth sweep: every camera at F times its fps at every point (the"
                                + " catalog's load otherwise), e.g. the bandwidth sweep on an overloaded node.")
        Double load;

        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        static final String TESTBED_CONFIG = "config/paper-testbed.yaml";
        static final String TESTBED_DURATION = "30s";

        /**
         * The testbed's unreported warm-up. With 45 s, the reported runs of a sweep missed 35.5,
         * 19.9, 8.6, 4.5, 2.6, 2.0, 2.1, 3.0 and 5.3% one after the other (three pairs, three
         * rotated rounds, load 1; docs/PERFORMANCE.md): whatever ran in the first four runs paid
         * for freshly started TaskManagers, sidecars and Kafka, about four minutes of them.
         */
        static final String TESTBED_WARM_UP = "4m";

        /**
         * What each testbed run does not count. Every run is a new job whose code the TaskManagers
         * compile afresh, and the cameras' and the probe's JVMs start beside them on the same two
         * cores: docs/PERFORMANCE.md has the misses of each run's first seconds.
         */
        static final String TESTBED_SETTLE = "15s";

        static final String TESTBED_PAIRS =
                "coedge/coedge,no-offloading/coedge,naive-global/coedge,coedge/triton,coedge/clockwork";
        static final String TESTBED_SWEEP = "bandwidth=1000,100,20,10,5";

        @Override
        public Integer call() throws Exception {
            if (testbed) {
                return testbed();
            }
            if (sweep != null || repeat != 1 || settle != null || load != null) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(),
                        (sweep != null
                                        ? "--sweep"
                                        : repeat != 1
                                                ? "--repeat"
                                                : settle != null ? "--settle" : "--load")
                                + " runs on the testbed only: add --testbed");
            }
            List<String[]> parsed = new ArrayList<>();
            for (String p : pairs) {
                String[] parts = p.split("/");
                if (parts.length != 2) {
                    throw new IllegalArgumentException(
                            "--pairs entry '" + p + "' is not dispatch/batch");
                }
                parsed.add(parts);
            }
            Progress progress = Progress.line("bench");
            try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
                PipelineBench bench =
                        new PipelineBench(
                                KafkaClients.resolve(kafka.bootstrapServers(), null),
                                Home.workDir(),
                                progress::update);
                List<PipelineBench.PolicyRun> runs =
                        bench.policies(
                                CatalogText.read(Home.resolve(config)),
                                parsed,
                                duration,
                                warmUp,
                                Home.workDir().resolve("models"));
                String table = PipelineBench.markdown(runs);
                Files.createDirectories(out);
                Files.writeString(out.resolve("policies.md"), table);
                Files.writeString(out.resolve("policies.svg"), PolicyChart.svg(runs));
                System.out.println(table);
                System.out.println(
                        "coedge bench: wrote "
                                + out.resolve("policies.md")
                                + " and "
                                + out.resolve("policies.svg"));
            }
            return 0;
        }

        /** {@code --testbed}: the sweep on the testbed ({@link TestbedSweep}). */
        private Integer testbed() throws Exception {
            var parse = spec.commandLine().getParseResult();
            TestbedSweep.Sweep points;
            List<String[]> parsed;
            try {
                points = TestbedSweep.Sweep.parse(sweep == null ? TESTBED_SWEEP : sweep);
                parsed =
                        parsePairs(
                                parse.hasMatchedOption("--pairs")
                                        ? pairs
                                        : List.of(TESTBED_PAIRS.split(",")));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(), e.getMessage());
            }
            if (load != null && !points.dimension().equals(TestbedSweep.Sweep.BANDWIDTH)) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(),
                        "--load scales the cameras of a bandwidth sweep; a load sweep sets each"
                                + " point's load itself");
            }
            Path catalog =
                    Home.resolve(
                            parse.hasMatchedOption("--config") ? config : Path.of(TESTBED_CONFIG));
            Duration runFor =
                    parse.hasMatchedOption("--duration")
                            ? duration
                            : Durations.parse(TESTBED_DURATION);
            Duration warmFor =
                    parse.hasMatchedOption("--warm-up") ? warmUp : Durations.parse(TESTBED_WARM_UP);
            Duration settleFor = settle != null ? settle : Durations.parse(TESTBED_SETTLE);
            Progress progress = Progress.line("bench");
            try {
                io.coedge.deploy.testbed.Testbed.checkPrivileges();
            } catch (java.io.IOException e) {
                System.err.println("coedge bench: " + e.getMessage());
                return 1;
            }
            Files.createDirectories(out);
            if (load != null) {
                Path scaled = out.resolve("catalog-load-" + TestbedSweep.format(load) + ".yaml");
                Files.writeString(
                        scaled,
                        TestbedSweep.pointCatalog(
                                Files.readString(catalog), TestbedSweep.Sweep.LOAD, load));
                progress.update(
                        "every camera at "
                                + TestbedSweep.format(load)
                                + "x its fps at every point: "
                                + scaled);
                catalog = scaled;
            }
            List<TestbedSweep.Point> done = new ArrayList<>();
            List<TestbedSweep.Disturbed> disturbed = new ArrayList<>();
            TestbedSweep bench =
                    new TestbedSweep(
                            Home.workDir(),
                            Home.workDir().resolve("models"),
                            Home.resolve(Path.of(JobArguments.JAR)).toAbsolutePath(),
                            CoEdgeCli.class.getName(),
                            progress::update);
            bench.run(
                    catalog,
                    points,
                    parsed,
                    runFor,
                    warmFor,
                    settleFor,
                    repeat,
                    p -> {
                        done.add(p);
                        try {
                            // what has run survives a later failure
                            writeSweep(out, done, disturbed);
                        } catch (java.io.IOException e) {
                            progress.update("could not write " + out + ": " + e.getMessage());
                        }
                    },
                    disturbed::add);
            String table = TestbedSweep.markdown(done) + TestbedSweep.disturbedMarkdown(disturbed);
            System.out.println(table);
            System.out.println(ReportFiles.wrote(out, "sweep"));
            System.out.println(
                    "coedge bench: wrote "
                            + out.resolve("sweep-windows.csv")
                            + " and "
                            + out.resolve("sweep-windows.svg"));
            return 0;
        }

        static void writeSweep(Path out, List<TestbedSweep.Point> points)
                throws java.io.IOException {
            writeSweep(out, points, List.of());
        }

        /** The sweep's reports; the runs a process dying disturbed follow its Markdown table. */
        static void writeSweep(
                Path out, List<TestbedSweep.Point> points, List<TestbedSweep.Disturbed> disturbed)
                throws java.io.IOException {
            ReportFiles.write(
                    out,
                    "sweep",
                    TestbedSweep.csv(points),
                    TestbedSweep.markdown(points) + TestbedSweep.disturbedMarkdown(disturbed),
                    SweepChart.svg(points));
            Files.writeString(out.resolve("sweep-windows.csv"), TestbedSweep.windowsCsv(points));
            Files.writeString(out.resolve("sweep-windows.svg"), SweepChart.windowsSvg(points));
        }

        static List<String[]> parsePairs(List<String> pairs) {
            List<String[]> parsed = new ArrayList<>();
            for (String p : pairs) {
                String[] parts = p.split("/");
                if (parts.length != 2) {
                    throw new IllegalArgumentException(
                            "--pairs entry '" + p + "' is not dispatch/batch");
                }
                parsed.add(parts);
            }
            return parsed;
        }
    }

    @Command(
            name = "throughput",
            mixinStandardHelpOptions = true,
            description =
                    "Pipeline throughput on one node against the same sidecar's own capacity, same model and batch size.")
    static final class Throughput implements Callable<Integer> {
        @Option(
                names = "--model",
                defaultValue = "yolo-small",
                description = "Model (default: ${DEFAULT-VALUE}).")
        String model;

        @Option(
                names = "--batch",
                defaultValue = "8",
                description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(
                names = "--frames",
                defaultValue = "800",
                description = "Backlog the pipeline drains (default: ${DEFAULT-VALUE}).")
        int frames;

        @Option(
                names = "--direct-for",
                defaultValue = "15s",
                description =
                        "How long the sidecar alone is measured, before and after (default: ${DEFAULT-VALUE}).")
        Duration directFor;

        @Override
        public Integer call() throws Exception {
            Progress progress = Progress.line("bench");
            try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
                PipelineBench bench =
                        new PipelineBench(
                                KafkaClients.resolve(kafka.bootstrapServers(), null),
                                Home.workDir(),
                                progress::update);
                PipelineBench.Throughput t =
                        bench.throughput(
                                Home.workDir().resolve("models"), model, batch, frames, directFor);
                System.out.printf(
                        Locale.ROOT,
                        "%s batch %d: sidecar alone %.1f frames/s, pipeline %.1f frames/s over %d frames, ratio %.3f%n",
                        t.model(),
                        t.batch(),
                        t.sidecarFps(),
                        t.pipelineFps(),
                        t.frames(),
                        t.ratio());
            }
            return 0;
        }
    }

    @Command(
            name = "preprocess",
            mixinStandardHelpOptions = true,
            description = {
                "Per-frame JPEG -> 640x640 letterbox tensor time on one core at 640x480, 1280x720 and 1920x1080:",
                "the node's path (libjpeg-turbo with DCT scaling, one pass), the path before it (ImageIO + Java2D)",
                "and libjpeg-turbo's djpeg -scale on the same files, in the same run."
            })
    static final class Preprocess implements Callable<Integer> {
        @Option(
                names = "--video",
                description =
                        "Video to take real frames from with ffmpeg (default: ~/.cache/coedge/media/vtest.avi if present, else a synthetic street).")
        Path video;

        @Option(
                names = "--frames",
                defaultValue = "8",
                description = "Frames per resolution (default: ${DEFAULT-VALUE}).")
        int frames;

        @Option(
                names = "--rounds",
                defaultValue = "7",
                description =
                        "Timed rounds over the frames; medians reported (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(
                names = "--out",
                defaultValue = "bench-out",
                description = "Where the table and chart go (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (frames < 1 || rounds < 1) {
                System.err.println(
                        "coedge bench preprocess: --frames and --rounds must be at least 1");
                return 2;
            }
            if (!PreprocessBench.djpegInstalled()) {
                System.err.println(
                        "coedge bench preprocess: djpeg not found (Debian: apt-get install libjpeg-turbo-progs)");
                return 1;
            }
            Path source = video;
            if (source == null) {
                Path cached =
                        Path.of(
                                System.getProperty("user.home"),
                                ".cache",
                                "coedge",
                                "media",
                                "vtest.avi");
                source = Files.isRegularFile(cached) ? cached : null;
            } else if (!Files.isRegularFile(source)) {
                System.err.println("coedge bench preprocess: no such video: " + source);
                return 2;
            }
            Progress progress = Progress.line("bench preprocess");
            PreprocessBench bench =
                    new PreprocessBench(
                            Home.workDir().resolve("bench-preprocess"), source, progress::update);
            List<PreprocessBench.Row> rows;
            try {
                rows = bench.run(frames, rounds);
            } catch (IllegalStateException e) {
                progress.done();
                System.err.println("coedge bench preprocess: " + e.getMessage());
                return 1;
            }
            progress.done();
            String table = PreprocessBench.markdown(bench.source(), rows);
            Files.createDirectories(out);
            Files.writeString(out.resolve("preprocess.md"), table);
            Files.writeString(out.resolve("preprocess.svg"), PreprocessChart.svg(rows));
            System.out.println(table);
            System.out.println(
                    "coedge bench: wrote "
                            + out.resolve("preprocess.md")
                            + " and "
                            + out.resolve("preprocess.svg"));
            return 0;
        }
    }

    /** {@code uptime}'s load averages, for the report. */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return "load average "
                    + f[0]
                    + ", "
                    + f[1]
                    + ", "
                    + f[2]
                    + " on "
                    + Runtime.getRuntime().availableProcessors()
                    + " cores";
        } catch (java.io.IOException e) {
            return Runtime.getRuntime().availableProcessors() + " cores (load average unknown)";
        }
    }

    @Command(
            name = "faults",
            mixinStandardHelpOptions = true,
            description = {
                "The outside fault run on the process cluster (`cluster up --kafka` with its supervisor): the job in",
                "each delivery mode, an independent producer of N frames at F frames/s, and at 20%% / 50%% / 80%% of the",
                "frames one TaskManager SIGKILLed, one sidecar SIGKILLed, one sidecar SIGSTOPped for 10 s. A",
                "read_committed consumer reports sent / committed / duplicates / lost, the time until results are",
                "visible again after each fault, and capture -> visible p50/p99. Every process it starts is stopped."
            })
    static final class Faults implements Callable<Integer> {
        @Option(
                names = "--config",
                defaultValue = "config/demo.yaml",
                description = "Catalog; at least two nodes (default: ${DEFAULT-VALUE}).")
        Path config;

        @Option(
                names = "--delivery",
                defaultValue = "both",
                description = "exactly-once, low-latency or both (default: ${DEFAULT-VALUE}).")
        String delivery;

        @Option(
                names = "--frames",
                defaultValue = "3000",
                description = "Frames per mode (default: ${DEFAULT-VALUE}).")
        int frames;

        @Option(
                names = "--fps",
                defaultValue = "20",
                description = "Frames per second over all cameras (default: ${DEFAULT-VALUE}).")
        double fps;

        @Option(
                names = "--checkpoint-ms",
                defaultValue = "5000",
                description =
                        "The job's checkpoint interval (default: ${DEFAULT-VALUE}, the job's own).")
        long checkpointMs;

        @Option(
                names = "--models",
                description =
                        "Model repository for the sidecars (default: $COEDGE_HOME/.coedge/models).")
        Path models;

        @Option(
                names = "--out",
                defaultValue = "bench-out",
                description = "Where the table, CSV and charts go (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public Integer call() throws Exception {
            List<String> deliveries =
                    switch (delivery) {
                        case "both" -> List.of("exactly-once", "low-latency");
                        case "exactly-once", "low-latency" -> List.of(delivery);
                        default -> null;
                    };
            if (deliveries == null) {
                System.err.println(
                        "coedge bench faults: --delivery: expected exactly-once, low-latency or both, got '"
                                + delivery
                                + "' (see --help)");
                return 2;
            }
            if (frames < 10 || !(fps > 0) || fps > 1000 || checkpointMs < 100) {
                System.err.println(
                        "coedge bench faults: --frames must be at least 10, --fps in (0, 1000], --checkpoint-ms at least 100 (see --help)");
                return 2;
            }
            Path jar = Home.resolve(Path.of(JobArguments.JAR)).toAbsolutePath();
            if (!Files.isRegularFile(jar)) {
                System.err.println(
                        "coedge bench faults: no job jar at "
                                + jar
                                + " (mvn -pl jobs -am package builds it)");
                return 1;
            }
            Path catalogFile = Home.resolve(config).toAbsolutePath();
            Catalog catalog = CatalogText.read(catalogFile).parse();
            Path modelDir =
                    models != null ? models.toAbsolutePath() : Home.workDir().resolve("models");
            FaultBench.Options options =
                    new FaultBench.Options(
                            catalogFile,
                            catalog,
                            frames,
                            fps,
                            checkpointMs,
                            jar,
                            modelDir,
                            Home.workDir().resolve("bench-faults"));
            Progress progress = Progress.line("bench faults");
            String loadBefore = load();
            List<FaultBench.Run> runs = new FaultBench(options, progress::update).run(deliveries);
            progress.done();
            String table =
                    FaultBench.markdown(
                            options, runs, "before: " + loadBefore + "; after: " + load());
            Files.createDirectories(out);
            Files.writeString(out.resolve("faults.md"), table);
            List<String> wrote = new ArrayList<>(List.of(out.resolve("faults.md").toString()));
            for (FaultBench.Run run : runs) {
                Path csv = out.resolve("faults-" + run.delivery() + ".csv");
                Path svg = out.resolve("faults-" + run.delivery() + ".svg");
                Files.writeString(csv, FaultBench.csv(run));
                Files.writeString(svg, FaultsChart.svg(run));
                wrote.add(csv.toString());
                wrote.add(svg.toString());
            }
            System.out.println(table);
            System.out.println("coedge bench: wrote " + String.join(", ", wrote));
            return 0;
        }
    }

    @Command(
            name = "merge-sweeps",
            mixinStandardHelpOptions = true,
            description = {
                "Testbed sweeps run apart (`bench policies --testbed` into several --out folders, the same catalog and",
                "code) as one report: each pair's runs at each point numbered across the sweeps, their means, and the",
                "chart drawn at the means. Reads each folder's sweep.csv and sweep-windows.csv."
            })
    static final class MergeSweeps implements Callable<Integer> {
        @picocli.CommandLine.Parameters(
                arity = "2..*",
                paramLabel = "SWEEP",
                description = "Folders a testbed sweep wrote, in the order their runs count.")
        List<Path> sweeps;

        @Option(
                names = "--out",
                required = true,
                description = "Where the merged sweep.csv, .md, .svg and sweep-windows.* go.")
        Path out;

        @Override
        public Integer call() throws Exception {
            List<List<TestbedSweep.Point>> read = new ArrayList<>();
            Map<String, String> catalogs = new java.util.TreeMap<>();
            Path catalogsFrom = null;
            try {
                for (Path dir : sweeps) {
                    Path csv = dir.resolve("sweep.csv");
                    if (!Files.isRegularFile(csv)) {
                        System.err.println(
                                "coedge bench merge-sweeps: "
                                        + csv
                                        + " does not exist: is "
                                        + dir
                                        + " the --out of a testbed sweep?");
                        return 2;
                    }
                    Path windows = dir.resolve("sweep-windows.csv");
                    read.add(
                            TestbedSweep.read(
                                    csv.toString(),
                                    Files.readString(csv),
                                    Files.isRegularFile(windows)
                                            ? Files.readString(windows)
                                            : null));
                    Map<String, String> these = scaledCatalogs(dir);
                    if (catalogsFrom == null) {
                        catalogs.putAll(these);
                        catalogsFrom = dir;
                    } else if (!these.equals(catalogs)) {
                        System.err.println(
                                "coedge bench merge-sweeps: "
                                        + dir
                                        + " and "
                                        + catalogsFrom
                                        + " ran different catalogs (their catalog-*.yaml differ: "
                                        + these.keySet()
                                        + " against "
                                        + catalogs.keySet()
                                        + "); only sweeps of the same setup can be merged");
                        return 2;
                    }
                }
                List<TestbedSweep.Point> points = TestbedSweep.merge(read);
                Policies.writeSweep(out, points);
                for (Map.Entry<String, String> c : catalogs.entrySet()) {
                    Files.writeString(out.resolve(c.getKey()), c.getValue());
                }
                System.out.println(TestbedSweep.markdown(points));
                System.out.println(ReportFiles.wrote(out, "sweep"));
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("coedge bench merge-sweeps: " + e.getMessage());
                return 2;
            }
        }

        /** The scaled catalogs a sweep with --load kept beside its results, by file name. */
        static Map<String, String> scaledCatalogs(Path dir) throws java.io.IOException {
            Map<String, String> out = new java.util.TreeMap<>();
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (name.startsWith("catalog-") && name.endsWith(".yaml")) {
                        out.put(name, Files.readString(f));
                    }
                }
            }
            return out;
        }
    }

    @Command(
            name = "heap",
            mixinStandardHelpOptions = true,
            description = {
                "Heap high-water of one node's TaskManager (process cluster, its configured heap) while 7680x4320",
                "JPEGs (the decoder's limit) stream through it, after the same rate of ordinary frames as the baseline;",
                "read from the TaskManager's GC log, turned on in the running JVM with jcmd."
            })
    static final class Heap implements Callable<Integer> {
        @Option(
                names = "--fps",
                defaultValue = "2",
                description = "Frames per second in each phase (default: ${DEFAULT-VALUE}).")
        double fps;

        @Option(
                names = "--duration",
                defaultValue = "60s",
                description = "Length of each phase (default: ${DEFAULT-VALUE}).")
        Duration duration;

        @Option(
                names = "--sidecar-port",
                defaultValue = "8101",
                description =
                        "The node's sidecar port (default: ${DEFAULT-VALUE}; metrics on it + 100).")
        int sidecarPort;

        @Option(
                names = "--models",
                description =
                        "Model repository for the sidecar (default: $COEDGE_HOME/.coedge/models).")
        Path models;

        @Option(
                names = "--out",
                defaultValue = "bench-out",
                description = "Where the table goes (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (!(fps > 0) || fps > 100 || duration.isNegative() || duration.isZero()) {
                System.err.println(
                        "coedge bench heap: --fps must be in (0, 100] and --duration positive (see --help)");
                return 2;
            }
            Path jar = Home.resolve(Path.of(JobArguments.JAR)).toAbsolutePath();
            if (!Files.isRegularFile(jar)) {
                System.err.println(
                        "coedge bench heap: no job jar at "
                                + jar
                                + " (mvn -pl jobs -am package builds it)");
                return 1;
            }
            Path modelDir =
                    models != null ? models.toAbsolutePath() : Home.workDir().resolve("models");
            Progress progress = Progress.line("bench heap");
            String loadBefore = load();
            HeapBench.Result result =
                    new HeapBench(
                                    new HeapBench.Options(
                                            sidecarPort,
                                            fps,
                                            duration,
                                            jar,
                                            modelDir,
                                            Home.workDir().resolve("bench-heap")),
                                    progress::update)
                            .run();
            progress.done();
            String table =
                    HeapBench.markdown(result, fps, "before: " + loadBefore + "; after: " + load());
            Files.createDirectories(out);
            Files.writeString(out.resolve("heap.md"), table);
            System.out.println(table);
            System.out.println("coedge bench: wrote " + out.resolve("heap.md"));
            return 0;
        }
    }

    @Command(
            name = "metrics",
            mixinStandardHelpOptions = true,
            description = {
                "What the job's Prometheus metrics cost a frame: the catalog on the real pipeline, rounds",
                "alternately without Flink's Prometheus reporter and with it (scraped every second), on the",
                "same sidecars in one run; per-frame overhead outside queueing and inference, p50 and mean."
            })
    static final class Metrics extends AbRun {
        @Option(
                names = "--config",
                defaultValue = "config/demo.yaml",
                description = "Catalog (default: ${DEFAULT-VALUE}).")
        Path config;

        @Override
        public Integer call() throws Exception {
            return run(
                    "bench metrics",
                    "metrics-overhead",
                    config,
                    new PipelineAbBench.Cameras.Synthetic(),
                    new PipelineAbBench.Arm("no reporter", false, false),
                    new PipelineAbBench.Arm("Prometheus reporter", true, false));
        }
    }

    @Command(
            name = "decode",
            mixinStandardHelpOptions = true,
            description = {
                "The node's JPEG decoding end to end: the catalog's tasks fed by video cameras (four 1080p",
                "streams by default, made from vtest.avi), rounds alternately with the ImageIO fallback and",
                "with libjpeg-turbo, on the same sidecars in one run; DMR and per-frame overhead outside",
                "queueing and inference."
            })
    static final class Decode extends AbRun {
        @Option(
                names = "--config",
                defaultValue = "config/demo.yaml",
                description = "Catalog (default: ${DEFAULT-VALUE}).")
        Path config;

        @Option(
                names = "--video",
                description =
                        "Video file of one camera, repeatable; each feeds the next task (default: four copies of a 1080p file made from ~/.cache/coedge/media/vtest.avi).")
        List<Path> videos;

        @Option(
                names = "--ffmpeg",
                defaultValue = "ffmpeg",
                description = "The ffmpeg executable (default: ${DEFAULT-VALUE}).")
        String ffmpeg;

        @Override
        public Integer call() throws Exception {
            List<String> files = new ArrayList<>();
            if (videos == null || videos.isEmpty()) {
                Path street;
                try {
                    street = RealAssets.street1080p(ffmpeg, Home.workDir(), System.err::println);
                } catch (java.io.IOException e) {
                    System.err.println("coedge bench decode: " + e.getMessage());
                    return 1;
                }
                for (int i = 0; i < 4; i++) {
                    files.add(street.toString());
                }
            } else {
                for (Path v : videos) {
                    if (!Files.isRegularFile(v)) {
                        System.err.println("coedge bench decode: no such video: " + v);
                        return 2;
                    }
                    files.add(v.toString());
                }
            }
            return run(
                    "bench decode",
                    "decode",
                    config,
                    new PipelineAbBench.Cameras.Videos(files, ffmpeg),
                    new PipelineAbBench.Arm("ImageIO fallback", false, true),
                    new PipelineAbBench.Arm("libjpeg-turbo", false, false));
        }
    }

    /** The options and the run both A/B pipeline benches share. */
    abstract static class AbRun implements Callable<Integer> {
        @Option(
                names = "--duration",
                defaultValue = "30s",
                description = "Camera time per round (default: ${DEFAULT-VALUE}).")
        Duration duration;

        @Option(
                names = "--pairs",
                defaultValue = "2",
                description =
                        "Pairs of rounds, one in each arm, in ABBA order (default: ${DEFAULT-VALUE}).")
        int pairs;

        @Option(
                names = "--warm-up",
                defaultValue = "20s",
                description =
                        "An unreported round first (JIT, cold sidecars) (default: ${DEFAULT-VALUE}; 0s for none).")
        Duration warmUp;

        @Option(
                names = "--out",
                defaultValue = "bench-out",
                description = "Where the table and chart go (default: ${DEFAULT-VALUE}).")
        Path out;

        Integer run(
                String command,
                String name,
                Path config,
                PipelineAbBench.Cameras cameras,
                PipelineAbBench.Arm a,
                PipelineAbBench.Arm b)
                throws Exception {
            Progress progress = Progress.line(command);
            try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
                PipelineAbBench bench =
                        new PipelineAbBench(
                                KafkaClients.resolve(kafka.bootstrapServers(), null),
                                Home.workDir(),
                                progress::update);
                PipelineAbBench.Result result =
                        bench.run(
                                CatalogText.read(Home.resolve(config)),
                                cameras,
                                a,
                                b,
                                duration,
                                pairs,
                                warmUp,
                                Home.workDir().resolve("models"));
                progress.done();
                String table = PipelineAbBench.markdown(result);
                Files.createDirectories(out);
                Files.writeString(out.resolve(name + ".md"), table);
                Files.writeString(out.resolve(name + ".svg"), PipelineAbChart.svg(result));
                System.out.println(table);
                System.out.println(
                        "coedge bench: wrote "
                                + out.resolve(name + ".md")
                                + " and "
                                + out.resolve(name + ".svg"));
            }
            return 0;
        }
    }
}
