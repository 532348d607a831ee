package io.coedge.jobs;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.format.DeadLetter;
import io.coedge.format.DecoderLimits;
import io.coedge.format.Frame;
import io.coedge.format.FrameResult;
import io.coedge.format.NodeStatus;
import io.coedge.format.RawRecord;
import io.coedge.operators.batch.BatcherConfig;
import io.coedge.operators.batch.NodeBatcherFactory;
import io.coedge.operators.batch.NodeBatcherOperator;
import io.coedge.operators.decode.FrameDecodeFunction;
import io.coedge.operators.decode.RawRecordDeserializer;
import io.coedge.operators.dispatch.DispatchFunction;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.operators.profile.NodeStatusSchemas;
import io.coedge.operators.sink.DeadLetterSerializer;
import io.coedge.operators.sink.ResultSerializer;
import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.topics.TopicsConfig;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The CoEdge pipeline. The graph is built from injected streams and sinks, so tests, the demo and a
 * cluster run the very same graph; {@link #kafkaSources} and {@link #kafkaSinks} wire real Kafka.
 *
 * <pre>
 * frames -> decode --(dead letters)--------------------------------> dead-letter sink
 *             |
 *             +-> dispatch (broadcast: node statuses) -> keyBy(node's subtask key)
 *                   |   +--(shed at origin: link backlog)------------> results sink
 *                   -> node batcher -> results sink
 *                         |--(statuses)-----> node-profiles sink -> (Kafka) -> dispatch
 *                         +--(corrupt images)-> dead-letter sink
 * </pre>
 */
public final class CoEdgeJob {
    /** Max parallelism of the batcher; the subtask key table depends on it, so it is fixed. */
    public static final int MAX_PARALLELISM = 128;

    /**
     * Frames the dispatcher holds while their nodes have not announced themselves (see
     * RELIABILITY.md).
     */
    static final int MAX_FRAMES_WAITING_FOR_NODES = 100_000;

    /** A node silent for longer than this is treated as unhealthy (five status intervals). */
    public static final long DEFAULT_STALE_AFTER_MS = 5_000;

    /**
     * How results reach {@code coedge.results} (docs/RELIABILITY.md, "Delivery modes"), chosen per
     * job with {@code --delivery}.
     */
    public enum Delivery {
        /**
         * Kafka transactions committed when a checkpoint completes: a {@code read_committed}
         * consumer sees every frame's result exactly once, up to a checkpoint interval after it was
         * emitted. Results keyed by camera.
         */
        EXACTLY_ONCE("exactly-once"),
        /**
         * No transactions: a result is visible as soon as it is written. After a failure the frames
         * since the last checkpoint run again, so a result can appear more than once; every copy
         * carries the same {@code frameId}, which is the record key, so a consumer that keeps the
         * last value per key (or a compacted topic) sees each frame once.
         */
        LOW_LATENCY("low-latency");

        private final String flag;

        Delivery(String flag) {
            this.flag = flag;
        }

        /** The value of {@code --delivery}. */
        public String flag() {
            return flag;
        }

        /** {@code exactly-once} or {@code low-latency}; anything else names both. */
        public static Delivery parse(String value) {
            for (Delivery d : values()) {
                if (d.flag.equals(value)) {
                    return d;
                }
            }
            throw new IllegalArgumentException(
                    "--delivery must be exactly-once or low-latency, got '" + value + "'");
        }
    }

    /** Checkpoint interval unless {@code --checkpoint-ms} says otherwise. */
    public static final long DEFAULT_CHECKPOINT_MS = 5_000;

    /**
     * Kafka transaction timeout of the exactly-once sinks: above the longest checkpoint plus
     * recovery.
     */
    static final int TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;

    /**
     * How the job's dispatcher re-plans (the simulator's bench scenarios use the same): the
     * Replanner's defaults, with the first plan waiting for every node at most as long as a node
     * may be silent.
     */
    public static Replanner.Settings replanning(long staleAfterMs) {
        return Replanner.Settings.defaults().withStartupWaitMicros(staleAfterMs * 1_000);
    }

    /**
     * @param catalog the deployment
     * @param dispatchPolicy {@code coedge}, {@code no-offloading} or {@code naive-global}
     * @param batcher how the node batchers run (batch policy, sidecars, bounds)
     * @param staleAfterMs a node silent for longer is treated as unhealthy
     */
    public record Options(
            CatalogText catalog, String dispatchPolicy, BatcherConfig batcher, long staleAfterMs) {}

    /** Where the graph reads from. */
    public record Sources(DataStream<RawRecord> frames, DataStream<NodeStatus> statuses) {}

    /** Where the graph writes to. */
    public record Sinks(
            Sink<FrameResult> results, Sink<DeadLetter> deadLetters, Sink<NodeStatus> statuses) {}

    private final Options options;

    public CoEdgeJob(Options options) {
        this.options = options;
    }

    /** Adds the pipeline to the sources' environment; returns the results stream. */
    public DataStream<FrameResult> build(Sources sources, Sinks sinks) {
        Catalog catalog = options.catalog().parse();
        int nodes = catalog.nodes().size();

        SingleOutputStreamOperator<Frame> frames =
                sources.frames()
                        .process(
                                new FrameDecodeFunction(
                                        options.catalog(),
                                        DecoderLimits.defaults(),
                                        options.batcher().localMode()))
                        .name("decode")
                        .uid("decode")
                        .setParallelism(nodes)
                        // Frames are few and late ones are useless: ship each at once instead of
                        // waiting up
                        // to Flink's default 100 ms for a network buffer to fill.
                        .setBufferTimeout(0);

        BroadcastStream<NodeStatus> statuses =
                sources.statuses()
                        .broadcast(
                                DispatchFunction.STATUSES,
                                DispatchFunction.ASSIGNMENT,
                                DispatchFunction.REPLANNER);
        // Re-plan at most every 5 s unless a node's health changes, a moved task stays 15 s, and
        // the
        // first plan waits for every node at most as long as a node may stay silent.
        Replanner.Settings replanning = replanning(options.staleAfterMs());
        SingleOutputStreamOperator<RoutedFrame> routed =
                frames.connect(statuses)
                        .process(
                                new DispatchFunction(
                                        options.catalog(),
                                        options.dispatchPolicy(),
                                        nodes,
                                        MAX_PARALLELISM,
                                        options.staleAfterMs(),
                                        MAX_FRAMES_WAITING_FOR_NODES,
                                        replanning))
                        .name("dispatch (" + options.dispatchPolicy() + ")")
                        .uid("dispatch")
                        .setParallelism(nodes)
                        .setBufferTimeout(0);

        SingleOutputStreamOperator<FrameResult> results =
                routed.keyBy(RoutedFrame::key)
                        .transform(
                                "node batcher (" + options.batcher().batchPolicy() + ")",
                                TypeInformation.of(FrameResult.class),
                                new NodeBatcherFactory(options.batcher()))
                        .uid("node-batcher")
                        .setParallelism(nodes)
                        .setMaxParallelism(MAX_PARALLELISM)
                        .setBufferTimeout(0);

        // A frame its link could not carry by its deadline ends at its origin's dispatcher.
        DataStream<FrameResult> all =
                results.union(routed.getSideOutput(DispatchFunction.SHED_AT_ORIGIN));
        all.sinkTo(sinks.results()).name("results").uid("results-sink");
        frames.getSideOutput(FrameDecodeFunction.DEAD_LETTERS)
                .union(results.getSideOutput(NodeBatcherOperator.DEAD_LETTERS))
                .sinkTo(sinks.deadLetters())
                .name("dead letters")
                .uid("dead-letter-sink");
        results.getSideOutput(NodeBatcherOperator.STATUS)
                .sinkTo(sinks.statuses())
                .name("node statuses")
                .uid("status-sink");
        return all;
    }

    /**
     * Runs the job against Kafka on whatever environment {@code flink run} (or the REST API) gives
     * it: {@code --config FILE [--bootstrap HOST:PORT] [--kafka-config FILE] [--dispatch coedge]
     * [--batch coedge] [--frames-topic ...] [--results-topic ...] [--dlq-topic ...]
     * [--profiles-topic ...] [--checkpoint-ms 5000] [--delivery exactly-once|low-latency] [--local]
     * [--sidecar NODE=HOST:PORT ...]}.
     */
    public static void main(String[] args) throws Exception {
        org.apache.flink.util.ParameterTool params =
                org.apache.flink.util.ParameterTool.fromArgs(args);
        java.nio.file.Path config = java.nio.file.Path.of(params.getRequired("config"));
        CatalogText catalog = CatalogText.read(config);
        io.coedge.topics.KafkaClients clients =
                io.coedge.topics.KafkaClients.resolve(
                        params.get("bootstrap"),
                        params.has("kafka-config")
                                ? java.nio.file.Path.of(params.get("kafka-config"))
                                : null);
        TopicsConfig defaults = TopicsConfig.defaults();
        TopicsConfig topics =
                new TopicsConfig(
                        params.get("frames-topic", defaults.frames()),
                        params.get("results-topic", defaults.results()),
                        params.get("dlq-topic", defaults.deadLetters()),
                        params.get("profiles-topic", defaults.nodeProfiles()),
                        params.getInt("partitions", defaults.partitions()));
        java.util.Map<String, String> sidecars = new java.util.HashMap<>();
        if (params.has("sidecar")) {
            for (String pair : params.get("sidecar").split(",")) {
                String[] kv = pair.split("=", 2);
                sidecars.put(kv[0].trim(), kv[1].trim());
            }
        }
        String batch = params.get("batch", "coedge");
        Delivery delivery = Delivery.parse(params.get("delivery", Delivery.EXACTLY_ONCE.flag()));
        Options options =
                new Options(
                        catalog,
                        params.get("dispatch", "coedge"),
                        BatcherConfig.defaults(catalog, batch, params.has("local"))
                                .withSidecars(sidecars),
                        DEFAULT_STALE_AFTER_MS);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(params.getLong("checkpoint-ms", DEFAULT_CHECKPOINT_MS));
        String name = params.get("name", "coedge");
        new CoEdgeJob(options)
                .build(
                        kafkaSources(env, clients.properties(), topics, name),
                        kafkaSinks(clients.properties(), topics, name, delivery));
        env.execute(
                "CoEdge ("
                        + options.dispatchPolicy()
                        + " dispatch, "
                        + batch
                        + " batching, "
                        + delivery.flag()
                        + ")");
    }

    /** Frames and node statuses from Kafka. */
    public static Sources kafkaSources(
            StreamExecutionEnvironment env,
            Properties client,
            TopicsConfig topics,
            String groupId) {
        KafkaSource<RawRecord> frames =
                KafkaSource.<RawRecord>builder()
                        .setProperties(client)
                        .setTopics(topics.frames())
                        .setGroupId(groupId)
                        .setStartingOffsets(
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                        .setDeserializer(new RawRecordDeserializer())
                        .build();
        KafkaSource<NodeStatus> statuses =
                KafkaSource.<NodeStatus>builder()
                        .setProperties(client)
                        .setTopics(topics.nodeProfiles())
                        .setGroupId(groupId + "-profiles")
                        .setStartingOffsets(OffsetsInitializer.latest())
                        .setValueOnlyDeserializer(new NodeStatusSchemas.Deserializer())
                        .build();
        return new Sources(
                env.fromSource(frames, WatermarkStrategy.noWatermarks(), "frames")
                        .uid("frames-source"),
                env.fromSource(statuses, WatermarkStrategy.noWatermarks(), "node statuses")
                        .uid("statuses-source")
                        .setParallelism(1));
    }

    /**
     * Results and dead letters exactly once (Kafka transactions committed on checkpoints); node
     * statuses at least once, since they are idempotent and the dispatcher needs them before the
     * first checkpoint.
     */
    public static Sinks kafkaSinks(
            Properties client, TopicsConfig topics, String transactionalIdPrefix) {
        return kafkaSinks(client, topics, transactionalIdPrefix, Delivery.EXACTLY_ONCE);
    }

    /**
     * As {@link #kafkaSinks(Properties, TopicsConfig, String)} for {@link Delivery#EXACTLY_ONCE};
     * with {@link Delivery#LOW_LATENCY} results go at least once, keyed by frame id, flushed on
     * every checkpoint. Dead letters stay exactly once in both modes: nothing waits on them, and a
     * dead letter keeps its original record key.
     */
    public static Sinks kafkaSinks(
            Properties client,
            TopicsConfig topics,
            String transactionalIdPrefix,
            Delivery delivery) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("transaction.timeout.ms", Integer.toString(TRANSACTION_TIMEOUT_MS));
        p.setProperty("max.request.size", Integer.toString(20 << 20));
        KafkaSink<FrameResult> results =
                delivery == Delivery.EXACTLY_ONCE
                        ? KafkaSink.<FrameResult>builder()
                                .setKafkaProducerConfig(p)
                                .setRecordSerializer(new ResultSerializer(topics.results()))
                                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                .setTransactionalIdPrefix(transactionalIdPrefix + "-results")
                                .build()
                        : KafkaSink.<FrameResult>builder()
                                .setKafkaProducerConfig(lowLatency(client))
                                .setRecordSerializer(
                                        new ResultSerializer(
                                                topics.results(), ResultSerializer.Key.FRAME_ID))
                                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                                .build();
        KafkaSink<DeadLetter> deadLetters =
                KafkaSink.<DeadLetter>builder()
                        .setKafkaProducerConfig(p)
                        .setRecordSerializer(new DeadLetterSerializer(topics.deadLetters()))
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(transactionalIdPrefix + "-dlq")
                        .build();
        KafkaSink<NodeStatus> statuses =
                KafkaSink.<NodeStatus>builder()
                        .setKafkaProducerConfig(client)
                        .setRecordSerializer(
                                (KafkaRecordSerializationSchema<NodeStatus>)
                                        new NodeStatusSchemas.Serializer(topics.nodeProfiles()))
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .build();
        return new Sinks(results, deadLetters, statuses);
    }

    /** Producer settings of the low-latency results sink: sent at once, acknowledged by all. */
    private static Properties lowLatency(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("max.request.size", Integer.toString(20 << 20));
        p.setProperty("linger.ms", "0");
        p.setProperty("acks", "all");
        p.setProperty("enable.idempotence", "true");
        return p;
    }
}
