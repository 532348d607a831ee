package io.coedge.cli;

import io.coedge.format.FrameHeaders;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.format.NodeStatusCodec;
import io.coedge.format.ResultCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a testbed's Kafka from inside its backbone namespace, which the test JVM cannot reach, and
 * prints a line per record: {@code status <json>} for a node status, {@code frame
 * <camera>#<sequence> <bytes>} for a frame, {@code result <json>} for a committed result ({@link
 * Seen} reads them back). Args:
 *
 * <ul>
 *   <li>{@code dump BOOTSTRAP FRAMES_TOPIC FRAMES RESULTS_TOPIC RESULTS TIMEOUT_S}: {@code FRAMES}
 *       records of the frames topic, then {@code RESULTS} results, then {@code done};
 *   <li>{@code follow BOOTSTRAP STATUS_TOPIC FRAMES_TOPIC RESULTS_TOPIC}: every record of the three
 *       as it arrives, until killed.
 * </ul>
 */
public final class TestbedKafkaReader {
    private TestbedKafkaReader() {}

    public static void main(String[] args) {
        String bootstrap = args[1];
        if (args[0].equals("dump")) {
            long until = System.nanoTime() + Long.parseLong(args[6]) * 1_000_000_000L;
            dump(bootstrap, args[2], Integer.parseInt(args[3]), until, args[2]);
            dump(bootstrap, args[4], Integer.parseInt(args[5]), until, args[2]);
            System.out.println("done");
            System.out.flush();
        } else {
            follow(bootstrap, args[2], args[3], args[4]);
        }
    }

    private static void dump(
            String bootstrap, String topic, int expected, long until, String framesTopic) {
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, topic)) {
            while (seen < expected && System.nanoTime() < until) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen++;
                    System.out.println(line(r, null, framesTopic));
                }
            }
        }
    }

    private static void follow(
            String bootstrap, String statusTopic, String framesTopic, String resultsTopic) {
        try (KafkaConsumer<byte[], byte[]> consumer =
                consumer(bootstrap, statusTopic, framesTopic, resultsTopic)) {
            while (true) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    System.out.println(line(r, statusTopic, framesTopic));
                }
                System.out.flush();
            }
        }
    }

    /** From the start of {@code topics}, committed records only. */
    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String... topics) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrap);
        p.setProperty("group.id", "testbed-reader-" + System.nanoTime());
        p.setProperty("auto.offset.reset", "earliest");
        p.setProperty("enable.auto.commit", "false");
        p.setProperty("isolation.level", "read_committed");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(Arrays.asList(topics));
        return consumer;
    }

    private static String line(
            ConsumerRecord<byte[], byte[]> r, String statusTopic, String framesTopic) {
        if (r.topic().equals(framesTopic)) {
            return "frame "
                    + new String(r.key(), StandardCharsets.UTF_8)
                    + "#"
                    + new String(
                            r.headers().lastHeader(FrameHeaders.SEQUENCE).value(),
                            StandardCharsets.UTF_8)
                    + " "
                    + r.value().length;
        }
        return (r.topic().equals(statusTopic) ? "status " : "result ")
                + new String(r.value(), StandardCharsets.UTF_8);
    }

    /** What the reader's lines told so far, in their order. */
    static final class Seen {
        final List<NodeStatus> statuses = new ArrayList<>();
        final List<FrameResult> results = new ArrayList<>();

        /** Frame id -> its bytes. */
        final Map<String, Integer> frames = new HashMap<>();

        /** Takes one line of the reader's output; others ({@code done}) are passed over. */
        void take(String line) throws IOException {
            if (line.startsWith("status ")) {
                statuses.add(
                        NodeStatusCodec.fromJson(
                                line.substring(7).getBytes(StandardCharsets.UTF_8)));
            } else if (line.startsWith("result ")) {
                results.add(
                        ResultCodec.fromJson(line.substring(7).getBytes(StandardCharsets.UTF_8)));
            } else if (line.startsWith("frame ")) {
                String[] f = line.split(" ");
                frames.put(f[1], Integer.parseInt(f[2]));
            }
        }

        /** {@code node}'s last status, or null. */
        NodeStatus latest(String node) {
            for (int i = statuses.size() - 1; i >= 0; i--) {
                if (statuses.get(i).node().equals(node)) {
                    return statuses.get(i);
                }
            }
            return null;
        }
    }
}
