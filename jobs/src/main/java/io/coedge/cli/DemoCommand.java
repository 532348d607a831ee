package io.coedge.cli;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import io.coedge.kafka.KafkaClients;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.embedded.EmbeddedKafka;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.kafka.topics.TopicsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The one-command demo. This build runs the parts that exist: the embedded Kafka, the topics and
 * the camera simulator of {@code config/demo.yaml}; it checks that every frame sent is on the
 * frames topic. The Flink job, the sidecars and the live results table join it with issue 5.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run CoEdge on its embedded default: Kafka on 127.0.0.1 and the demo cameras of config/demo.yaml.",
      "Exits non-zero if any frame sent is missing from the frames topic."
    })
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--config", defaultValue = "config/demo.yaml", description = "Task catalog (default: ${DEFAULT-VALUE}).")
  Path config;

  @Option(names = "--duration", defaultValue = "20s", description = "How long the cameras run (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Override
  public Integer call() throws Exception {
    Catalog catalog = CatalogLoader.load(Home.resolve(config));
    System.err.printf("coedge demo: %d nodes, %d tasks, %.1f frames/s from %s%n",
        catalog.nodes().size(), catalog.tasks().size(), catalog.totalFps(), config);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
      System.err.printf("coedge demo: Kafka ready at %s in %d ms%n", kafka.bootstrapServers(), kafka.startupTime().toMillis());
      KafkaClients clients = KafkaClients.resolve(kafka.bootstrapServers(), null);
      TopicsConfig topics = TopicsConfig.defaults();
      TopicAdmin.createAll(clients.properties(), topics);
      List<CameraSpec> cameras = CameraSpec.fromCatalog(catalog, null, null);
      CameraSimulator simulator =
          new CameraSimulator(cameras, new CameraSimulator.Options(topics.frames(), duration, 0, null, 30, 1, null, 0));
      Progress progress = Progress.line("demo");
      simulator.prepare(progress::update);
      CameraSimulator.Report report;
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(clients.properties(), new ByteArraySerializer(), new ByteArraySerializer())) {
        report = simulator.run(producer, r -> progress.update(r.describe()));
      }
      progress.done();
      long onTopic = recordsOn(clients.properties(), topics.frames());
      System.out.println("coedge demo: cameras sent " + report.describe());
      System.out.printf("coedge demo: %d frames on %s%n", onTopic, topics.frames());
      System.out.println("coedge demo: the Flink job and the inference sidecars join this demo with issue 5.");
      if (onTopic != report.sent()) {
        System.err.printf("coedge demo: %d frames sent but %d on the topic%n", report.sent(), onTopic);
        return 2;
      }
      return 0;
    }
  }

  private static long recordsOn(Properties client, String topic) throws Exception {
    try (Admin admin = Admin.create(client)) {
      int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
      for (int i = 0; i < partitions; i++) {
        latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
      }
      return admin.listOffsets(latest).all().get().values().stream().mapToLong(r -> r.offset()).sum();
    }
  }
}
