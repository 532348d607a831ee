package io.coedge.kafka.live;

import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.topics.TopicsConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a {@link LiveState} from Kafka on its own thread: committed results, the frames they came
 * from (only so that the page can show the latest frame of each camera under its boxes) and node
 * statuses. Each consumer has its own group and commits nothing: watching never moves anyone's
 * offsets.
 */
public final class LiveFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);

    private final LiveState state;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Throwable failure;

    /**
     * @param client bootstrap and security settings
     * @param topics the deployment's topic names
     * @param fromBeginning read results and frames from the topics' start, not only new ones
     */
    public LiveFeed(
            Properties client, TopicsConfig topics, boolean fromBeginning, LiveState state) {
        this.state = state;
        ResultsReader results = new ResultsReader(client, topics.results(), fromBeginning);
        NodeWatch watch = new NodeWatch(client, topics.nodeProfiles());
        KafkaConsumer<byte[], byte[]> frames = framesConsumer(client, topics, fromBeginning);
        thread =
                new Thread(
                        () -> {
                            try (results;
                                    watch;
                                    frames) {
                                while (!stopping) {
                                    pollFrames(frames);
                                    results.poll(Duration.ofMillis(100), state::addResult);
                                    state.nodes(watch.poll(Duration.ZERO));
                                }
                            } catch (RuntimeException e) {
                                if (!stopping) {
                                    failure = e;
                                    LOG.warn("live page feed stopped: {}", e.toString());
                                }
                            }
                        },
                        "coedge-live-feed");
        thread.setDaemon(true);
    }

    public LiveFeed start() {
        thread.start();
        return this;
    }

    /** Why the feed stopped, or null while it runs. */
    public Throwable failure() {
        return failure;
    }

    private void pollFrames(KafkaConsumer<byte[], byte[]> frames) {
        for (ConsumerRecord<byte[], byte[]> r : frames.poll(Duration.ofMillis(50))) {
            if (r.key() == null) {
                continue;
            }
            String source = r.topic() + "/" + r.partition() + "@" + r.offset();
            state.addFrame(new String(r.key(), StandardCharsets.UTF_8), source, r.value());
        }
    }

    private static KafkaConsumer<byte[], byte[]> framesConsumer(
            Properties client, TopicsConfig topics, boolean fromBeginning) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "coedge-live-frames-" + UUID.randomUUID());
        p.setProperty(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topics.frames()));
        return c;
    }

    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
