package io.coedge.kafka.testutils;

import io.coedge.format.FrameHeaders;
import io.coedge.kafka.KafkaClients;
import io.coedge.kafka.embedded.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Kafka a test talks to: the external cluster named by {@code KAFKA_BOOTSTRAP} when set,
 * otherwise a fresh embedded broker that {@link #close()} stops.
 */
public final class TestKafka implements AutoCloseable {
  private final EmbeddedKafka embedded;
  private final String bootstrap;

  private TestKafka(EmbeddedKafka embedded, String bootstrap) {
    this.embedded = embedded;
    this.bootstrap = bootstrap;
  }

  public static TestKafka start() {
    String external = System.getenv(KafkaClients.ENV_BOOTSTRAP);
    if (external != null && !external.isBlank()) {
      return new TestKafka(null, external);
    }
    EmbeddedKafka kafka = EmbeddedKafka.start();
    return new TestKafka(kafka, kafka.bootstrapServers());
  }

  public String bootstrap() {
    return bootstrap;
  }

  public Properties clientProperties() {
    Properties p = new Properties();
    p.setProperty("bootstrap.servers", bootstrap);
    return p;
  }

  /**
   * Reads {@code topic} from its start until {@code expected} records arrived or 30 s passed,
   * then half a second more, so that a record beyond the expected count shows up too.
   */
  public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
    Properties p = clientProperties();
    p.setProperty("group.id", "test-reader-" + UUID.randomUUID());
    p.setProperty("auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long until = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < until) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      consumer.poll(Duration.ofMillis(500)).forEach(out::add);
    }
    return out;
  }

  /** The identities ({@code camera#sequence}) of the frames on {@code topic}, as {@link #readAll} reads them. */
  public List<String> frameIds(String topic, int expected) {
    List<String> ids = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topic, expected)) {
      ids.add(new String(r.key(), StandardCharsets.UTF_8) + "#"
          + new String(r.headers().lastHeader(FrameHeaders.SEQUENCE).value(), StandardCharsets.UTF_8));
    }
    return ids;
  }

  @Override
  public void close() {
    if (embedded != null) {
      embedded.close();
    }
  }
}
