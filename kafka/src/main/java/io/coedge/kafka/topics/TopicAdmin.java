package io.coedge.kafka.topics;

import io.coedge.topics.TopicsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Creates the deployment's topics idempotently: existing topics are kept and reported. */
public final class TopicAdmin {

    /** What happened to one topic. */
    public record Outcome(String topic, int partitions, boolean created) {}

    private TopicAdmin() {}

    /** A just-created topic's metadata reaches the broker a moment later: retry for a while. */
    private static TopicDescription describe(Admin admin, String topic)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return admin.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get(30, TimeUnit.SECONDS)
                        .get(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
                        || System.nanoTime() > until) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * Creates every topic of {@code config} that does not exist yet.
     *
     * @param clientProperties admin client properties (bootstrap and security)
     */
    public static List<Outcome> createAll(Properties clientProperties, TopicsConfig config) {
        Map<String, String> large =
                Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(20 << 20));
        List<NewTopic> wanted =
                List.of(
                        new NewTopic(config.frames(), config.partitions(), (short) 1)
                                .configs(large),
                        new NewTopic(config.results(), config.partitions(), (short) 1),
                        new NewTopic(config.deadLetters(), config.partitions(), (short) 1)
                                .configs(large),
                        new NewTopic(config.nodeProfiles(), 1, (short) 1)
                                .configs(
                                        Map.of(
                                                TopicConfig.CLEANUP_POLICY_CONFIG,
                                                TopicConfig.CLEANUP_POLICY_COMPACT)));
        List<Outcome> outcomes = new ArrayList<>();
        try (Admin admin = Admin.create(clientProperties)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            for (NewTopic topic : wanted) {
                boolean created = false;
                if (!existing.contains(topic.name())) {
                    try {
                        admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                        created = true;
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw new IllegalStateException(
                                    "cannot create topic "
                                            + topic.name()
                                            + ": "
                                            + e.getCause().getMessage(),
                                    e);
                        }
                    }
                }
                outcomes.add(
                        new Outcome(
                                topic.name(),
                                describe(admin, topic.name()).partitions().size(),
                                created));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create topics: " + e.getMessage(), e);
        }
        return outcomes;
    }
}
