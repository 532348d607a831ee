package io.coedge.kafka.camera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import io.coedge.format.DecodeResult;
import io.coedge.format.DecoderLimits;
import io.coedge.format.Frame;
import io.coedge.format.FrameDecoder;
import io.coedge.format.FrameHeaders;
import io.coedge.format.RawRecord;
import io.coedge.kafka.testutils.TestKafka;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.kafka.topics.TopicsConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CameraSimulatorTest {
  static final String CATALOG =
      """
      nodes: [{id: edge-1, sidecar: "127.0.0.1:1"}, {id: edge-2, sidecar: "127.0.0.1:2"}]
      models: [{name: m, input: {width: 32, height: 32}, postprocess: {type: classification, labels: [a]}}]
      tasks:
        - {id: vehicles, model: m, cameras: [cam-a, cam-b], fps: 100, deadlineMs: 250, origin: edge-1, frame: {width: 96, height: 64}}
        - {id: walkers, model: m, cameras: [cam-c], fps: 50, deadlineMs: 250, origin: edge-2, frame: {width: 48, height: 32}}
      """;

  @Test
  void camerasComeFromTheCatalogOrTheOverrides() throws Exception {
    Catalog catalog = CatalogLoader.parse("c.yaml", CATALOG);

    assertThat(CameraSpec.fromCatalog(catalog, null, null))
        .containsExactly(
            new CameraSpec("cam-a", "vehicles", "edge-1", 100, 96, 64),
            new CameraSpec("cam-b", "vehicles", "edge-1", 100, 96, 64),
            new CameraSpec("cam-c", "walkers", "edge-2", 50, 48, 32));
    assertThat(CameraSpec.fromCatalog(catalog, 5, 2.0))
        .containsExactly(
            new CameraSpec("cam-a", "vehicles", "edge-1", 2, 96, 64),
            new CameraSpec("cam-b", "vehicles", "edge-1", 2, 96, 64),
            new CameraSpec("cam-c", "walkers", "edge-2", 2, 48, 32),
            new CameraSpec("walkers-cam-3", "walkers", "edge-2", 2, 48, 32),
            new CameraSpec("vehicles-cam-4", "vehicles", "edge-1", 2, 96, 64));
  }

  @Test
  void scenesAreDeterministicAndMove() {
    SceneRenderer one = new SceneRenderer(7, 160, 120);
    SceneRenderer two = new SceneRenderer(7, 160, 120);

    assertThat(one.jpeg(3, 0.9f)).isEqualTo(two.jpeg(3, 0.9f));
    assertThat(one.jpeg(3, 0.9f)).isNotEqualTo(one.jpeg(9, 0.9f));
  }

  @Test
  void replayDirectoryMustHoldImages(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("notes.txt"), "not an image");

    assertThatThrownBy(() -> CameraSimulator.loadImages(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds no .jpg, .jpeg or .png file");
  }

  @Test
  void producedFramesCarryTheFrameFormatAndPassTheDecoder() throws Exception {
    Catalog catalog = CatalogLoader.parse("c.yaml", CATALOG);
    try (TestKafka kafka = TestKafka.start()) {
      TopicsConfig topics = new TopicsConfig("frames-sim", "r-sim", "d-sim", "p-sim", 2);
      TopicAdmin.createAll(kafka.clientProperties(), topics);
      CameraSimulator simulator =
          new CameraSimulator(
              CameraSpec.fromCatalog(catalog, null, null),
              new CameraSimulator.Options("frames-sim", null, 250, null, 5, 1, null, 0));

      CameraSimulator.Report report;
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
        report = simulator.run(producer, r -> {});
      }

      assertThat(report.sent()).isEqualTo(250);
      assertThat(report.acked()).isEqualTo(250);
      assertThat(report.failed()).isZero();
      List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("frames-sim", 250);
      assertThat(records).hasSize(250);
      FrameDecoder decoder = new FrameDecoder(catalog, DecoderLimits.defaults());
      Map<String, List<Long>> sequences = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        List<RawRecord.Header> headers = new ArrayList<>();
        for (Header h : r.headers()) {
          headers.add(new RawRecord.Header(h.key(), h.value()));
        }
        DecodeResult decoded =
            decoder.decode(new RawRecord(r.topic(), r.partition(), r.offset(), r.key(), r.value(), headers),
                System.currentTimeMillis());
        assertThat(decoded).isInstanceOf(DecodeResult.Accepted.class);
        Frame frame = ((DecodeResult.Accepted) decoded).frame();
        sequences.computeIfAbsent(frame.camera(), c -> new ArrayList<>()).add(frame.sequence());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(r.value()));
        assertThat(image.getWidth()).isEqualTo(frame.camera().equals("cam-c") ? 48 : 96);
        assertThat(new String(r.headers().lastHeader(FrameHeaders.ORIGIN).value(), StandardCharsets.UTF_8))
            .isEqualTo(frame.camera().equals("cam-c") ? "edge-2" : "edge-1");
      }
      // 100 + 100 + 50 fps: cameras a and b send 2 frames for every frame of c.
      assertThat(sequences.get("cam-a")).hasSize(100).isSorted().startsWith(0L, 1L, 2L);
      assertThat(sequences.get("cam-b")).hasSize(100).isSorted();
      assertThat(sequences.get("cam-c")).hasSize(50).isSorted();
    }
  }

}
