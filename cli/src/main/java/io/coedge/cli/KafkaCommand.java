package io.coedge.cli;

import io.coedge.kafka.embedded.EmbeddedKafka;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.TopicsConfig;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "kafka",
        mixinStandardHelpOptions = true,
        description = {
            "Run a real single-node Kafka (KRaft) in the foreground on 127.0.0.1 and print its bootstrap address.",
            "Data lives in a temporary directory that is removed on exit (Ctrl-C)."
        })
final class KafkaCommand implements Callable<Integer> {
    @Option(
            names = "--port",
            defaultValue = "9092",
            description =
                    "Client port on 127.0.0.1; 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            paramLabel = "ADDRESS",
            description =
                    "Address to bind and advertise (default: ${DEFAULT-VALUE}; the testbed uses its backbone's).")
    String host;

    @Option(names = "--no-topics", description = "Do not create the CoEdge topics at start.")
    boolean noTopics;

    @Mixin KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        EmbeddedKafka broker = EmbeddedKafka.start(host, port, Map.of());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    System.err.println(
                                            "coedge kafka: stopping and removing "
                                                    + broker.dataDirectory());
                                    broker.close();
                                    stopped.countDown();
                                }));
        if (!noTopics) {
            Properties client = new Properties();
            client.setProperty("bootstrap.servers", broker.bootstrapServers());
            TopicsConfig topics = kafka.topics();
            TopicAdmin.createAll(client, topics)
                    .forEach(
                            o ->
                                    System.err.println(
                                            "  topic "
                                                    + o.topic()
                                                    + " ("
                                                    + o.partitions()
                                                    + " partitions)"));
        }
        System.err.printf(
                "coedge kafka: ready in %d ms, data in %s; Ctrl-C stops it%n",
                broker.startupTime().toMillis(), broker.dataDirectory());
        System.out.println(broker.bootstrapServers());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
