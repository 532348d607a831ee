package io.coedge.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogLoaderTest {
  private static final String VALID =
      """
      nodes:
        - {id: edge-1, sidecar: "127.0.0.1:8101"}
        - {id: edge-2, sidecar: "127.0.0.1:8102", accelerator: "cuda:0"}
      models:
        - name: resnet
          input: {width: 32, height: 32}
          postprocess: {type: classification, labels: [a, b]}
      tasks:
        - {id: t1, model: resnet, cameras: [c1, c2], fps: 5, deadlineMs: 300, origin: edge-1}
      """;

  private static CatalogException failure(String yaml) {
    try {
      CatalogLoader.parse("bad.yaml", yaml);
    } catch (CatalogException e) {
      return e;
    }
    throw new AssertionError("expected the catalog to be refused");
  }

  @Test
  void validCatalogLoadsWithDocumentedDefaults() throws Exception {
    Catalog catalog = CatalogLoader.parse("ok.yaml", VALID);

    assertThat(catalog.nodes())
        .containsExactly(
            new NodeSpec("edge-1", "127.0.0.1:8101", "cpu"),
            new NodeSpec("edge-2", "127.0.0.1:8102", "cuda:0"));
    assertThat(catalog.models()).hasSize(1);
    ModelSpec model = catalog.model("resnet").orElseThrow();
    assertThat(model.input()).isEqualTo(new ModelSpec.InputSpec("input", 32, 32, 3));
    assertThat(model.preprocess())
        .isEqualTo(new ModelSpec.Preprocess("stretch", 1.0 / 255.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0), "RGB"));
    assertThat(model.postprocess())
        .isEqualTo(new ModelSpec.Postprocess("classification", List.of("a", "b"), 0.25, 0.45, 5));
    assertThat(model.maxBatch()).isEqualTo(8);
    assertThat(catalog.tasks())
        .containsExactly(new TaskSpec("t1", "resnet", List.of("c1", "c2"), 5.0, 300, "edge-1", 640, 480, 57_600));
    assertThat(catalog.taskOfCamera("c2").map(TaskSpec::id)).contains("t1");
    assertThat(catalog.totalFps()).isEqualTo(10.0);
    assertThat(catalog.links())
        .containsExactly(new LinkSpec("edge-1", "edge-2", 100, 2), new LinkSpec("edge-2", "edge-1", 100, 2));
  }

  @Test
  void explicitLinksOverrideTheNetworkDefaults() throws Exception {
    Catalog catalog =
        CatalogLoader.parse("ok.yaml", VALID + "network: {bandwidthMbps: 50, latencyMs: 5}\n"
            + "links: [{from: edge-2, to: edge-1, bandwidthMbps: 8}]\n");

    assertThat(catalog.links())
        .containsExactly(new LinkSpec("edge-1", "edge-2", 50, 5), new LinkSpec("edge-2", "edge-1", 8, 5));
    assertThat(failure(VALID + "links: [{from: edge-2, to: edge-7, bandwidthMbps: 8}]\n").getMessage())
        .isEqualTo("bad.yaml: links[0]: unknown node 'edge-7'; nodes are [edge-1, edge-2]");
    assertThat(failure(VALID + "links: [{from: edge-2, to: edge-1}]\n").getMessage())
        .isEqualTo("bad.yaml: links[0].bandwidthMbps: is missing (required)");
  }

  @Test
  void shippedConfigsLoad() throws Exception {
    Path root = Path.of("..", "config");
    Catalog demo = CatalogLoader.load(root.resolve("demo.yaml"));
    Catalog paper = CatalogLoader.load(root.resolve("paper.yaml"));

    assertThat(demo.nodes()).extracting(NodeSpec::id).containsExactly("edge-1", "edge-2", "edge-3");
    assertThat(paper.nodes()).extracting(NodeSpec::id).containsExactly("node1", "node2", "node3");
    assertThat(paper.tasks())
        .extracting(TaskSpec::id)
        .containsExactly("YB1", "YB2", "YS1", "YS2", "YS3", "YS4", "VGG1", "RES1");
    assertThat(paper.models()).extracting(ModelSpec::name).containsExactly("yolo-big", "yolo-small", "vgg", "resnet");
  }

  @Test
  void unknownFieldIsNamedWithItsPath() {
    CatalogException e = failure(VALID.replace("fps: 5,", "fps: 5, fsp: 3,"));

    assertThat(e.file()).isEqualTo("bad.yaml");
    assertThat(e.field()).isEqualTo("tasks[0].fsp");
    assertThat(e.problem()).startsWith("unknown field; expected one of [cameras, deadlineMs, fps, frame, id, inputBytes, model, origin]");
  }

  @Test
  void unknownTopLevelFieldIsRefused() {
    CatalogException e = failure(VALID + "extra: 1\n");

    assertThat(e.getMessage()).isEqualTo("bad.yaml: extra: unknown field; expected one of [links, models, network, nodes, tasks]");
  }

  @Test
  void missingRequiredFieldIsNamed() {
    CatalogException e = failure(VALID.replace("deadlineMs: 300, ", ""));

    assertThat(e.getMessage()).isEqualTo("bad.yaml: tasks[0].deadlineMs: is missing (required)");
  }

  @Test
  void wrongTypeIsNamedWithWhatWasFound() {
    CatalogException e = failure(VALID.replace("deadlineMs: 300", "deadlineMs: soon"));

    assertThat(e.getMessage()).isEqualTo("bad.yaml: tasks[0].deadlineMs: expected an integer but found the string 'soon'");
  }

  @Test
  void outOfRangeNumberIsRefused() {
    assertThat(failure(VALID.replace("deadlineMs: 300", "deadlineMs: -5")).getMessage())
        .isEqualTo("bad.yaml: tasks[0].deadlineMs: is -5; expected 1 to 3600000");
    assertThat(failure(VALID.replace("fps: 5", "fps: 0")).field()).isEqualTo("tasks[0].fps");
  }

  @Test
  void crossReferencesAreChecked() {
    assertThat(failure(VALID.replace("model: resnet", "model: vgg")).getMessage())
        .isEqualTo("bad.yaml: tasks[0].model: unknown model 'vgg'; models are [resnet]");
    assertThat(failure(VALID.replace("origin: edge-1", "origin: edge-9")).getMessage())
        .isEqualTo("bad.yaml: tasks[0].origin: unknown node 'edge-9'; nodes are [edge-1, edge-2]");
    assertThat(failure(VALID.replace("id: edge-2", "id: edge-1")).field()).isEqualTo("nodes[1].id");
  }

  @Test
  void aCameraFeedsOneTask() {
    String twoTasks =
        VALID + "  - {id: t2, model: resnet, cameras: [c3, c1], fps: 5, deadlineMs: 300, origin: edge-2}\n";

    CatalogException e = failure(twoTasks);

    assertThat(e.field()).isEqualTo("tasks[1].cameras[1]");
    assertThat(e.problem()).startsWith("camera 'c1' already feeds task 't1'");
  }

  @Test
  void badEnumsAndAddressesAreExplained() {
    assertThat(failure(VALID.replace("type: classification", "type: segmentation")).getMessage())
        .isEqualTo("bad.yaml: models[0].postprocess.type: is 'segmentation'; expected one of [classification, yolo]");
    assertThat(failure(VALID.replace("\"127.0.0.1:8101\"", "\"127.0.0.1\"")).getMessage())
        .isEqualTo("bad.yaml: nodes[0].sidecar: is '127.0.0.1'; expected host:port");
    assertThat(failure(VALID.replace("\"cuda:0\"", "\"tpu\"")).getMessage())
        .isEqualTo("bad.yaml: nodes[1].accelerator: is 'tpu'; expected cpu or cuda:N");
  }

  @Test
  void invalidYamlAndMissingFileAreReported() {
    assertThat(failure("nodes: [unclosed").problem()).startsWith("is not valid YAML at line");
    assertThat(failure("").problem()).isEqualTo("is empty; expected a mapping");
    assertThatThrownBy(() -> CatalogLoader.load(Path.of("no-such.yaml")))
        .isInstanceOf(CatalogException.class)
        .hasMessage("no-such.yaml: file not found");
  }
}
