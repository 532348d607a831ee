package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.FrameResult;
import io.coedge.format.FrameResult.Status;
import io.coedge.format.ResultCodec;
import io.coedge.kafka.live.LiveFeed;
import io.coedge.kafka.live.LivePage;
import io.coedge.kafka.live.LiveState;
import io.coedge.kafka.results.ResultsReader;
import io.coedge.kafka.results.ResultsTable;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.testing.TestBrowser;
import io.coedge.testing.TestImages;
import io.coedge.testing.TestKafka;
import io.coedge.topics.TopicsConfig;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The live page in a real headless Chromium, fed from a real Kafka: it loads without console
 * errors, its per-task numbers are those of the results topic, and each camera shows its latest
 * frame with the result's boxes drawn over it.
 */
class LivePageITCase {
    private static final TopicsConfig TOPICS = TopicsConfig.defaults();

    @Test
    void pageShowsTheResultsTopicsNumbersAndTheLatestFrameOfEachCameraWithItsBoxes()
            throws Exception {
        try (TestKafka kafka = TestKafka.start()) {
            TopicAdmin.createAll(kafka.clientProperties(), TOPICS);
            List<FrameResult> results = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(
                            kafka.clientProperties(),
                            new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                for (int i = 0; i < 6; i++) {
                    results.add(detection(producer, "cam-1", i));
                    results.add(classification(producer, "cam-2", i));
                }
            }
            Properties tx = kafka.clientProperties();
            tx.setProperty("transactional.id", "live-page-it");
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(tx, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                for (FrameResult r : results) {
                    producer.send(
                            new ProducerRecord<>(
                                    TOPICS.results(),
                                    r.camera().getBytes(StandardCharsets.UTF_8),
                                    ResultCodec.toJson(r)));
                }
                producer.commitTransaction();
            }
            ResultsTable expected = new ResultsTable();
            try (ResultsReader reader =
                    new ResultsReader(kafka.clientProperties(), TOPICS.results(), true)) {
                Awaitility.await("the results topic has every result")
                        .atMost(Duration.ofSeconds(60))
                        .until(
                                () -> {
                                    reader.poll(Duration.ofMillis(200), r -> {});
                                    return reader.table().frames() >= results.size();
                                });
                expected = reader.table();
            }

            LiveState state = new LiveState();
            try (LiveFeed feed =
                            new LiveFeed(kafka.clientProperties(), TOPICS, true, state).start();
                    LivePage page = new LivePage("127.0.0.1", 0, state, System::currentTimeMillis);
                    TestBrowser browser = TestBrowser.start()) {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> state.frames() == results.size());
                ChromeDriver driver = browser.driver();
                driver.get(page.uri().toString());
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> cellText(driver, "ALL", "frames").equals("12"));
                for (ResultsTable.Row row : expected.rows()) {
                    assertThat(rowTexts(driver, row.task())).isEqualTo(formatted(row));
                }
                Path shot = Path.of("target", "live-page.png");
                Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));
                // cam-1's latest frame is #5 with two boxes; cam-2's has none, only classes.
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> imageLoaded(driver, "cam-1") && imageLoaded(driver, "cam-2"));
                WebElement cam1 =
                        driver.findElement(By.cssSelector(".camera[data-camera='cam-1']"));
                assertThat(cam1.getAttribute("data-frame-id")).isEqualTo("cam-1#5");
                assertThat(
                                cam1.findElements(By.cssSelector("svg rect[data-label]")).stream()
                                        .map(e -> e.getAttribute("data-label"))
                                        .toList())
                        .containsExactly("car", "person");
                WebElement cam2 =
                        driver.findElement(By.cssSelector(".camera[data-camera='cam-2']"));
                assertThat(cam2.getText()).contains("walker-recognition").contains("cat 80%");
                assertThat(
                                driver.findElements(
                                        By.cssSelector("#assignment rect[data-node='edge-2']")))
                        .isNotEmpty();
                assertThat(driver.findElements(By.cssSelector("#dmr-chart polyline"))).hasSize(2);
                Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));
                assertThat(browser.consoleErrors()).isEmpty();
            }
        }
    }

    private static FrameResult detection(KafkaProducer<byte[], byte[]> p, String cam, int i)
            throws Exception {
        String source = send(p, cam, i, new Color(40, 90, 160));
        var car = new FrameResult.Detection("car", 2, 0.91, 20, 30, 140, 110);
        var person = new FrameResult.Detection("person", 0, 0.62, 200, 40, 240, 200);
        return result(
                cam,
                i,
                source,
                "vehicle-detection",
                i < 3 ? "edge-1" : "edge-2",
                i == 4 ? Status.LATE : Status.OK,
                List.of(car, person),
                null);
    }

    private static FrameResult classification(KafkaProducer<byte[], byte[]> p, String cam, int i)
            throws Exception {
        String source = send(p, cam, i, new Color(160, 120, 40));
        return result(
                cam,
                i,
                source,
                "walker-recognition",
                "edge-3",
                i == 2 ? Status.DROPPED : Status.OK,
                null,
                List.of(new FrameResult.ClassScore("cat", 3, 0.8)));
    }

    private static String send(KafkaProducer<byte[], byte[]> p, String cam, int i, Color c)
            throws Exception {
        byte[] jpeg = TestImages.solid("jpg", 320, 240, c);
        RecordMetadata m =
                p.send(
                                new ProducerRecord<>(
                                        TOPICS.frames(),
                                        cam.getBytes(StandardCharsets.UTF_8),
                                        jpeg))
                        .get();
        return m.topic() + "/" + m.partition() + "@" + m.offset();
    }

    private static FrameResult result(
            String cam,
            int i,
            String source,
            String task,
            String node,
            Status status,
            List<FrameResult.Detection> detections,
            List<FrameResult.ClassScore> classes) {
        long capture = 1_700_000_000_000L + i * 1_000L;
        boolean ran = status != Status.DROPPED;
        long latency = 40 + 7L * i;
        return new FrameResult(
                cam + "#" + i,
                cam,
                (long) i,
                source,
                task,
                "m",
                node,
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
                capture + 200,
                200,
                status == Status.OK,
                detections,
                classes);
    }

    private static String cellText(ChromeDriver d, String task, String field) {
        List<String> row = rowTexts(d, task);
        int index = FIELDS.indexOf(field);
        return row.size() > index ? row.get(index) : "";
    }

    private static final List<String> FIELDS =
            List.of(
                    "task", "frames", "ok", "late", "dropped", "error", "dmr", "p50Ms", "p95Ms",
                    "p99Ms", "fps", "batch");

    /** The row's cells read in one script: the page rebuilds the table every second. */
    @SuppressWarnings("unchecked")
    private static List<String> rowTexts(ChromeDriver d, String task) {
        Object cells =
                d.executeScript(
                        "return Array.from(document.querySelectorAll('#tasks tr')).filter(r =>"
                                + " r.dataset.task === arguments[0]).flatMap(r =>"
                                + " Array.from(r.cells).map(c => c.textContent));",
                        task);
        return (List<String>) cells;
    }

    private static List<String> formatted(ResultsTable.Row r) {
        return List.of(
                r.task(),
                Long.toString(r.frames()),
                Long.toString(r.ok()),
                Long.toString(r.late()),
                Long.toString(r.dropped()),
                Long.toString(r.error()),
                String.format(Locale.ROOT, "%.2f", r.missRate() * 100),
                Long.toString(r.p50Ms()),
                Long.toString(r.p95Ms()),
                Long.toString(r.p99Ms()),
                String.format(Locale.ROOT, "%.1f", r.throughputFps()),
                String.format(Locale.ROOT, "%.2f", r.meanBatch()));
    }

    private static boolean imageLoaded(ChromeDriver d, String camera) {
        Object ok =
                d.executeScript(
                        "const i = document.querySelector(\".camera[data-camera='\" + arguments[0]"
                                + " + \"'] img\"); return !!i && i.complete && i.naturalWidth > 0;",
                        camera);
        return Boolean.TRUE.equals(ok);
    }
}
