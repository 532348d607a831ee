package io.coedge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code coedge} command: one entry point for every user task. */
@Command(
        name = "coedge",
        mixinStandardHelpOptions = true,
        version = "coedge 0.1.0",
        description = "Cooperative edge real-time deep learning on Kafka and Flink.",
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            BenchCommand.class,
            KafkaCommand.class,
            TopicsCommand.class,
            ProduceCommand.class,
            ResultsCommand.class,
            io.coedge.sidecar.cli.SidecarCommand.class,
            io.coedge.cli.ModelsCommand.class,
            io.coedge.cli.SimCommand.class,
            io.coedge.cli.ClusterCommand.class,
            CommandLine.HelpCommand.class
        })
public final class CoEdgeCli implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The command line with converters and error handling shared by every subcommand. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new CoEdgeCli());
        CliValues.install(cli);
        cli.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    commandLine
                            .getErr()
                            .println(
                                    "coedge "
                                            + commandLine.getCommandName()
                                            + ": "
                                            + rootMessage(e));
                    return 1;
                });
        return cli;
    }

    static String rootMessage(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
