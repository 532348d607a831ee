package io.coedge.kafka.results;

import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads committed results (isolation {@code read_committed}: results are written in Kafka
 * transactions) and feeds them to a {@link ResultsTable}. Records that are not result JSON are
 * counted, not fatal.
 */
public final class ResultsReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ResultsTable table = new ResultsTable();
    private long unreadable;

    /**
     * @param clientProperties bootstrap and security settings
     * @param topic results topic
     * @param fromBeginning read the topic from its start rather than only new results
     */
    public ResultsReader(Properties clientProperties, String topic, boolean fromBeginning) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "coedge-results-" + UUID.randomUUID());
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
    }

    /** Polls once and adds what arrived; calls {@code each} for every parsed result. */
    public int poll(Duration timeout, Consumer<FrameResult> each) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            try {
                FrameResult result = ResultCodec.fromJson(record.value());
                table.add(result);
                each.accept(result);
                n++;
            } catch (IOException | RuntimeException e) {
                unreadable++;
            }
        }
        return n;
    }

    /** Polls until {@code stop} says so, refreshing {@code onTick} about once a second. */
    public void run(BooleanSupplier stop, Consumer<ResultsTable> onTick) {
        long next = System.nanoTime() + 1_000_000_000L;
        while (!stop.getAsBoolean()) {
            poll(Duration.ofMillis(200), r -> {});
            if (System.nanoTime() >= next) {
                onTick.accept(table);
                next += 1_000_000_000L;
            }
        }
        onTick.accept(table);
    }

    public ResultsTable table() {
        return table;
    }

    /** Records that were not result JSON. */
    public long unreadable() {
        return unreadable;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
