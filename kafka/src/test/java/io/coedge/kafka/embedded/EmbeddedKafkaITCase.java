package io.coedge.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.TopicsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaITCase {

    @Test
    void brokerServesOnLoopbackCreatesTopicsIdempotentlyAndCleansUp() throws Exception {
        Path data;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            data = kafka.dataDirectory();
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
            assertThat(Files.isDirectory(data)).isTrue();
            Properties client = new Properties();
            client.setProperty("bootstrap.servers", kafka.bootstrapServers());
            TopicsConfig topics = new TopicsConfig("f", "r", "f.dlq", "p", 3);

            List<TopicAdmin.Outcome> first = TopicAdmin.createAll(client, topics);
            List<TopicAdmin.Outcome> second = TopicAdmin.createAll(client, topics);

            assertThat(first)
                    .containsExactly(
                            new TopicAdmin.Outcome("f", 3, true),
                            new TopicAdmin.Outcome("r", 3, true),
                            new TopicAdmin.Outcome("f.dlq", 3, true),
                            new TopicAdmin.Outcome("p", 1, true));
            assertThat(second)
                    .containsExactly(
                            new TopicAdmin.Outcome("f", 3, false),
                            new TopicAdmin.Outcome("r", 3, false),
                            new TopicAdmin.Outcome("f.dlq", 3, false),
                            new TopicAdmin.Outcome("p", 1, false));
            try (Admin admin = Admin.create(client)) {
                ConfigResource profiles = new ConfigResource(ConfigResource.Type.TOPIC, "p");
                ConfigEntry cleanup =
                        admin.describeConfigs(List.of(profiles))
                                .all()
                                .get()
                                .get(profiles)
                                .get("cleanup.policy");
                assertThat(cleanup.value()).isEqualTo("compact");
            }

            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("r", "cam-1", "hello")).get();
            }
            Properties consumerProps = new Properties();
            consumerProps.putAll(client);
            consumerProps.putAll(Map.of("group.id", "t", "auto.offset.reset", "earliest"));
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer =
                    new KafkaConsumer<>(
                            consumerProps, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("r"));
                await("the record arrives")
                        .atMost(Duration.ofSeconds(15))
                        .pollInSameThread()
                        .pollInterval(Duration.ZERO)
                        .dontCatchUncaughtExceptions()
                        .until(
                                () -> {
                                    for (ConsumerRecord<String, String> r :
                                            consumer.poll(Duration.ofMillis(200))) {
                                        values.add(r.key() + "=" + r.value());
                                    }
                                    return !values.isEmpty();
                                });
            }
            assertThat(values).containsExactly("cam-1=hello");
        }
        assertThat(Files.exists(data)).as("data directory removed on close").isFalse();
    }
}
