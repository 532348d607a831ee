package io.coedge.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogPostprocessTest {
    private static String catalog(String postprocess) {
        return """
      nodes: [{id: edge-1}]
      models:
        - name: det
          input: {width: 640, height: 640}
          postprocess: %s
      tasks:
        - {id: t1, model: det, cameras: [c1], fps: 5, deadlineMs: 300, origin: edge-1}
      """
                .formatted(postprocess);
    }

    private static ModelSpec.Postprocess post(String postprocess) throws CatalogException {
        return CatalogLoader.parse("c.yaml", catalog(postprocess))
                .model("det")
                .orElseThrow()
                .postprocess();
    }

    @Test
    void detectorFieldsHaveDocumentedDefaultsAndYoloMeansYolov8() throws Exception {
        ModelSpec.Postprocess p = post("{type: yolo, labels: [car]}");

        assertThat(p)
                .isEqualTo(
                        new ModelSpec.Postprocess(
                                "yolov8",
                                List.of("car"),
                                0.25,
                                0.45,
                                5,
                                100,
                                "pixels",
                                List.of(),
                                List.of(8, 16, 32),
                                0,
                                "xyxy",
                                0.5));
        assertThat(p.detects()).isTrue();
    }

    @Test
    void everyDecoderSettingIsRead() throws Exception {
        ModelSpec.Postprocess p =
                post(
                        "{type: nanodet, labels: [a, b], confidence: 0.4, iou: 0.6,"
                                + " maxDetections: 7, coordinates: normalized, outputs: [s, d],"
                                + " strides: [16, 32], regMax: 10, boxFormat: yxyx,"
                                + " centerOffset: 0}");

        assertThat(p)
                .isEqualTo(
                        new ModelSpec.Postprocess(
                                "nanodet",
                                List.of("a", "b"),
                                0.4,
                                0.6,
                                5,
                                7,
                                "normalized",
                                List.of("s", "d"),
                                List.of(16, 32),
                                10,
                                "yxyx",
                                0.0));
    }

    @Test
    void labelsFileIsReadRelativeToTheCatalogAndTravelsWithItsText(@TempDir Path dir)
            throws Exception {
        Files.writeString(dir.resolve("coco.names"), "person\nbicycle\n car \n\n");
        Path file = dir.resolve("catalog.yaml");
        Files.writeString(file, catalog("{type: yolov5, labelsFile: coco.names}"));

        assertThat(CatalogLoader.load(file).model("det").orElseThrow().postprocess().labels())
                .containsExactly("person", "bicycle", "car");

        CatalogText text = CatalogText.read(file);
        Files.delete(dir.resolve("coco.names")); // a TaskManager elsewhere has no such file
        assertThat(text.parse().model("det").orElseThrow().postprocess().labels())
                .containsExactly("person", "bicycle", "car");
    }

    @Test
    void badPostprocessSettingsAreNamed(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> post("{type: ssd, labels: [a]}"))
                .hasMessageContaining("type")
                .hasMessageContaining("nanodet");
        assertThatThrownBy(() -> post("{type: yolov5, labels: [a], labelsFile: x.txt}"))
                .hasMessageContaining("labelsFile")
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> post("{type: yolov5, labels: [a], coordinates: relative}"))
                .hasMessageContaining("coordinates");
        assertThatThrownBy(() -> post("{type: end2end, labels: [a], boxFormat: cxcywh}"))
                .hasMessageContaining("boxFormat");
        assertThatThrownBy(() -> post("{type: nanodet, labels: [a], strides: [8, 0]}"))
                .hasMessageContaining("strides[1]");

        Path file = dir.resolve("catalog.yaml");
        Files.writeString(file, catalog("{type: yolov5, labelsFile: missing.names}"));
        assertThatThrownBy(() -> CatalogLoader.load(file))
                .hasMessageContaining("models[0].postprocess.labelsFile")
                .hasMessageContaining("no such file");
        Files.writeString(dir.resolve("gap.names"), "a\n\nb\n");
        Files.writeString(file, catalog("{type: yolov5, labelsFile: gap.names}"));
        assertThatThrownBy(() -> CatalogLoader.load(file)).hasMessageContaining("line 2 is empty");
    }
}
