package io.coedge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.coedge.kafka.KafkaReachability;
import io.coedge.kafka.live.LiveState;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.results.ResultsTable;
import io.coedge.topics.KafkaClients;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "results",
        mixinStandardHelpOptions = true,
        description = {
            "Read committed results and show a live table per task: frames, deadline-miss rate",
            "(LATE + DROPPED + ERROR over all), p50/p95/p99 latency, throughput, mean batch size."
        })
final class ResultsCommand implements Callable<Integer> {
    @Option(
            names = "--from-beginning",
            description = "Read the topic from its start, not only new results.")
    boolean fromBeginning;

    @Option(
            names = "--duration",
            description = "Stop after this long (default: until Ctrl-C or --expect).")
    Duration duration;

    @Option(
            names = "--expect",
            defaultValue = "0",
            description = "Stop once this many results have been read.")
    long expect;

    @Option(
            names = "--json",
            description = "Print the table as JSON lines (one per refresh) for machines.")
    boolean json;

    @Option(
            names = "--serve",
            description = "Also serve the live page (tables, charts over time, frames with boxes).")
    boolean serve;

    @Option(
            names = "--port",
            defaultValue = "8090",
            description =
                    "Live page port on --bind (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(
            names = "--bind",
            defaultValue = "127.0.0.1",
            description = "Address the live page listens on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Mixin KafkaOptions kafka;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        KafkaClients clients = kafka.clients();
        KafkaReachability.check(clients, 10_000);
        AtomicBoolean interrupted = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> interrupted.set(true)));
        long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        ObjectMapper mapper = new ObjectMapper();
        try (LiveView view =
                        serve
                                ? LiveView.start(
                                        "results",
                                        bind,
                                        clients,
                                        kafka.topics(),
                                        fromBeginning,
                                        port,
                                        new LiveState(),
                                        spec.commandLine().getOut())
                                : null;
                ResultsReader reader =
                        new ResultsReader(
                                clients.properties(), kafka.resultsTopic, fromBeginning)) {
            reader.run(
                    () ->
                            interrupted.get()
                                    || System.nanoTime() >= end
                                    || (expect > 0 && reader.table().frames() >= expect),
                    table -> print(table, mapper));
            if (reader.unreadable() > 0) {
                spec.commandLine()
                        .getErr()
                        .println(
                                "coedge results: "
                                        + reader.unreadable()
                                        + " records were not result JSON and were skipped");
            }
        }
        return 0;
    }

    private void print(ResultsTable table, ObjectMapper mapper) {
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (json) {
            try {
                out.println(mapper.writeValueAsString(table.rows()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            if (System.console() != null) {
                out.print("\033[H\033[2J");
            }
            out.print(table.render());
            out.println();
        }
        out.flush();
    }
}
