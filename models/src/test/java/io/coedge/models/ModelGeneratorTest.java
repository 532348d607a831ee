package io.coedge.models;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.TextFormat;
import io.coedge.models.onnx.ModelProto;
import io.coedge.oip.v2.config.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelGeneratorTest {
    @TempDir Path a;
    @TempDir Path b;

    @Test
    void sameSeedWritesTheSameBytesAndAnotherSeedDoesNot() throws Exception {
        new ModelGenerator(42, ModelGenerator.Scale.TINY).generateAll(a);
        new ModelGenerator(42, ModelGenerator.Scale.TINY).generateAll(b);
        for (String name : ModelGenerator.MODEL_NAMES) {
            assertThat(Files.readAllBytes(a.resolve(name + "/1/model.onnx")))
                    .isEqualTo(Files.readAllBytes(b.resolve(name + "/1/model.onnx")));
            assertThat(a.resolve(name + "/config.pbtxt"))
                    .hasSameTextualContentAs(b.resolve(name + "/config.pbtxt"));
        }
        Path c = a.resolveSibling(a.getFileName() + "-other");
        new ModelGenerator(43, ModelGenerator.Scale.TINY).generate("vgg", c);
        assertThat(Files.readAllBytes(c.resolve("vgg/1/model.onnx")))
                .isNotEqualTo(Files.readAllBytes(a.resolve("vgg/1/model.onnx")));
    }

    @Test
    void writesTritonConfigsWithDynamicBatchAndTheTalksLayouts() throws Exception {
        List<ModelGenerator.GeneratedModel> models =
                new ModelGenerator(1, ModelGenerator.Scale.FULL).generateAll(a);
        assertThat(models)
                .extracting(ModelGenerator.GeneratedModel::name)
                .containsExactly("yolo-big", "yolo-small", "vgg", "resnet");
        assertThat(models.get(0).inputDims()).containsExactly(3, 320, 320);
        assertThat(models.get(0).outputDims()).containsExactly(84, 2100);
        assertThat(models.get(1).inputDims()).containsExactly(3, 224, 224);
        assertThat(models.get(1).outputDims()).containsExactly(84, 1029);
        assertThat(models.get(2).outputDims()).containsExactly(10);
        ModelConfig.Builder config = ModelConfig.newBuilder();
        TextFormat.merge(Files.readString(a.resolve("yolo-big/config.pbtxt")), config);
        assertThat(config.getName()).isEqualTo("yolo-big");
        assertThat(config.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(config.getMaxBatchSize()).isEqualTo(8);
        assertThat(config.getInput(0).getName()).isEqualTo("images");
        assertThat(config.getInput(0).getDimsList()).containsExactly(3L, 320L, 320L);
        assertThat(config.getOutput(0).getName()).isEqualTo("output0");
        assertThat(config.getDynamicBatching().getDefaultQueuePolicy().getMaxQueueSize())
                .isEqualTo(64);
        ModelProto onnx =
                ModelProto.parseFrom(Files.readAllBytes(a.resolve("resnet/1/model.onnx")));
        assertThat(
                        onnx.getGraph()
                                .getInput(0)
                                .getType()
                                .getTensorType()
                                .getShape()
                                .getDim(0)
                                .getDimParam())
                .isEqualTo("batch");
        assertThat(onnx.getGraph().getNodeList())
                .extracting(n -> n.getOpType())
                .contains("Add", "GlobalAveragePool");
    }
}
