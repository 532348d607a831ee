package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coedge.format.FrameResult;
import io.coedge.format.FrameResult.Status;
import io.coedge.format.ResultCodec;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.testing.TestKafka;
import io.coedge.topics.TopicsConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** `coedge results` reads only committed results and computes the per-task table. */
class ResultsCommandITCase {

    private static FrameResult result(String task, int i, Status status, long latency) {
        long capture = 1_000_000L + i * 100L;
        boolean ran = status == Status.OK || status == Status.LATE;
        return new FrameResult(
                "cam#" + i,
                "cam",
                (long) i,
                "coedge.frames/0@" + i,
                task,
                "m",
                "edge-1",
                "edge-1",
                ran ? 2 : 0,
                status,
                ran ? null : "DEADLINE_UNREACHABLE",
                capture,
                capture + 1,
                ran ? capture + 2 : null,
                ran ? capture + 3 : null,
                capture + latency,
                latency,
                capture + 250,
                250,
                status == Status.OK,
                null,
                null);
    }

    @Test
    void tableCountsCommittedResultsOnlyAndSkipsGarbage() throws Exception {
        try (TestKafka kafka = TestKafka.start()) {
            TopicAdmin.createAll(kafka.clientProperties(), TopicsConfig.defaults());
            Properties p = kafka.clientProperties();
            p.setProperty("transactional.id", "results-it");
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.initTransactions();
                // All in one partition, the aborted result first and the garbage before the last
                // committed result, so that
                // a reader that stops once it has counted the five committed results has passed
                // both.
                producer.beginTransaction();
                producer.send(
                        new ProducerRecord<>(
                                "coedge.results",
                                0,
                                null,
                                ResultCodec.toJson(result("a", 9, Status.ERROR, 1))));
                producer.flush();
                producer.abortTransaction();
                producer.beginTransaction();
                List<FrameResult> committed =
                        List.of(
                                result("a", 1, Status.OK, 100),
                                result("a", 2, Status.OK, 200),
                                result("a", 3, Status.LATE, 300),
                                result("a", 4, Status.DROPPED, 5),
                                result("b", 5, Status.OK, 50));
                for (FrameResult r : committed) {
                    if (r.task().equals("b")) {
                        producer.send(
                                new ProducerRecord<>(
                                        "coedge.results",
                                        0,
                                        null,
                                        "not json".getBytes(StandardCharsets.UTF_8)));
                    }
                    producer.send(
                            new ProducerRecord<>(
                                    "coedge.results",
                                    0,
                                    r.camera().getBytes(StandardCharsets.UTF_8),
                                    ResultCodec.toJson(r)));
                }
                producer.commitTransaction();
            }

            // Stops once the five committed results are counted; the duration only keeps a broken
            // reader from hanging.
            CliTest.Run run =
                    CliTest.run(
                            "results",
                            "--bootstrap",
                            kafka.bootstrap(),
                            "--from-beginning",
                            "--expect",
                            "5",
                            "--duration",
                            "120s",
                            "--json");

            assertThat(run.exit()).as(run.err()).isZero();
            List<String> lines = run.out().lines().toList();
            JsonNode last = new ObjectMapper().readTree(lines.get(lines.size() - 1));
            assertThat(last).hasSize(3);
            JsonNode a = last.get(0);
            assertThat(a.get("task").asText()).isEqualTo("a");
            assertThat(a.get("frames").asLong()).as("aborted result not counted").isEqualTo(4);
            assertThat(a.get("ok").asLong()).isEqualTo(2);
            assertThat(a.get("late").asLong()).isEqualTo(1);
            assertThat(a.get("dropped").asLong()).isEqualTo(1);
            assertThat(a.get("error").asLong()).isZero();
            assertThat(a.get("missRate").asDouble()).isEqualTo(0.5);
            assertThat(a.get("p50Ms").asLong()).isEqualTo(100);
            assertThat(a.get("p99Ms").asLong()).isEqualTo(300);
            assertThat(last.get(1).get("task").asText()).isEqualTo("b");
            assertThat(last.get(2).get("task").asText()).isEqualTo("ALL");
            assertThat(last.get(2).get("frames").asLong()).isEqualTo(5);
            assertThat(run.err()).contains("1 records were not result JSON and were skipped");
        }
    }
}
