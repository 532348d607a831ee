package io.coedge.testing;

import io.coedge.format.FrameHeaders;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.embedded.EmbeddedKafka;
import io.coedge.topics.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Kafka a test talks to, chosen in one place:
 *
 * <ol>
 *   <li>the external cluster named by {@code KAFKA_BOOTSTRAP}, when set;
 *   <li>a Testcontainers {@link KafkaContainer} ({@code apache/kafka} at the clients' version, or
 *       the image named by {@code COEDGE_TEST_KAFKA_IMAGE}) when a Docker engine answers and {@code
 *       COEDGE_TEST_KAFKA} is not {@code embedded};
 *   <li>otherwise a fresh in-process broker ({@link EmbeddedKafka}), as {@code ./coedge demo} uses.
 * </ol>
 *
 * {@link #close()} stops what {@link #start()} started.
 */
public final class TestKafka implements AutoCloseable {
    /** {@code embedded} forces the in-process broker even where Docker answers. */
    public static final String ENV_CHOICE = "COEDGE_TEST_KAFKA";

    public static final String ENV_IMAGE = "COEDGE_TEST_KAFKA_IMAGE";

    /** Where the broker came from. */
    public enum Kind {
        EXTERNAL,
        CONTAINER,
        EMBEDDED
    }

    private final AutoCloseable broker;
    private final String bootstrap;
    private final Kind kind;

    private TestKafka(AutoCloseable broker, String bootstrap, Kind kind) {
        this.broker = broker;
        this.bootstrap = bootstrap;
        this.kind = kind;
    }

    public static TestKafka start() {
        String external = System.getenv(KafkaClients.ENV_BOOTSTRAP);
        if (external != null && !external.isBlank()) {
            return new TestKafka(null, external, Kind.EXTERNAL);
        }
        if (!"embedded".equalsIgnoreCase(System.getenv(ENV_CHOICE)) && dockerAnswers()) {
            String image =
                    System.getenv()
                            .getOrDefault(ENV_IMAGE, "apache/kafka:" + AppInfoParser.getVersion());
            KafkaContainer container = new KafkaContainer(DockerImageName.parse(image));
            container.start();
            return new TestKafka(container, container.getBootstrapServers(), Kind.CONTAINER);
        }
        EmbeddedKafka kafka = EmbeddedKafka.start();
        return new TestKafka(kafka, kafka.bootstrapServers(), Kind.EMBEDDED);
    }

    private static boolean dockerAnswers() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    public Kind kind() {
        return kind;
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

    /**
     * The identities ({@code camera#sequence}) of the frames on {@code topic}, as {@link #readAll}
     * reads them.
     */
    public List<String> frameIds(String topic, int expected) {
        return readAll(topic, expected).stream().map(TestKafka::frameId).toList();
    }

    /** The frames on {@code topic}, as {@link #readAll} reads them: identity -> image bytes. */
    public Map<String, byte[]> framesById(String topic, int expected) {
        Map<String, byte[]> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic, expected)) {
            out.put(frameId(r), r.value());
        }
        return out;
    }

    private static String frameId(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8)
                + "#"
                + new String(
                        r.headers().lastHeader(FrameHeaders.SEQUENCE).value(),
                        StandardCharsets.UTF_8);
    }

    /**
     * Runs {@code cameras} to their end through a producer of their own on this Kafka; returns how
     * many frames the broker acknowledged.
     */
    public long send(CameraSimulator cameras) {
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(
                        CameraSimulator.producerProperties(clientProperties()),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            return cameras.run(producer, r -> {}).acked();
        }
    }

    @Override
    public void close() {
        if (broker != null) {
            try {
                broker.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop the test broker", e);
            }
        }
    }
}
