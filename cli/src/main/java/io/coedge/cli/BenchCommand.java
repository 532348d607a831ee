package io.coedge.cli;

import io.coedge.benchmarks.PipelineBench;
import io.coedge.catalog.CatalogText;
import io.coedge.cli.charts.PolicyChart;
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
        subcommands = {BenchCommand.Policies.class, BenchCommand.Throughput.class})
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
                "prediction for the same catalog and the node profiles the run measured."
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
                defaultValue = "20s",
                description =
                        "An unreported run of the first pair first, so that it does not also pay for JIT compilation and cold sidecars (default: ${DEFAULT-VALUE}; 0s for none).")
        Duration warmUp;

        @Override
        public Integer call() throws Exception {
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
}
