package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import io.coedge.catalog.CatalogText;
import io.coedge.format.Frame;
import io.coedge.format.FrameResult.Detection;
import io.coedge.format.ImageFormat;
import io.coedge.models.onnx.AttributeProto;
import io.coedge.models.onnx.GraphProto;
import io.coedge.models.onnx.ModelProto;
import io.coedge.models.onnx.NodeProto;
import io.coedge.models.onnx.OperatorSetIdProto;
import io.coedge.models.onnx.TensorProto;
import io.coedge.models.onnx.TensorShapeProto;
import io.coedge.models.onnx.TypeProto;
import io.coedge.models.onnx.ValueInfoProto;
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

    private static ValueInfoProto tensor(String name, int type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            shape.addDim(
                    d instanceof String s
                            ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                            : TensorShapeProto.Dimension.newBuilder()
                                    .setDimValue(((Number) d).longValue()));
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        TypeProto.newBuilder()
                                .setTensorType(
                                        TypeProto.Tensor.newBuilder()
                                                .setElemType(type)
                                                .setShape(shape)))
                .build();
    }

    private static TensorProto floats(String name, long[] dims, float... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        return t.build();
    }

    private static TensorProto longs(String name, long... values) {
        TensorProto.Builder t =
                TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    private static NodeProto node(String op, List<String> in, String out, AttributeProto... a) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .addAllInput(in)
                .addOutput(out)
                .addAllAttribute(List.of(a))
                .build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder b =
                AttributeProto.newBuilder()
                        .setName(name)
                        .setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    private static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    /**
     * Per image: two boxes (model-input pixels), scores 0.9 and 0.8, classes 2 and 0, count 1 (the
     * second row is beyond the count), each broadcast from a zero derived from the input.
     */
    private void writeModel() throws Exception {
        GraphProto graph =
                GraphProto.newBuilder()
                        .setName("e2e")
                        .addInput(tensor("images", FLOAT, "batch", 3, 32, 32))
                        .addOutput(tensor("det_boxes", FLOAT, "batch", 2, 4))
                        .addOutput(tensor("det_scores", FLOAT, "batch", 2))
                        .addOutput(tensor("det_classes", INT64, "batch", 2))
                        .addOutput(tensor("num_dets", INT64, "batch"))
                        .addInitializer(floats("zero", new long[] {}, 0f))
                        .addInitializer(
                                floats("boxes", new long[] {2, 4}, 4, 8, 20, 24, 0, 0, 8, 8))
                        .addInitializer(floats("scores", new long[] {2}, 0.9f, 0.8f))
                        .addInitializer(floats("classes", new long[] {2}, 2, 0))
                        .addInitializer(floats("one", new long[] {}, 1f))
                        .addInitializer(longs("s3", -1, 1, 1))
                        .addInitializer(longs("s2", -1, 1))
                        .addInitializer(longs("s1", -1))
                        .addNode(
                                node(
                                        "ReduceMean",
                                        List.of("images"),
                                        "mean",
                                        ints("axes", 1, 2, 3),
                                        intAttr("keepdims", 1)))
                        .addNode(node("Mul", List.of("mean", "zero"), "z"))
                        .addNode(node("Reshape", List.of("z", "s3"), "z3"))
                        .addNode(node("Reshape", List.of("z", "s2"), "z2"))
                        .addNode(node("Reshape", List.of("z", "s1"), "z1"))
                        .addNode(node("Add", List.of("z3", "boxes"), "det_boxes"))
                        .addNode(node("Add", List.of("z2", "scores"), "det_scores"))
                        .addNode(node("Add", List.of("z2", "classes"), "classes_f"))
                        .addNode(
                                node(
                                        "Cast",
                                        List.of("classes_f"),
                                        "det_classes",
                                        intAttr("to", INT64)))
                        .addNode(node("Add", List.of("z1", "one"), "num_f"))
                        .addNode(node("Cast", List.of("num_f"), "num_dets", intAttr("to", INT64)))
                        .build();
        Path dir = Files.createDirectories(repo.resolve("e2e/1"));
        Files.write(
                dir.resolve("model.onnx"),
                ModelProto.newBuilder()
                        .setIrVersion(8)
                        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
                        .setGraph(graph)
                        .build()
                        .toByteArray());
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
