package io.coedge.cli;

import io.coedge.benchmarks.LiveLinkBench;
import io.coedge.cli.charts.LiveLinkChart;
import io.coedge.deploy.JobArguments;
import io.coedge.deploy.testbed.Testbed;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code coedge bench live-link --testbed}: {@link LiveLinkBench} and its report files. */
@Command(
        name = "live-link",
        mixinStandardHelpOptions = true,
        description = {
            "One job on the testbed (root) while links drop and come back: brings the testbed up from the catalog,",
            "runs one job with a camera producer per origin node, shapes the --drop links down at --drop-at and back",
            "to the catalog's bandwidth at --restore-at. Reports DMR per window, and for each change the time until",
            "DMR is back under 10%% (for at least 3 windows) and the moves per task: live.csv, live.md, live.svg."
        })
final class LiveLinkCommand implements Callable<Integer> {
    static final String CONFIG = "config/live-testbed.yaml";
    static final String MODELS = "config/live-models";

    /** Both of edge-1's links: which of edge-2 and edge-3 takes its shipped task varies by run. */
    static final List<String> DROPS = List.of("edge-1:edge-2=5", "edge-1:edge-3=5");

    @Option(
            names = "--testbed",
            description = "Run on the testbed (required: the only place this runs).")
    boolean testbed;

    @Option(
            names = "--config",
            description =
                    "Catalog (default: " + CONFIG + ", with the delay models of " + MODELS + ").")
    Path config;

    @Option(
            names = "--models",
            description =
                    "The sidecars' model repository (default: "
                            + MODELS
                            + " with the default catalog, else the generated models of `coedge models generate`).")
    Path models;

    @Option(
            names = "--drop",
            paramLabel = "A:B=MBPS",
            description =
                    "A link to shape down, both directions; repeatable (default with the default catalog: "
                            + "--drop edge-1:edge-2=5 --drop edge-1:edge-3=5).")
    List<String> drops = new ArrayList<>();

    @Option(
            names = "--drop-at",
            defaultValue = "40s",
            description =
                    "When the links drop, after the cameras' first frame (default: ${DEFAULT-VALUE}).")
    Duration dropAt;

    @Option(
            names = "--restore-at",
            defaultValue = "85s",
            description = "When they get the catalog's bandwidth back (default: ${DEFAULT-VALUE}).")
    Duration restoreAt;

    @Option(
            names = "--duration",
            defaultValue = "120s",
            description = "Camera time; the run ends then (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--window",
            defaultValue = "2s",
            description = "DMR window of capture time (default: ${DEFAULT-VALUE}).")
    Duration window;

    @Option(
            names = "--pair",
            defaultValue = "coedge/coedge",
            description = "dispatch/batch policies of the job (default: ${DEFAULT-VALUE}).")
    String pair;

    @Option(
            names = "--frames",
            defaultValue = "noise",
            description =
                    "noise: 400x300 JPEGs of noise (74 KB, a 2560x1440 frame's size, cheap to decode); drawn: the"
                            + " producer's drawn scenes at each task's frame size (default: ${DEFAULT-VALUE}).")
    String frames;

    @Option(
            names = "--out",
            defaultValue = "live-out",
            description = "Where live.csv, live.md and live.svg go (default: ${DEFAULT-VALUE}).")
    Path out;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!testbed) {
            throw new ParameterException(
                    spec.commandLine(), "live-link runs on the testbed only: add --testbed");
        }
        if (!frames.equals("noise") && !frames.equals("drawn")) {
            throw new ParameterException(
                    spec.commandLine(), "--frames is noise or drawn, was '" + frames + "'");
        }
        String[] policies = pair.split("/");
        LiveLinkBench.Plan plan;
        Path workDir = Home.workDir();
        try {
            if (policies.length != 2) {
                throw new IllegalArgumentException("--pair must be dispatch/batch, was " + pair);
            }
            List<LiveLinkBench.Drop> parsed = new ArrayList<>();
            for (String d : drops.isEmpty() && config == null ? DROPS : drops) {
                parsed.add(LiveLinkBench.Drop.parse(d));
            }
            plan =
                    new LiveLinkBench.Plan(
                            Home.resolve(config == null ? Path.of(CONFIG) : config)
                                    .toAbsolutePath(),
                            policies[0],
                            policies[1],
                            parsed,
                            dropAt,
                            restoreAt,
                            duration,
                            window,
                            null);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            Testbed.checkPrivileges();
        } catch (IOException e) {
            System.err.println("coedge bench: " + e.getMessage());
            return 1;
        }
        if (frames.equals("noise")) {
            plan =
                    new LiveLinkBench.Plan(
                            plan.catalog(),
                            plan.dispatch(),
                            plan.batch(),
                            plan.drops(),
                            plan.dropAt(),
                            plan.restoreAt(),
                            plan.duration(),
                            plan.window(),
                            LiveLinkBench.noiseImages(
                                    workDir.resolve("live-link").resolve("noise"), 400, 300));
        }
        Path repository =
                models != null
                        ? Home.resolve(models)
                        : config == null
                                ? Home.resolve(Path.of(MODELS))
                                : workDir.resolve("models");
        Progress progress = Progress.line("bench live-link");
        LiveLinkBench.Report report =
                new LiveLinkBench(
                                workDir,
                                repository.toAbsolutePath(),
                                Home.resolve(Path.of(JobArguments.JAR)).toAbsolutePath(),
                                CoEdgeCli.class.getName(),
                                progress::update)
                        .run(plan);
        progress.done();
        System.out.println(write(out, report));
        System.out.println(ReportFiles.wrote(out, "live"));
        return 0;
    }

    /** Writes live.csv, live.md and live.svg into {@code out}; returns the Markdown. */
    static String write(Path out, LiveLinkBench.Report report) throws IOException {
        String md = LiveLinkBench.markdown(report);
        ReportFiles.write(out, "live", LiveLinkBench.csv(report), md, LiveLinkChart.svg(report));
        return md;
    }
}
