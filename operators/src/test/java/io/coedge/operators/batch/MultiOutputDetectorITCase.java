package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import io.coedge.catalog.CatalogText;
import io.coedge.format.Frame;
import io.coedge.format.FrameResult.Detection;
import io.coedge.format.ImageFormat;
import io.coedge.models.OnnxGraphBuilder;
import io.coedge.models.onnx.TensorProto;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.testing.TestImages;
import io.coedge.testing.TestSidecars;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A detector with NMS inside and four outputs (boxes, scores, INT64 classes, INT64 count), served
 * by a real sidecar: the executor asks for every output, the end2end decoder reads them by name,
 * and the boxes come back in source-frame pixels with their class names.
 */
class MultiOutputDetectorITCase {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;

    @TempDir Path repo;

    /**
     * Per image: two boxes (model-input pixels), scores 0.9 and 0.8, classes 2 and 0, count 1 (the
     * second row is beyond the count), each broadcast from a zero derived from the input.
     */
    private void writeModel() throws Exception {
        OnnxGraphBuilder g = new OnnxGraphBuilder("e2e");
        String images = g.input("images", FLOAT, new long[] {-1, 3, 32, 32});
        String mean =
                g.op(
                        "ReduceMean",
                        new String[] {images},
                        OnnxGraphBuilder.intsAttr("axes", 1, 2, 3),
                        OnnxGraphBuilder.intAttribute("keepdims", 1));
        String z = g.op("Mul", new String[] {mean, g.floatTensor(new long[] {}, new float[] {0})});
        String z3 =
                g.op(
                        "Reshape",
                        new String[] {z, g.longTensor(new long[] {3}, new long[] {-1, 1, 1})});
        String z2 =
                g.op("Reshape", new String[] {z, g.longTensor(new long[] {2}, new long[] {-1, 1})});
        String z1 =
                g.op("Reshape", new String[] {z, g.longTensor(new long[] {1}, new long[] {-1})});
        String boxes = g.floatTensor(new long[] {2, 4}, new float[] {4, 8, 20, 24, 0, 0, 8, 8});
        g.identity(g.op("Add", new String[] {z3, boxes}), "det_boxes");
        g.identity(
                g.op(
                        "Add",
                        new String[] {z2, g.floatTensor(new long[] {2}, new float[] {0.9f, 0.8f})}),
                "det_scores");
        String classes =
                g.op("Add", new String[] {z2, g.floatTensor(new long[] {2}, new float[] {2, 0})});
        g.identity(
                g.op("Cast", new String[] {classes}, OnnxGraphBuilder.intAttribute("to", INT64)),
                "det_classes");
        String count =
                g.op("Add", new String[] {z1, g.floatTensor(new long[] {}, new float[] {1})});
        g.identity(
                g.op("Cast", new String[] {count}, OnnxGraphBuilder.intAttribute("to", INT64)),
                "num_dets");
        g.output("det_boxes", FLOAT, new long[] {-1, 2, 4});
        g.output("det_scores", FLOAT, new long[] {-1, 2});
        g.output("det_classes", INT64, new long[] {-1, 2});
        g.output("num_dets", INT64, new long[] {-1});
        Path dir = Files.createDirectories(repo.resolve("e2e/1"));
        Files.write(
                dir.resolve("model.onnx"), g.build("four-output end2end test model").toByteArray());
    }

    @Test
    void fourOutputsAreDecodedIntoSourceFramePixelsWithClassNames() throws Exception {
        writeModel();
        String yaml =
                """
                nodes: [{id: edge-1}]
                models:
                  - name: e2e
                    maxBatch: 4
                    input: {name: images, width: 32, height: 32}
                    preprocess: {resize: letterbox}
                    postprocess: {type: end2end, labels: [person, bicycle, car], confidence: 0.5}
                tasks:
                  - {id: t1, model: e2e, cameras: [c1], fps: 1, deadlineMs: 60000, origin: edge-1}
                """;
        Catalog catalog = CatalogLoader.parse("e2e.yaml", yaml);
        try (TestSidecars sidecars = new TestSidecars(repo, List.of("edge-1"))) {
            BatcherConfig config =
                    BatcherConfig.defaults(new CatalogText("e2e.yaml", yaml), "coedge", true);
            SidecarExecutor executor =
                    new SidecarExecutor(
                            new InferenceExecutor.Context(
                                    catalog,
                                    config,
                                    "edge-1",
                                    sidecars.addresses().get("edge-1"),
                                    "coedge-test-e2e-" + ProcessHandle.current().pid(),
                                    2));
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> executor.view().ready());
                long now = System.currentTimeMillis();
                byte[] jpeg = TestImages.solid("jpg", 64, 32, Color.GRAY);
                List<QueuedFrame> batch = List.of(frame("f1", jpeg, now), frame("f2", jpeg, now));

                BatchOutcome outcome =
                        executor.run(0, batch, (now + 60_000) * 1000).get(60, TimeUnit.SECONDS);

                assertThat(outcome.failure()).isNull();
                for (String id : List.of("f1", "f2")) {
                    List<Detection> found = outcome.outputs().get(id).detections();
                    // 64x32 letterboxed into 32x32: scale 0.5, 8 pixels of padding above
                    assertThat(found).containsExactly(new Detection("car", 2, 0.9f, 8, 0, 40, 32));
                }
            } finally {
                executor.close();
            }
        }
    }

    private static QueuedFrame frame(String id, byte[] jpeg, long now) {
        Frame f =
                new Frame(
                        id,
                        "c1",
                        0,
                        "t1",
                        "edge-1",
                        now,
                        60_000,
                        ImageFormat.JPEG,
                        64,
                        32,
                        jpeg,
                        "frames/0@0");
        return new QueuedFrame(new RoutedFrame(f, "edge-1", 0, now), now * 1000);
    }
}
