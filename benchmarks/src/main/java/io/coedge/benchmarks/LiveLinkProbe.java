package io.coedge.benchmarks;

import io.coedge.format.FrameHeaders;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.topics.TopicsConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Kafka side of {@link LiveLinkBench}, run inside the testbed's backbone namespace (where Kafka
 * is), following the run's topics while it runs. A line protocol with the bench, as {@link
 * TestbedProbe}'s:
 *
 * <ol>
 *   <li>creates the run's topics, prints {@code topics};
 *   <li>waits until every node has reported healthy, prints {@code healthy};
 *   <li>from then on prints, as they arrive, {@code frame <id> <captureMs>} for each record of the
 *       frames topic, {@code result <json>} for each committed result and {@code dead <id>} for
 *       each dead letter; after {@code done} on stdin (the cameras have ended) it goes on until
 *       every frame seen has a result or a dead letter, or {@code wait} seconds have passed, and
 *       prints {@code end}.
 * </ol>
 *
 * <p>Arguments: bootstrap, topics prefix, partitions, nodes (comma-separated), wait in seconds.
 */
public final class LiveLinkProbe {
    private LiveLinkProbe() {}

    public static void main(String[] args) throws Exception {
        ProbeStart start = ProbeStart.of(args);
        TopicsConfig topics = start.topics();
        PrintStream out = start.out();
        try (NodeWatch watch = start.watch()) {
            start.awaitHealthy(watch);
        }
        CompletableFuture<Void> done = ProbeStart.done();
        Properties p = new Properties();
        p.putAll(start.client());
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "coedge-live-link-" + UUID.randomUUID());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Set<String> open = new HashSet<>();
        Set<String> ended = new HashSet<>();
        long until = Long.MAX_VALUE;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.frames(), topics.results(), topics.deadLetters()));
            while (System.nanoTime() < until) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(topics.frames())) {
                        String id = frameId(r);
                        if (!ended.contains(id)) {
                            open.add(id);
                        }
                        out.println("frame " + id + " " + captureMs(r));
                    } else if (r.topic().equals(topics.results())) {
                        String json = new String(r.value(), StandardCharsets.UTF_8);
                        String id = io.coedge.format.ResultCodec.fromJson(r.value()).frameId();
                        open.remove(id);
                        ended.add(id);
                        out.println("result " + json);
                    } else {
                        String id = frameId(r);
                        open.remove(id);
                        ended.add(id);
                        out.println("dead " + id);
                    }
                }
                if (done.isDone() && until == Long.MAX_VALUE) {
                    until = System.nanoTime() + Duration.ofSeconds(start.waitSeconds()).toNanos();
                }
                if (done.isDone() && open.isEmpty() && caughtUp(consumer, topics.frames())) {
                    break;
                }
            }
        }
        out.println("end");
    }

    /** {@code camera#sequence}, as {@code Frame#id()} makes it; the record's place without one. */
    static String frameId(ConsumerRecord<byte[], byte[]> r) {
        Header seq = r.headers().lastHeader(FrameHeaders.SEQUENCE);
        if (r.key() == null || seq == null) {
            return r.topic() + "/" + r.partition() + "@" + r.offset();
        }
        return new String(r.key(), StandardCharsets.UTF_8)
                + "#"
                + new String(seq.value(), StandardCharsets.UTF_8);
    }

    private static long captureMs(ConsumerRecord<byte[], byte[]> r) {
        Header ts = r.headers().lastHeader(FrameHeaders.TIMESTAMP);
        try {
            return ts == null
                    ? r.timestamp()
                    : Long.parseLong(new String(ts.value(), StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            return r.timestamp();
        }
    }

    /** Whether the consumer has read the frames topic to its end (every frame seen). */
    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, String frames) {
        var assigned =
                consumer.assignment().stream().filter(tp -> tp.topic().equals(frames)).toList();
        if (assigned.isEmpty()) {
            return false;
        }
        var ends = consumer.endOffsets(assigned);
        for (var e : ends.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
