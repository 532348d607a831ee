package io.coedge.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows a testbed's Kafka from inside its backbone namespace until killed: prints {@code status
 * <json>} for each node status, {@code frame <camera>#<sequence> <bytes>} for each frame and {@code
 * result <json>} for each committed result, as they arrive. Args: {@code BOOTSTRAP STATUS_TOPIC
 * FRAMES_TOPIC RESULTS_TOPIC}.
 */
public final class TestbedKafkaFollow {
    private TestbedKafkaFollow() {}

    public static void main(String[] args) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", args[0]);
        p.setProperty("group.id", "testbed-follow-" + System.nanoTime());
        p.setProperty("auto.offset.reset", "earliest");
        p.setProperty("enable.auto.commit", "false");
        p.setProperty("isolation.level", "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(args[1], args[2], args[3]));
            while (true) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(args[2])) {
                        String sequence =
                                new String(
                                        r.headers()
                                                .lastHeader(io.coedge.format.FrameHeaders.SEQUENCE)
                                                .value(),
                                        StandardCharsets.UTF_8);
                        System.out.println(
                                "frame "
                                        + new String(r.key(), StandardCharsets.UTF_8)
                                        + "#"
                                        + sequence
                                        + " "
                                        + r.value().length);
                    } else {
                        System.out.println(
                                (r.topic().equals(args[1]) ? "status " : "result ")
                                        + new String(r.value(), StandardCharsets.UTF_8));
                    }
                }
                System.out.flush();
            }
        }
    }
}
