package io.coedge.kafka.testutils;

import io.coedge.kafka.KafkaClients;
import io.coedge.kafka.embedded.EmbeddedKafka;
import java.util.Properties;

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

  @Override
  public void close() {
    if (embedded != null) {
      embedded.close();
    }
  }
}
