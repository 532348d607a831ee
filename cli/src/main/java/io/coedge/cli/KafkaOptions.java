package io.coedge.cli;

import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where Kafka is and what the topics are called; shared by every command that talks to Kafka. */
final class KafkaOptions {
    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description =
                    "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP, else "
                            + KafkaClients.DEFAULT_BOOTSTRAP
                            + ").")
    String bootstrap;

    @Option(
            names = "--kafka-config",
            paramLabel = "FILE",
            description = "Kafka client properties passed through as they are (SASL, TLS...).")
    Path kafkaConfig;

    @Option(
            names = "--frames-topic",
            defaultValue = "coedge.frames",
            description = "Frames topic (default: ${DEFAULT-VALUE}).")
    String framesTopic;

    @Option(
            names = "--results-topic",
            defaultValue = "coedge.results",
            description = "Results topic (default: ${DEFAULT-VALUE}).")
    String resultsTopic;

    @Option(
            names = "--dlq-topic",
            defaultValue = "coedge.frames.dlq",
            description = "Dead-letter topic (default: ${DEFAULT-VALUE}).")
    String deadLetterTopic;

    @Option(
            names = "--profiles-topic",
            defaultValue = "coedge.node-profiles",
            description = "Node profiles topic, compacted (default: ${DEFAULT-VALUE}).")
    String profilesTopic;

    @Option(
            names = "--partitions",
            defaultValue = "4",
            description =
                    "Partitions of the frames, results and dead-letter topics when created (default: ${DEFAULT-VALUE}).")
    int partitions;

    KafkaClients clients() {
        return KafkaClients.resolve(bootstrap, kafkaConfig);
    }

    TopicsConfig topics() {
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions must be at least 1");
        }
        return new TopicsConfig(
                framesTopic, resultsTopic, deadLetterTopic, profilesTopic, partitions);
    }
}
