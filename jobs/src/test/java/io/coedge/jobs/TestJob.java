package io.coedge.jobs;

import io.coedge.catalog.CatalogText;
import io.coedge.format.RawRecord;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.operators.batch.BatcherConfig;
import io.coedge.testing.TestKafka;
import io.coedge.topics.TopicsConfig;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@link CoEdgeJob} as the ITCases start it: its topics created on a test Kafka, the sidecars at
 * the given addresses, one subtask per catalog node, checkpoints every second, in this JVM's
 * MiniCluster (or the one a {@code MiniClusterExtension} shares); {@link #start()} returns once
 * every node given a sidecar reports healthy. Each setter names what a test changes.
 */
public final class TestJob {
    private final TestKafka kafka;
    private final CatalogText catalog;
    private final TopicsConfig topics;
    private final Map<String, String> sidecars;
    private final String name;
    private Configuration configuration = new Configuration();
    private String dispatch = "coedge";
    private long staleAfterMs = 5000;
    private long checkpointMs = 1000;
    private boolean unalignedCheckpoints;
    private CoEdgeJob.Delivery delivery = CoEdgeJob.Delivery.EXACTLY_ONCE;
    private UnaryOperator<DataStream<RawRecord>> frames = UnaryOperator.identity();
    private Duration healthyWithin = Duration.ofSeconds(60);

    /**
     * @param sidecars node -> host:port of its sidecar; these nodes are awaited healthy
     * @param name the job's name, its Kafka group id and transactional id prefix
     */
    public TestJob(
            TestKafka kafka,
            CatalogText catalog,
            TopicsConfig topics,
            Map<String, String> sidecars,
            String name) {
        this.kafka = kafka;
        this.catalog = catalog;
        this.topics = topics;
        this.sidecars = sidecars;
        this.name = name;
    }

    /** The environment's configuration (restart strategy, metric reporters). */
    public TestJob configuration(Configuration configuration) {
        this.configuration = configuration;
        return this;
    }

    public TestJob dispatch(String policy) {
        this.dispatch = policy;
        return this;
    }

    public TestJob staleAfterMs(long staleAfterMs) {
        this.staleAfterMs = staleAfterMs;
        return this;
    }

    public TestJob checkpointMs(long checkpointMs) {
        this.checkpointMs = checkpointMs;
        return this;
    }

    public TestJob unalignedCheckpoints(boolean unaligned) {
        this.unalignedCheckpoints = unaligned;
        return this;
    }

    public TestJob delivery(CoEdgeJob.Delivery delivery) {
        this.delivery = delivery;
        return this;
    }

    /** An operator put between the frames source and the job (a failure injected, say). */
    public TestJob frames(UnaryOperator<DataStream<RawRecord>> frames) {
        this.frames = frames;
        return this;
    }

    public TestJob healthyWithin(Duration timeout) {
        this.healthyWithin = timeout;
        return this;
    }

    /**
     * Creates the topics, submits the job and waits until every node with a sidecar reports
     * healthy; cancels the job if they do not.
     */
    public JobClient start() throws Exception {
        TopicAdmin.createAll(kafka.clientProperties(), topics);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(configuration);
        env.setParallelism(catalog.parse().nodes().size());
        env.enableCheckpointing(checkpointMs);
        if (unalignedCheckpoints) {
            env.getCheckpointConfig().enableUnalignedCheckpoints();
        }
        CoEdgeJob.Sources sources =
                CoEdgeJob.kafkaSources(env, kafka.clientProperties(), topics, name);
        new CoEdgeJob(
                        new CoEdgeJob.Options(
                                catalog,
                                dispatch,
                                BatcherConfig.defaults(catalog, "coedge", true)
                                        .withSidecars(sidecars),
                                staleAfterMs))
                .build(
                        new CoEdgeJob.Sources(frames.apply(sources.frames()), sources.statuses()),
                        CoEdgeJob.kafkaSinks(kafka.clientProperties(), topics, name, delivery));
        try (NodeWatch watch = new NodeWatch(kafka.clientProperties(), topics.nodeProfiles())) {
            JobClient job = env.executeAsync(name);
            try {
                watch.awaitHealthy(sidecars.keySet(), healthyWithin);
            } catch (RuntimeException e) {
                job.cancel().get();
                throw e;
            }
            return job;
        }
    }
}
