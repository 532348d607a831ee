package io.coedge.sidecar.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.models.ModelGenerator;
import io.coedge.sidecar.runtime.Device;
import io.coedge.sidecar.runtime.ModelInstance;
import io.coedge.sidecar.runtime.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {
    @TempDir Path repo;

    private static final Device CPU = new Device("cpu", "cpu", Optional.empty());

    @Test
    void withoutConfigTheSpecComesFromTheOnnxGraph() throws Exception {
        var m = new ModelGenerator(1, ModelGenerator.Scale.TINY).generate("resnet", repo);
        Files.delete(m.directory().resolve("config.pbtxt"));
        try (ModelRegistry registry = ModelRegistry.load(ModelRepository.open(repo), CPU, 1)) {
            ServedModel spec = registry.instances().get(0).spec();
            assertThat(spec.maxBatchSize()).isEqualTo(ModelInstance.DEFAULT_MAX_BATCH_SIZE);
            assertThat(spec.inputs())
                    .containsExactly(
                            new TensorSpec("input", Datatype.FP32, new long[] {3, 32, 32}));
            assertThat(spec.outputs())
                    .containsExactly(new TensorSpec("logits", Datatype.FP32, new long[] {10}));
            assertThat(spec.maxQueueSize()).isZero();
        }
    }

    @Test
    void tritonConfigWithFieldsWeDoNotUseStillParses() throws Exception {
        var m = new ModelGenerator(1, ModelGenerator.Scale.TINY).generate("vgg", repo);
        Files.writeString(
                m.directory().resolve("config.pbtxt"),
                """
                name: "vgg"
                platform: "onnxruntime_onnx"
                max_batch_size: 4
                input [ { name: "input" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ 3, 32, 32 ] } ]
                output [ { name: "logits" data_type: TYPE_FP32 dims: [ 10 ] } ]
                instance_group [ { count: 1 kind: KIND_GPU } ]
                dynamic_batching { max_queue_delay_microseconds: 100 default_queue_policy { max_queue_size: 5 } }
                """);
        try (ModelRegistry registry = ModelRegistry.load(ModelRepository.open(repo), CPU, 1)) {
            ServedModel spec = registry.instances().get(0).spec();
            assertThat(spec.maxBatchSize()).isEqualTo(4);
            assertThat(spec.maxQueueSize()).isEqualTo(5);
        }
    }

    @Test
    void configThatDisagreesWithTheGraphIsReportedAndOthersLoad() throws Exception {
        ModelGenerator gen = new ModelGenerator(1, ModelGenerator.Scale.TINY);
        var bad = gen.generate("vgg", repo);
        gen.generate("resnet", repo);
        Files.writeString(
                bad.directory().resolve("config.pbtxt"),
                """
                name: "vgg"
                max_batch_size: 4
                input [ { name: "input" data_type: TYPE_FP32 dims: [ 3, 64, 64 ] } ]
                """);
        try (ModelRegistry registry = ModelRegistry.load(ModelRepository.open(repo), CPU, 1)) {
            var vgg = registry.model("vgg").orElseThrow().versions().get(1L);
            assertThat(vgg.instance()).isEmpty();
            assertThat(vgg.failure())
                    .hasValue(
                            "model 'vgg': config.pbtxt dims [3, 64, 64] of input 'input' do not match the ONNX graph [3, 32, 32]");
            assertThat(registry.model("resnet").orElseThrow().versions().get(1L).instance())
                    .isPresent();
        }
    }

    @Test
    void modelWithoutVersionDirectoryIsReported() throws Exception {
        Files.createDirectories(repo.resolve("empty"));
        try (ModelRegistry registry = ModelRegistry.load(ModelRepository.open(repo), CPU, 1)) {
            assertThat(registry.model("empty").orElseThrow().failure())
                    .hasValue("no version directory (expected empty/1/model.onnx)");
        }
    }
}
