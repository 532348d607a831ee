package io.coedge.cli;

import io.coedge.kafka.KafkaReachability;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.KafkaClients;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Manage the CoEdge topics.",
        subcommands = {TopicsCommand.Create.class})
final class TopicsCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = {
                "Create the frames, results, dead-letter and node-profiles topics; existing ones are kept (idempotent).",
                "Frames, results and dead letters get --partitions partitions; node profiles one, compacted."
            })
    static final class Create implements Callable<Integer> {
        @Mixin KafkaOptions kafka;

        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            KafkaClients clients = kafka.clients();
            KafkaReachability.check(clients, 10_000);
            for (TopicAdmin.Outcome o :
                    TopicAdmin.createAll(clients.properties(), kafka.topics())) {
                spec.commandLine()
                        .getOut()
                        .printf(
                                "%-8s %s (%d partitions)%n",
                                o.created() ? "created" : "exists", o.topic(), o.partitions());
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
