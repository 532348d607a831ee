package io.coedge.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
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
                .isEqualTo(
                        new ModelSpec.Preprocess(
                                "stretch",
                                1.0 / 255.0,
                                List.of(0.0, 0.0, 0.0),
                                List.of(1.0, 1.0, 1.0),
                                "RGB"));
        assertThat(model.postprocess())
                .isEqualTo(
                        new ModelSpec.Postprocess(
                                "classification", List.of("a", "b"), 0.25, 0.45, 5));
        assertThat(model.maxBatch()).isEqualTo(8);
        assertThat(catalog.tasks())
                .containsExactly(
                        new TaskSpec(
                                "t1",
                                "resnet",
                                List.of("c1", "c2"),
                                5.0,
                                300,
                                "edge-1",
                                640,
                                480,
                                57_600));
        assertThat(catalog.taskOfCamera("c2").map(TaskSpec::id)).contains("t1");
        assertThat(catalog.totalFps()).isEqualTo(10.0);
        assertThat(catalog.links())
                .containsExactly(
                        new LinkSpec("edge-1", "edge-2", 100, 2),
                        new LinkSpec("edge-2", "edge-1", 100, 2));
    }

    @Test
    void explicitLinksOverrideTheNetworkDefaults() throws Exception {
        Catalog catalog =
                CatalogLoader.parse(
                        "ok.yaml",
                        VALID
                                + "network: {bandwidthMbps: 50, latencyMs: 5}\n"
                                + "links: [{from: edge-2, to: edge-1, bandwidthMbps: 8}]\n");

        assertThat(catalog.links())
                .containsExactly(
                        new LinkSpec("edge-1", "edge-2", 50, 5),
                        new LinkSpec("edge-2", "edge-1", 8, 5));
        assertThat(
                        CatalogLoader.parse(
                                        "ok.yaml",
                                        VALID
                                                + "network:\nlinks:\n# - {from: edge-2, to: edge-1, bandwidthMbps: 8}\n")
                                .links())
                .as("a field with nothing after it is absent")
                .contains(new LinkSpec("edge-2", "edge-1", 100, 2));
        assertThat(
                        failure(VALID + "links: [{from: edge-2, to: edge-7, bandwidthMbps: 8}]\n")
                                .getMessage())
                .isEqualTo(
                        "bad.yaml: links[0].to: unknown node 'edge-7'; nodes are [edge-1, edge-2] (line 10, column 28)");
        assertThat(failure(VALID + "links: [{from: edge-2, to: edge-1}]\n").getMessage())
                .isEqualTo(
                        "bad.yaml: links[0].bandwidthMbps: is missing (required) (line 10, column 9)");
    }

    @Test
    void inputLayoutDtypeAndPadValueAreReadWithDefaultsForOlderCatalogs() throws Exception {
        String models =
                """
        models:
          - name: yolo5
            input: {name: images, width: 64, height: 48, layout: NHWC, dtype: uint8}
            preprocess: {resize: letterbox, padValue: 0, channelOrder: BGR}
            postprocess: {type: classification, labels: [a]}
        """;
        ModelSpec old = CatalogLoader.parse("ok.yaml", VALID).model("resnet").orElseThrow();
        ModelSpec model =
                CatalogLoader.parse(
                                "ok.yaml",
                                VALID.replaceAll("(?s)models:.*?(?=tasks:)", models)
                                        .replace("model: resnet", "model: yolo5"))
                        .model("yolo5")
                        .orElseThrow();

        assertThat(old.input())
                .isEqualTo(new ModelSpec.InputSpec("input", 32, 32, 3, "NCHW", "float32"));
        assertThat(old.preprocess().padValue()).isEqualTo(114);
        assertThat(model.input())
                .isEqualTo(new ModelSpec.InputSpec("images", 64, 48, 3, "NHWC", "uint8"));
        assertThat(model.input().shape(4)).containsExactly(4, 48, 64, 3);
        assertThat(model.input().oipDatatype()).isEqualTo("UINT8");
        assertThat(model.preprocess())
                .isEqualTo(
                        new ModelSpec.Preprocess(
                                "letterbox",
                                1.0 / 255.0,
                                List.of(0.0, 0.0, 0.0),
                                List.of(1.0, 1.0, 1.0),
                                "BGR",
                                0));
    }

    @Test
    void badInputDescriptionsAreRefusedWithTheirField() {
        String in = "input: {width: 32, height: 32}";

        assertThat(
                        failure(VALID.replace(in, "input: {width: 32, height: 32, layout: HWC}"))
                                .getMessage())
                .startsWith("bad.yaml: models[0].input.layout: must be one of");
        assertThat(
                        failure(VALID.replace(in, "input: {width: 32, height: 32, dtype: fp16}"))
                                .getMessage())
                .startsWith("bad.yaml: models[0].input.dtype: must be one of");
        assertThat(
                        failure(VALID.replace(in, in + "\n    preprocess: {padValue: 300}"))
                                .getMessage())
                .startsWith(
                        "bad.yaml: models[0].preprocess.padValue: must be from 0 to 255, was 300");
        assertThat(
                        failure(
                                        VALID.replace(
                                                in,
                                                "input: {width: 32, height: 32, dtype: uint8}"
                                                        + "\n    preprocess: {mean: [0.5, 0.5, 0.5]}"))
                                .getMessage())
                .contains(
                        "models[0].preprocess: a uint8 input takes the 0..255 pixels as they are");
    }

    @Test
    void everyShippedCatalogLoads() throws Exception {
        List<Path> files;
        try (Stream<Path> listing = Files.list(Path.of("..", "config"))) {
            files = listing.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }

        assertThat(files)
                .extracting(f -> f.getFileName().toString())
                .contains("bench.yaml", "demo.yaml", "paper.yaml", "real.yaml");
        for (Path file : files) {
            assertThat(CatalogLoader.load(file).tasks()).as(file.toString()).isNotEmpty();
        }
    }

    @Test
    void shippedConfigsLoad() throws Exception {
        Path root = Path.of("..", "config");
        Catalog demo = CatalogLoader.load(root.resolve("demo.yaml"));
        Catalog paper = CatalogLoader.load(root.resolve("paper.yaml"));

        assertThat(demo.nodes())
                .extracting(NodeSpec::id)
                .containsExactly("edge-1", "edge-2", "edge-3");
        assertThat(paper.nodes())
                .extracting(NodeSpec::id)
                .containsExactly("node1", "node2", "node3");
        assertThat(paper.tasks())
                .extracting(TaskSpec::id)
                .containsExactly("YB1", "YB2", "YS1", "YS2", "YS3", "YS4", "VGG1", "RES1");
        assertThat(paper.models())
                .extracting(ModelSpec::name)
                .containsExactly("yolo-big", "yolo-small", "vgg", "resnet");
    }

    @Test
    void anchorsAndAliasesAreResolved() throws Exception {
        String models =
                """
        models:
          - name: resnet
            input: &in {width: 32, height: 32}
            postprocess: &post {type: classification, labels: [a, b]}
          - {name: resnet-2, input: *in, postprocess: *post}
        """;
        Catalog catalog =
                CatalogLoader.parse(
                        "ok.yaml", VALID.replaceAll("(?s)models:.*?(?=tasks:)", models));

        assertThat(catalog.model("resnet-2").orElseThrow().postprocess())
                .isEqualTo(catalog.model("resnet").orElseThrow().postprocess());
        assertThat(
                        failure(
                                        VALID.replaceAll(
                                                "(?s)models:.*?(?=tasks:)",
                                                models.replace("*post", "*nope")))
                                .getMessage())
                .isEqualTo(
                        "bad.yaml: models[1].postprocess: alias *nope names no anchor before it"
                                + " (anchors work on mappings and lists) (line 8, column 47)");
    }

    /**
     * The known fault: 25 lines, 48 aliases (SnakeYAML allows 50), 8 x 2^24 = 134 million strings
     * once expanded; the SnakeYAML loader spent 1m40s on it. The reader counts expanded values as
     * it goes.
     */
    @Test
    void aBillionLaughsIsRefusedAtOnce() {
        StringBuilder yaml =
                new StringBuilder("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i <= 24; i++) {
            yaml.append("l")
                    .append(i)
                    .append(": &l")
                    .append(i)
                    .append(" [*l")
                    .append(i - 1)
                    .append(", *l")
                    .append(i - 1)
                    .append("]\n");
        }
        assertThat(yaml.toString().lines().count()).isEqualTo(25);
        assertThat(yaml.toString().chars().filter(c -> c == '*').count()).isEqualTo(48);

        CatalogException e =
                assertTimeoutPreemptively(Duration.ofSeconds(5), () -> failure(yaml.toString()));

        assertThat(e.problem())
                .isEqualTo(
                        "with its aliases expanded the document holds more than 1000000 values; refused");
        assertThat(e.field()).matches("l1[0-9]\\[1\\]");
        assertThat(e.line()).isGreaterThan(10);
    }

    @Test
    void oversizedDeepOrAmbiguousDocumentsAreRefused() {
        assertThat(failure("nodes: " + "[".repeat(40) + "]".repeat(40)).problem())
                .startsWith("Document nesting depth (33)");
        assertThat(failure("nodes: '" + "x".repeat(1 << 20) + "'").problem())
                .contains("exceeds the limit: 1048576 code points");
        assertThat(failure(VALID + "nodes: []\n").getMessage())
                .isEqualTo("bad.yaml: nodes: is given twice in one mapping (line 10, column 8)");
        assertThat(failure(VALID + "---\n" + VALID).problem())
                .isEqualTo("holds a second YAML document; a file holds one");
        assertThat(failure(VALID.replace("cameras: [c1, c2]", "cameras: [c1, ~]")).getMessage())
                .isEqualTo("bad.yaml: tasks[0].cameras[1]: must not be empty (line 9, column 43)");
    }

    @Test
    void unknownFieldIsNamedWithItsPath() {
        CatalogException e = failure(VALID.replace("fps: 5,", "fps: 5, fsp: 3,"));

        assertThat(e.file()).isEqualTo("bad.yaml");
        assertThat(e.field()).isEqualTo("tasks[0].fsp");
        assertThat(e.problem())
                .startsWith(
                        "unknown field; expected one of [cameras, deadlineMs, fps, frame, id, inputBytes, model, origin]");
    }

    @Test
    void unknownTopLevelFieldIsRefused() {
        CatalogException e = failure(VALID + "extra: 1\n");

        assertThat(e.getMessage())
                .isEqualTo(
                        "bad.yaml: extra: unknown field; expected one of [links, models, network, nodes, tasks] (line 10, column 8)");
    }

    @Test
    void missingRequiredFieldIsNamed() {
        CatalogException e = failure(VALID.replace("deadlineMs: 300, ", ""));

        assertThat(e.getMessage())
                .isEqualTo(
                        "bad.yaml: tasks[0].deadlineMs: is missing (required) (line 9, column 5)");
        assertThat(List.of(e.line(), e.column())).as("the task's mapping").containsExactly(9, 5);
    }

    @Test
    void wrongTypeIsNamedWithWhatWasFound() {
        CatalogException e = failure(VALID.replace("deadlineMs: 300", "deadlineMs: soon"));

        assertThat(e.getMessage())
                .isEqualTo(
                        "bad.yaml: tasks[0].deadlineMs: must be an integer, was 'soon' (line 9, column 68)");
        assertThat(failure(VALID.replace("deadlineMs: 300", "deadlineMs: '300'")).problem())
                .isEqualTo("must be an integer, was '300'");
        assertThat(failure(VALID.replace("deadlineMs: 300", "deadlineMs: 300.5")).problem())
                .isEqualTo("must be an integer, was 300.5");
        assertThat(failure(VALID.replace("cameras: [c1, c2]", "cameras: c1")).problem())
                .isEqualTo("must be a list, was 'c1'");
        assertThat(
                        failure(VALID.replace("input: {width: 32, height: 32}", "input: 32"))
                                .getMessage())
                .isEqualTo(
                        "bad.yaml: models[0].input: must be a mapping, was 32 (line 6, column 12)");
    }

    @Test
    void outOfRangeNumberIsRefused() {
        assertThat(failure(VALID.replace("deadlineMs: 300", "deadlineMs: -5")).getMessage())
                .isEqualTo(
                        "bad.yaml: tasks[0].deadlineMs: must be from 1 to 3600000, was -5 (line 9, column 68)");
        assertThat(failure(VALID.replace("fps: 5", "fps: 0")).field()).isEqualTo("tasks[0].fps");
    }

    @Test
    void aNodesCpuShareIsReadAndItsRangeChecked() throws Exception {
        Catalog catalog =
                CatalogLoader.parse(
                        "ok.yaml",
                        VALID.replace(
                                "{id: edge-1, sidecar: \"127.0.0.1:8101\"}",
                                "{id: edge-1, sidecar: \"127.0.0.1:8101\", cpuShare: 0.25}"));
        assertThat(catalog.node("edge-1").orElseThrow().cpuShare()).isEqualTo(0.25);
        assertThat(catalog.node("edge-2").orElseThrow().cpuShare()).isNull();

        assertThat(
                        failure(
                                VALID.replace(
                                        "{id: edge-1, sidecar: \"127.0.0.1:8101\"}",
                                        "{id: edge-1, sidecar: \"127.0.0.1:8101\", cpuShare: 0}")))
                .hasMessageContaining("nodes[0].cpuShare: must be from 0.01 to 1024.0, was 0.0");
    }

    @Test
    void crossReferencesAreChecked() {
        assertThat(failure(VALID.replace("model: resnet", "model: vgg")).getMessage())
                .isEqualTo(
                        "bad.yaml: tasks[0].model: unknown model 'vgg'; models are [resnet] (line 9, column 21)");
        assertThat(failure(VALID.replace("origin: edge-1", "origin: edge-9")).getMessage())
                .isEqualTo(
                        "bad.yaml: tasks[0].origin: unknown node 'edge-9'; nodes are [edge-1, edge-2] (line 9, column 81)");
        assertThat(failure(VALID.replace("id: edge-2", "id: edge-1")).field())
                .isEqualTo("nodes[1].id");
    }

    @Test
    void aCameraFeedsOneTask() {
        String twoTasks =
                VALID
                        + "  - {id: t2, model: resnet, cameras: [c3, c1], fps: 5, deadlineMs: 300, origin: edge-2}\n";

        CatalogException e = failure(twoTasks);

        assertThat(e.field()).isEqualTo("tasks[1].cameras[1]");
        assertThat(e.problem()).startsWith("camera 'c1' already feeds task 't1'");
    }

    @Test
    void badEnumsAndAddressesAreExplained() {
        assertThat(
                        failure(VALID.replace("type: classification", "type: segmentation"))
                                .getMessage())
                .isEqualTo(
                        "bad.yaml: models[0].postprocess.type: must be one of [classification, end2end, nanodet, yolo, yolov5, yolov8], was 'segmentation'"
                                + " (line 7, column 25)");
        assertThat(failure(VALID.replace("\"127.0.0.1:8101\"", "\"127.0.0.1\"")).getMessage())
                .isEqualTo(
                        "bad.yaml: nodes[0].sidecar: must be host:port, was '127.0.0.1' (line 2, column 27)");
        assertThat(failure(VALID.replace("\"127.0.0.1:8101\"", "\"127.0.0.1:99999\"")).problem())
                .isEqualTo("must end in a port from 1 to 65535, was '127.0.0.1:99999'");
        assertThat(failure(VALID.replace("\"cuda:0\"", "\"tpu\"")).getMessage())
                .isEqualTo(
                        "bad.yaml: nodes[1].accelerator: must be cpu or cuda:N, was 'tpu' (line 3, column 58)");
    }

    @Test
    void invalidYamlAndMissingFileAreReported() {
        CatalogException syntax = failure("nodes: [unclosed");
        assertThat(syntax.getMessage())
                .isEqualTo(
                        "bad.yaml: is not valid YAML: while parsing a flow sequence: expected ',' or ']', but got <stream end>"
                                + " (line 1, column 17)");
        assertThat(failure("").problem()).isEqualTo("is empty; expected a mapping");
        assertThatThrownBy(() -> CatalogLoader.load(Path.of("no-such.yaml")))
                .isInstanceOf(CatalogException.class)
                .hasMessage("no-such.yaml: file not found");
    }
}
