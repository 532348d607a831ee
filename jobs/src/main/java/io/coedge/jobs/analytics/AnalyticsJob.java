package io.coedge.jobs.analytics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import io.coedge.stats.Latencies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.ParameterTool;

/**
 * Downstream analytics over the results topic: per task and window, the deadline-miss rate and
 * latency percentiles; per camera and minute, the objects it saw by label. Windows are on the
 * results' emit time with a little out-of-orderness allowed. Output is JSON on {@code
 * coedge.analytics}; docs/ANALYTICS.md shows the same analysis in Flink SQL.
 */
public final class AnalyticsJob {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Duration taskWindow;
    private final Duration cameraWindow;

    public AnalyticsJob(Duration taskWindow, Duration cameraWindow) {
        this.taskWindow = taskWindow;
        this.cameraWindow = cameraWindow;
    }

    /** The analysis graph from a stream of results to JSON analytics records. */
    public DataStream<String> build(DataStream<FrameResult> results) {
        DataStream<FrameResult> timed =
                results.assignTimestampsAndWatermarks(
                        WatermarkStrategy.<FrameResult>forBoundedOutOfOrderness(
                                        Duration.ofSeconds(2))
                                .withTimestampAssigner((r, ts) -> r.emitTs())
                                .withIdleness(Duration.ofSeconds(10)));
        DataStream<String> perTask =
                timed.keyBy(FrameResult::task)
                        .window(TumblingEventTimeWindows.of(taskWindow))
                        .aggregate(new TaskAggregate(), new TaskWindow())
                        .name("task deadline stats");
        DataStream<String> perCamera =
                timed.filter(r -> r.detections() != null)
                        .name("detections only")
                        .keyBy(FrameResult::camera)
                        .window(TumblingEventTimeWindows.of(cameraWindow))
                        .aggregate(new ObjectAggregate(), new CameraWindow())
                        .name("camera object counts");
        return perTask.union(perCamera);
    }

    /** Counts and latencies of one task in one window. */
    public static final class TaskAcc {
        public long ok;
        public long late;
        public long dropped;
        public long error;
        public long batchSum;
        public long batched;
        public long[] latencies = new long[0];
    }

    static final class TaskAggregate implements AggregateFunction<FrameResult, TaskAcc, TaskAcc> {
        @Override
        public TaskAcc createAccumulator() {
            return new TaskAcc();
        }

        @Override
        public TaskAcc add(FrameResult r, TaskAcc a) {
            switch (r.status()) {
                case OK -> a.ok++;
                case LATE -> a.late++;
                case DROPPED -> a.dropped++;
                case ERROR -> a.error++;
            }
            if (r.batchSize() > 0) {
                a.batchSum += r.batchSize();
                a.batched++;
            }
            a.latencies = Arrays.copyOf(a.latencies, a.latencies.length + 1);
            a.latencies[a.latencies.length - 1] = r.latencyMs();
            return a;
        }

        @Override
        public TaskAcc getResult(TaskAcc a) {
            return a;
        }

        @Override
        public TaskAcc merge(TaskAcc a, TaskAcc b) {
            TaskAcc m = new TaskAcc();
            m.ok = a.ok + b.ok;
            m.late = a.late + b.late;
            m.dropped = a.dropped + b.dropped;
            m.error = a.error + b.error;
            m.batchSum = a.batchSum + b.batchSum;
            m.batched = a.batched + b.batched;
            m.latencies = Arrays.copyOf(a.latencies, a.latencies.length + b.latencies.length);
            System.arraycopy(b.latencies, 0, m.latencies, a.latencies.length, b.latencies.length);
            return m;
        }
    }

    static final class TaskWindow
            extends ProcessWindowFunction<TaskAcc, String, String, TimeWindow> {
        @Override
        public void process(String task, Context ctx, Iterable<TaskAcc> in, Collector<String> out) {
            TaskAcc a = in.iterator().next();
            Latencies latencies = new Latencies();
            for (long ms : a.latencies) {
                latencies.record(ms);
            }
            long frames = a.ok + a.late + a.dropped + a.error;
            out.collect(
                    json(
                            new TaskWindowStats(
                                    "task-window",
                                    task,
                                    ctx.window().getStart(),
                                    ctx.window().getEnd(),
                                    frames,
                                    a.ok,
                                    a.late,
                                    a.dropped,
                                    a.error,
                                    frames == 0
                                            ? 0
                                            : (double) (a.late + a.dropped + a.error) / frames,
                                    latencies.percentile(0.50),
                                    latencies.percentile(0.95),
                                    latencies.percentile(0.99),
                                    a.batched == 0 ? 0 : (double) a.batchSum / a.batched)));
        }
    }

