package io.coedge.jobs.reliability;

import static org.awaitility.Awaitility.await;

import io.coedge.format.FrameHeaders;
import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import io.coedge.topics.TopicsConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the job committed: results and dead letters as a {@code read_committed} consumer sees them,
 * so records of aborted transactions (a failed attempt's output) never count.
 */
final class Committed implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicsConfig topics;
    final List<FrameResult> results = new ArrayList<>();
    final List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();

    /** Record key of each result, in the order of {@link #results}. */
    final List<String> resultKeys = new ArrayList<>();

    /** Epoch ms at which this consumer received each result, in the order of {@link #results}. */
    final List<Long> visibleAtMs = new ArrayList<>();

    Committed(Properties client, TopicsConfig topics) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("group.id", "reliability-" + UUID.randomUUID());
        p.setProperty("auto.offset.reset", "earliest");
        p.setProperty("isolation.level", "read_committed");
        p.setProperty("enable.auto.commit", "false");
        p.setProperty("max.partition.fetch.bytes", Integer.toString(20 << 20));
        this.topics = topics;
        this.consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics.results(), topics.deadLetters()));
    }

    /** Reads what is there for {@code timeout}. */
    void poll(Duration timeout) throws Exception {
        var records = consumer.poll(timeout);
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.topic().equals(topics.results())) {
                results.add(ResultCodec.fromJson(r.value()));
                resultKeys.add(
                        r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
                visibleAtMs.add(now);
            } else {
                deadLetters.add(r);
            }
        }
    }

    int total() {
        return results.size() + deadLetters.size();
    }

    /** Reads until {@code condition} holds for what has been read; fails after {@code timeout}. */
    Committed awaitUntil(String what, Duration timeout, Predicate<Committed> condition) {
        await(what)
                .atMost(timeout)
                .pollInSameThread()
                .pollInterval(Duration.ZERO)
                .dontCatchUncaughtExceptions()
                .until(
                        () -> {
                            poll(Duration.ofMillis(100));
                            return condition.test(this);
                        });
        return this;
    }

    /**
     * Reads until at least {@code n} results and dead letters are in; fails after {@code timeout}.
     */
    Committed awaitAtLeast(int n, Duration timeout) {
        return awaitUntil(
                "at least " + n + " committed results and dead letters",
                timeout,
                c -> c.total() >= n);
    }

    /**
     * Reads until {@code expected} records are in, or {@code timeout}; then reads three seconds
     * more, since anything beyond the expected count would be a duplicate.
     */
    Committed awaitTotal(int expected, Duration timeout) throws Exception {
        long until = System.nanoTime() + timeout.toNanos();
        while (total() < expected && System.nanoTime() < until) {
            poll(Duration.ofMillis(200));
        }
        long extra = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < extra) {
            poll(Duration.ofMillis(200));
        }
        return this;
    }

    /**
     * Every frame id among results and dead letters (dead letters by their camera#sequence or
     * source).
     */
    List<String> frameIds() {
        List<String> ids = new ArrayList<>();
        results.forEach(r -> ids.add(r.frameId()));
        for (ConsumerRecord<byte[], byte[]> d : deadLetters) {
            Header seq = d.headers().lastHeader(FrameHeaders.SEQUENCE);
            ids.add(
                    new String(d.key(), StandardCharsets.UTF_8)
                            + "#"
                            + new String(seq.value(), StandardCharsets.UTF_8));
        }
        return ids;
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null
                ? null
                : new String(h.value(), StandardCharsets.UTF_8);
    }

    static Map<String, Long> count(List<FrameResult> results, Function<FrameResult, String> by) {
        return results.stream()
                .collect(Collectors.groupingBy(by, TreeMap::new, Collectors.counting()));
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
