package io.coedge.kafka.camera;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import io.coedge.format.DecodeResult;
import io.coedge.format.DecoderLimits;
import io.coedge.format.Frame;
import io.coedge.format.FrameDecoder;
import io.coedge.format.FrameHeaders;
import io.coedge.format.RawRecord;
import io.coedge.kafka.embedded.EmbeddedKafka;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.TopicsConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The camera simulator against a real (embedded) broker. */
class CameraSimulatorITCase {
    @Test
    void producedFramesCarryTheFrameFormatAndPassTheDecoder() throws Exception {
        Catalog catalog = CatalogLoader.parse("c.yaml", CameraSimulatorTest.CATALOG);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            TopicsConfig topics = new TopicsConfig("frames-sim", "r-sim", "d-sim", "p-sim", 2);
            TopicAdmin.createAll(clientProperties(kafka), topics);
            CameraSimulator simulator =
                    new CameraSimulator(
                            CameraSpec.fromCatalog(catalog, null, null),
                            new CameraSimulator.Options(
                                    "frames-sim", null, 250, null, 5, 1, null, 0));

            CameraSimulator.Report report;
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(
                            clientProperties(kafka),
                            new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                report = simulator.run(producer, r -> {});
            }

            assertThat(report.sent()).isEqualTo(250);
            assertThat(report.acked()).isEqualTo(250);
            assertThat(report.failed()).isZero();
            List<ConsumerRecord<byte[], byte[]>> records = readAll(kafka, "frames-sim", 250);
            assertThat(records).hasSize(250);
            FrameDecoder decoder = new FrameDecoder(catalog, DecoderLimits.defaults());
            Map<String, List<Long>> sequences = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                List<RawRecord.Header> headers = new ArrayList<>();
                for (Header h : r.headers()) {
                    headers.add(new RawRecord.Header(h.key(), h.value()));
                }
                DecodeResult decoded =
                        decoder.decode(
                                new RawRecord(
                                        r.topic(),
                                        r.partition(),
                                        r.offset(),
                                        r.key(),
                                        r.value(),
                                        headers),
                                System.currentTimeMillis());
                assertThat(decoded).isInstanceOf(DecodeResult.Accepted.class);
                Frame frame = ((DecodeResult.Accepted) decoded).frame();
                sequences
                        .computeIfAbsent(frame.camera(), c -> new ArrayList<>())
                        .add(frame.sequence());
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(r.value()));
                assertThat(image.getWidth()).isEqualTo(frame.camera().equals("cam-c") ? 48 : 96);
                assertThat(
                                new String(
                                        r.headers().lastHeader(FrameHeaders.ORIGIN).value(),
                                        StandardCharsets.UTF_8))
                        .isEqualTo(frame.camera().equals("cam-c") ? "edge-2" : "edge-1");
            }
            // 100 + 100 + 50 fps: cameras a and b send 2 frames for every frame of c.
            assertThat(sequences.get("cam-a")).hasSize(100).isSorted().startsWith(0L, 1L, 2L);
            assertThat(sequences.get("cam-b")).hasSize(100).isSorted();
            assertThat(sequences.get("cam-c")).hasSize(50).isSorted();
        }
    }

    private static Properties clientProperties(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", kafka.bootstrapServers());
        return p;
    }

    /**
     * Reads {@code topic} from its start until {@code expected} records arrived (or 30 s passed).
     */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(
            EmbeddedKafka kafka, String topic, int expected) {
        Properties p = clientProperties(kafka);
        p.setProperty("group.id", "test-reader-" + UUID.randomUUID());
        p.setProperty("auto.offset.reset", "earliest");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