    /** Frames and per-label object counts of one camera in one window. */
    public static final class ObjectAcc {
        public String task;
        public long frames;
        public TreeMap<String, Long> objects = new TreeMap<>();
    }

    static final class ObjectAggregate
            implements AggregateFunction<FrameResult, ObjectAcc, ObjectAcc> {
        @Override
        public ObjectAcc createAccumulator() {
            return new ObjectAcc();
        }

        @Override
        public ObjectAcc add(FrameResult r, ObjectAcc a) {
            a.task = r.task();
            a.frames++;
            for (FrameResult.Detection d : r.detections()) {
                a.objects.merge(d.label(), 1L, Long::sum);
            }
            return a;
        }

        @Override
        public ObjectAcc getResult(ObjectAcc a) {
            return a;
        }

        @Override
        public ObjectAcc merge(ObjectAcc a, ObjectAcc b) {
            ObjectAcc m = new ObjectAcc();
            m.task = a.task != null ? a.task : b.task;
            m.frames = a.frames + b.frames;
            m.objects.putAll(a.objects);
            b.objects.forEach((k, v) -> m.objects.merge(k, v, Long::sum));
            return m;
        }
    }

    static final class CameraWindow
            extends ProcessWindowFunction<ObjectAcc, String, String, TimeWindow> {
        @Override
        public void process(
                String camera, Context ctx, Iterable<ObjectAcc> in, Collector<String> out) {
            ObjectAcc a = in.iterator().next();
            Map<String, Long> objects = new TreeMap<>(a.objects);
            out.collect(
                    json(
                            new CameraObjectCounts(
                                    "camera-objects",
                                    camera,
                                    a.task,
                                    ctx.window().getStart(),
                                    ctx.window().getEnd(),
                                    a.frames,
                                    objects)));
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("analytics records are always serialisable", e);
        }
    }

    /**
     * Results JSON from Kafka; a record that is not a result is skipped rather than failing the
     * job.
     */
    static final class ResultDeserializer implements DeserializationSchema<FrameResult> {
        @Override
        public FrameResult deserialize(byte[] message) {
            try {
                return ResultCodec.fromJson(message);
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void deserialize(byte[] message, Collector<FrameResult> out) {
            FrameResult r = deserialize(message);
            if (r != null) {
                out.collect(r);
            }
        }

        @Override
        public boolean isEndOfStream(FrameResult next) {
            return false;
        }

        @Override
        public TypeInformation<FrameResult> getProducedType() {
            return TypeInformation.of(FrameResult.class);
        }
    }

    /**
     * {@code --bootstrap B --results-topic T --analytics-topic A --task-window 10s --camera-window
     * 60s}.
     */
    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        String bootstrap =
                params.get(
                        "bootstrap",
                        System.getenv().getOrDefault("KAFKA_BOOTSTRAP", "127.0.0.1:9092"));
        String resultsTopic = params.get("results-topic", "coedge.results");
        String analyticsTopic = params.get("analytics-topic", "coedge.analytics");
        Duration taskWindow = Duration.ofSeconds(params.getLong("task-window-seconds", 10));
        Duration cameraWindow = Duration.ofSeconds(params.getLong("camera-window-seconds", 60));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(10_000);
        KafkaSource<FrameResult> source =
                KafkaSource.<FrameResult>builder()
                        .setBootstrapServers(bootstrap)
                        .setTopics(resultsTopic)
                        .setGroupId("coedge-analytics")
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setProperty("isolation.level", "read_committed")
                        .setValueOnlyDeserializer(new ResultDeserializer())
                        .build();
        DataStream<FrameResult> results =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "results");
        KafkaSink<String> sink =
                KafkaSink.<String>builder()
                        .setBootstrapServers(bootstrap)
                        .setRecordSerializer(
                                KafkaRecordSerializationSchema.<String>builder()
                                        .setTopic(analyticsTopic)
                                        .setValueSerializationSchema(
                                                (SerializationSchema<String>)
                                                        s -> s.getBytes(StandardCharsets.UTF_8))
                                        .build())
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix("coedge-analytics")
                        .setProperty("transaction.timeout.ms", Integer.toString(10 * 60 * 1000))
                        .build();
        new AnalyticsJob(taskWindow, cameraWindow).build(results).sinkTo(sink).name("analytics");
        env.execute("CoEdge analytics");
    }
}
