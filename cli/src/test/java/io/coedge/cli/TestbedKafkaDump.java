package io.coedge.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a testbed's Kafka from inside its backbone namespace, which the test JVM cannot reach:
 * prints {@code frame <camera>#<sequence> <bytes>} for {@code FRAMES} records of the frames topic,
 * then {@code result <json>} for {@code RESULTS} committed results, then {@code done}. Args: {@code
 * BOOTSTRAP FRAMES_TOPIC FRAMES RESULTS_TOPIC RESULTS TIMEOUT_S}.
 */
public final class TestbedKafkaDump {
    private TestbedKafkaDump() {}

    public static void main(String[] args) {
        long until = System.nanoTime() + Long.parseLong(args[5]) * 1_000_000_000L;
        read(args[0], args[1], Integer.parseInt(args[2]), until, false);
        read(args[0], args[3], Integer.parseInt(args[4]), until, true);
        System.out.println("done");
        System.out.flush();
    }

    private static void read(
            String bootstrap, String topic, int expected, long until, boolean results) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrap);
        p.setProperty("group.id", "testbed-dump-" + System.nanoTime());
        p.setProperty("auto.offset.reset", "earliest");
        p.setProperty("enable.auto.commit", "false");
        p.setProperty("isolation.level", "read_committed");
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (seen < expected && System.nanoTime() < until) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen++;
                    if (results) {
                        System.out.println(
                                "result " + new String(r.value(), StandardCharsets.UTF_8));
                    } else {
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
                    }
                }
            }
        }
    }
}
