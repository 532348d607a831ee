package io.coedge.kafka.camera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
