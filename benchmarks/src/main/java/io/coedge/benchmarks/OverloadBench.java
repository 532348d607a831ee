package io.coedge.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.deploy.local.LocalPipeline;
import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import io.coedge.jobs.CoEdgeJob;
import io.coedge.kafka.camera.CameraSimulator;
import io.coedge.kafka.camera.CameraSpec;
import io.coedge.kafka.embedded.EmbeddedKafka;
import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.oip.ModelProfile;
import io.coedge.oip.OipClient;
import io.coedge.operators.batch.BatcherConfig;
import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.SidecarServer;
import io.coedge.topics.TopicsConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Overload benchmark: one node, its capacity read from its sidecar's profile (the largest frames/s
 * any batch size reaches), then load at half the capacity, at {@code factor} times it for {@code
 * overloadSeconds}, and at half again. Reports the heap high-water mark (and the live heap after
 * collections) against the configured maximum, checkpoint durations and failures under
 * back-pressure, the deadline-miss rate of each phase, and how long after the overload ends the
 * deadline-miss rate stays under 10%.
 *
 * <pre>
 * java -Xmx1g -cp "$(cat jobs/target/classpath.txt):$(cat jobs/target/classpath-provided.txt):jobs/target/classes" \
 *   io.coedge.jobs.local.OverloadBench [overloadSeconds=60] [factor=3] [models=.coedge/models]
 * </pre>
 */
public final class OverloadBench {
    private static final String CATALOG =
            """
      nodes:
        - {id: edge-1, sidecar: "127.0.0.1:1"}
      models:
        - name: yolo-small
          maxBatch: 8
          input: {name: images, width: 224, height: 224}
          preprocess: {resize: letterbox, scale: 0.00392156862745098}
          postprocess: {type: yolo, confidence: 0.25, iou: 0.45, labels: [person, bicycle, car]}
      tasks:
        - {id: vehicles, model: yolo-small, cameras: [cam-1, cam-2, cam-3, cam-4], fps: 1, deadlineMs: 800, origin: edge-1, frame: {width: 320, height: 240}}
      """;

    private OverloadBench() {}

    public static void main(String[] args) throws Exception {
        int overloadSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        double factor = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        Path models = Path.of(args.length > 2 ? args[2] : ".coedge/models");
        LocalPipeline.ensureModels(models, System.out::println);
        CatalogText catalogText = new CatalogText("overload.yaml", CATALOG);
        Catalog catalog = catalogText.parse();
        TopicsConfig topics = TopicsConfig.prefixed("ov", 1);
        int webPort = 8093;
        CheckpointFailures checkpointFailures = CheckpointFailures.install();

        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                SidecarServer sidecar =
                        SidecarServer.start(
                                SidecarOptions.builder(models)
                                        .bind("127.0.0.1")
                                        .port(0)
                                        .metricsPort(-1)
                                        .threads(1)
                                        .build())) {
            Properties client = new Properties();
            client.setProperty("bootstrap.servers", kafka.bootstrapServers());
            TopicAdmin.createAll(client, topics);
            double capacity;
            try (OipClient oip = OipClient.builder("127.0.0.1:" + sidecar.port()).build()) {
                ModelProfile p = oip.profile("yolo-small");
                capacity =
                        p.p99MicrosByBatchSize().entrySet().stream()
                                .filter(e -> e.getKey() <= 8)
                                .mapToDouble(e -> e.getKey() * 1e6 / e.getValue())
                                .max()
                                .orElseThrow();
                System.out.printf(
                        Locale.ROOT,
                        "capacity: %.1f frames/s (sidecar p99 by batch size, us: %s)%n",
                        capacity,
                        p.p99MicrosByBatchSize());
            }

            Configuration conf = new Configuration();
            conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            conf.set(RestOptions.ADDRESS, "127.0.0.1");
            conf.set(RestOptions.PORT, webPort);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
            env.setParallelism(1);
            env.enableCheckpointing(2000);
            env.getCheckpointConfig().setCheckpointTimeout(30_000);
            new CoEdgeJob(
                            new CoEdgeJob.Options(
                                    catalogText,
                                    "coedge",
                                    BatcherConfig.defaults(catalogText, "coedge", true)
                                            .withSidecars(
                                                    Map.of(
                                                            "edge-1",
                                                            "127.0.0.1:" + sidecar.port())),
                                    5000))
                    .build(
                            CoEdgeJob.kafkaSources(env, client, topics, "overload"),
                            CoEdgeJob.kafkaSinks(client, topics, "overload"));
            long submitted = System.currentTimeMillis();
            JobClient job = env.executeAsync("overload bench");
            try {
                try (NodeWatch watch = new NodeWatch(client, topics.nodeProfiles())) {
                    watch.awaitHealthy(List.of("edge-1"), Duration.ofSeconds(120));
                }
                System.out.printf(
                        Locale.ROOT,
                        "node healthy %.1f s after job submission%n",
                        (System.currentTimeMillis() - submitted) / 1000.0);
                AtomicLong heapPeak = new AtomicLong();
                Thread sampler =
                        new Thread(
                                () -> {
                                    while (!Thread.currentThread().isInterrupted()) {
                                        heapPeak.accumulateAndGet(
                                                ManagementFactory.getMemoryMXBean()
                                                        .getHeapMemoryUsage()
                                                        .getUsed(),
                                                Math::max);
                                        try {
                                            Thread.sleep(100);
                                        } catch (InterruptedException e) {
                                            return;
                                        }
                                    }
                                },
                                "heap-sampler");
                sampler.setDaemon(true);
                for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                    pool.resetPeakUsage();
                }
                sampler.start();

                long sent = 0;
                long t0 = System.currentTimeMillis();
                sent += phase(catalog, client, topics, capacity * 0.5, 10, 0);
                long overloadStart = System.currentTimeMillis();
                sent +=
                        phase(
                                catalog,
                                client,
                                topics,
                                capacity * factor,
                                overloadSeconds,
                                1_000_000);
                long overloadEnd = System.currentTimeMillis();
                sent += phase(catalog, client, topics, capacity * 0.5, 30, 2_000_000);
                long end = System.currentTimeMillis();

                List<FrameResult> results = readResults(client, topics.results(), sent);
                sampler.interrupt();
                long liveAfterGc = 0;
                for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                        liveAfterGc += pool.getCollectionUsage().getUsed();
                    }
                }
                JsonNode checkpoints =
                        new ObjectMapper()
                                .readTree(
                                        HttpClient.newHttpClient()
                                                .send(
                                                        HttpRequest.newBuilder(
                                                                        URI.create(
                                                                                "http://127.0.0.1:"
                                                                                        + webPort
                                                                                        + "/jobs/"
                                                                                        + job
                                                                                                .getJobID()
                                                                                        + "/checkpoints"))
                                                                .build(),
                                                        HttpResponse.BodyHandlers.ofString())
                                                .body());

                TreeMap<Long, long[]> perSecond =
                        new TreeMap<>(); // second since t0 -> {all, missed}
                for (FrameResult r : results) {
                    long[] w =
                            perSecond.computeIfAbsent(
                                    (r.captureTs() - t0) / 1000, k -> new long[2]);
                    w[0]++;
                    if (r.status() != FrameResult.Status.OK) {
                        w[1]++;
                    }
                }
                long backSecond = (overloadEnd - t0) / 1000;
                long lastSecond = (end - t0) / 1000 - 1;
                long recoveredAt = -1;
                for (long s = lastSecond; s >= backSecond; s--) {
                    long[] w = perSecond.get(s);
                    if (w != null && w[1] > 0.1 * w[0]) {
                        break;
                    }
                    recoveredAt = s;
                }
                System.out.printf(
                        Locale.ROOT,
                        "sent %d frames, %d results committed%n",
                        sent,
                        results.size());
                System.out.printf(
                        Locale.ROOT,
                        "deadline-miss rate: normal %.1f%%, overload (x%.1f, %d s) %.1f%%, after %.1f%%%n",
                        dmr(perSecond, 0, (overloadStart - t0) / 1000),
                        factor,
                        overloadSeconds,
                        dmr(perSecond, (overloadStart - t0) / 1000, backSecond),
                        dmr(perSecond, backSecond, lastSecond + 1));
                System.out.printf(Locale.ROOT, "statuses: %s%n", count(results));
                System.out.printf(
                        Locale.ROOT,
                        "DMR back under 10%% (every later 1-s window of capture time): %s%n",
                        recoveredAt < 0
                                ? "never"
                                : (recoveredAt - backSecond)
                                        + " s after the load returned to normal");
                System.out.printf(
                        Locale.ROOT,
                        "heap: high-water mark %d MiB (sampled every 100 ms), live after GC %d MiB, max %d MiB%n",
                        heapPeak.get() >> 20,
                        liveAfterGc >> 20,
                        Runtime.getRuntime().maxMemory() >> 20);
                System.out.printf(
                        Locale.ROOT,
                        "checkpoints: %d completed, %d failed, end-to-end duration max %d ms (timeout 30000 ms)%n",
                        checkpoints.path("counts").path("completed").asLong(),
                        checkpoints.path("counts").path("failed").asLong(),
                        checkpoints
                                .path("summary")
                                .path("end_to_end_duration")
                                .path("max")
                                .asLong());
                for (JsonNode c : checkpoints.path("history")) {
                    if (c.path("status").asText().equals("FAILED")) {
                        System.out.printf(
                                Locale.ROOT,
                                "checkpoint %d failed: %s%n",
                                c.path("id").asLong(),
                                c.path("failure_message").asText());
                    }
                }
                JsonNode latestFailed = checkpoints.path("latest").path("failed");
                if (latestFailed.isObject()) {
                    System.out.printf(
                            Locale.ROOT,
                            "latest failed checkpoint (REST): %d: %s%n",
                            latestFailed.path("id").asLong(),
                            latestFailed.path("failure_message").asText());
                }
                // A checkpoint that fails while being triggered (before Flink creates a pending
                // checkpoint,
                // e.g. because not all tasks are RUNNING yet) only increments the failed count: it
                // never
                // gets an id in the REST history nor in latest.failed. Its cause is only logged, by
                // CheckpointFailureManager, which is what CheckpointFailures captures.
                List<CheckpointFailures.Failure> failures = checkpointFailures.failures();
                long counted =
                        failures.stream().filter(CheckpointFailures.Failure::counted).count();
                long startup = failures.stream().filter(f -> f.counted() && f.startup()).count();
                System.out.printf(
                        Locale.ROOT,
                        "checkpoint failures logged: %d before all tasks were running (start-up, benign), %d after the job was running%n",
                        startup,
                        counted - startup);
                for (CheckpointFailures.Failure f : failures) {
                    System.out.printf(
                            Locale.ROOT,
                            "  +%.1f s after submission%s: %s%n",
                            (f.atMillis() - submitted) / 1000.0,
                            f.startup() ? " (start-up)" : "",
                            f.message());
                }
            } finally {
                job.cancel().get();
            }
        }
        System.exit(0);
    }

    /**
     * Records what Flink logs about failed checkpoints (CheckpointFailureManager logs every
     * failure, those failing at trigger time only at INFO; CheckpointCoordinator logs declines at
     * INFO).
     */
    static final class CheckpointFailures extends AbstractAppender {
        /**
         * {@code counted}: logged by CheckpointFailureManager, once per failed checkpoint; else a
         * detail.
         */
        record Failure(long atMillis, boolean counted, boolean startup, String message) {}

        private static final String FAILURE_MANAGER =
                "org.apache.flink.runtime.checkpoint.CheckpointFailureManager";
        private static final String COORDINATOR =
                "org.apache.flink.runtime.checkpoint.CheckpointCoordinator";
        private final List<Failure> failures = new CopyOnWriteArrayList<>();

        private CheckpointFailures() {
            super("checkpoint-failures", null, null, true, Property.EMPTY_ARRAY);
        }

        static CheckpointFailures install() {
            CheckpointFailures appender = new CheckpointFailures();
            appender.start();
            LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
            org.apache.logging.log4j.core.config.Configuration config = ctx.getConfiguration();
            config.addAppender(appender);
            for (String name : List.of(FAILURE_MANAGER, COORDINATOR)) {
                LoggerConfig lc = new LoggerConfig(name, Level.INFO, true);
                lc.addAppender(appender, Level.INFO, null);
                // The console keeps its WARN threshold for these loggers; only this appender sees
                // INFO.
                config.getRootLogger()
                        .getAppenders()
                        .values()
                        .forEach(a -> lc.addAppender(a, Level.WARN, null));
                lc.setAdditive(false);
                config.addLogger(name, lc);
            }
            ctx.updateLoggers();
            return appender;
        }

        @Override
        public void append(LogEvent event) {
            String text = event.getMessage().getFormattedMessage();
            boolean fromManager = event.getLoggerName().equals(FAILURE_MANAGER);
            if (!fromManager
                    && !text.startsWith("Decline checkpoint")
                    && !text.contains("failed")
                    && !text.contains("expired")) {
                return; // "Triggering checkpoint", "Completed checkpoint", ...
            }
            Throwable t = event.getThrown();
            String message =
                    event.getLoggerName().substring(event.getLoggerName().lastIndexOf('.') + 1)
                            + " "
                            + event.getLevel()
                            + ": "
                            + text
                            + (t == null
                                    ? ""
                                    : " ["
                                            + t
                                            + (t.getCause() == null
                                                    ? ""
                                                    : " caused by " + t.getCause())
                                            + "]");
            boolean startup =
                    text.contains("Not all required tasks are currently running")
                            || text.contains("is not being executed at the moment");
            failures.add(new Failure(event.getTimeMillis(), fromManager, startup, message));
        }

        List<Failure> failures() {
            return failures;
        }
    }

    private static long phase(
            Catalog catalog,
            Properties client,
            TopicsConfig topics,
            double fps,
            int seconds,
            long firstSequence) {
        int cameras = 4;
        CameraSimulator sim =
                new CameraSimulator(
                        CameraSpec.fromCatalog(catalog, cameras, fps / cameras),
                        new CameraSimulator.Options(
                                topics.frames(),
                                Duration.ofSeconds(seconds),
                                0,
                                null,
                                5,
                                3,
                                null,
                                firstSequence));
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(
                        CameraSimulator.producerProperties(client),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            CameraSimulator.Report report = sim.run(producer, r -> {});
            System.out.printf(
                    Locale.ROOT,
                    "phase %.1f frames/s for %d s: %s%n",
                    fps,
                    seconds,
                    report.describe());
            return report.acked();
        }
    }

    private static List<FrameResult> readResults(Properties client, String topic, long expected)
            throws Exception {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("group.id", "overload-bench");
        p.setProperty("auto.offset.reset", "earliest");
        p.setProperty("isolation.level", "read_committed");
        List<FrameResult> out = new java.util.ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < expected && System.nanoTime() < until) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(ResultCodec.fromJson(r.value()));
                }
            }
        }
        return out;
    }

    private static double dmr(TreeMap<Long, long[]> perSecond, long from, long to) {
        long all = 0;
        long missed = 0;
        for (long[] w : perSecond.subMap(from, to).values()) {
            all += w[0];
            missed += w[1];
        }
        return all == 0 ? 0 : 100.0 * missed / all;
    }

    private static Map<String, Long> count(List<FrameResult> results) {
        Map<String, Long> out = new TreeMap<>();
        for (FrameResult r : results) {
            out.merge(
                    r.status() + (r.reason() == null ? "" : " " + r.reason().split(":", 2)[0]),
                    1L,
                    Long::sum);
        }
        return out;
    }
}
