package io.coedge.sidecar.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.models.ModelGenerator;
import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.repository.ModelRepository;
import io.coedge.sidecar.repository.RepositoryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Intra-op threads: by default one fewer than the cores (at least one), so gRPC and a TaskManager
 * beside the sidecar keep a core; a model's config.pbtxt may set its own, as Triton's ONNX Runtime
 * backend reads it.
 */
class SidecarThreadsTest {
    @TempDir Path repo;

    @Test
    void autoLeavesOneCoreAndNeverGoesBelowOne() {
        assertThat(SidecarOptions.autoThreads(1)).isEqualTo(1);
        assertThat(SidecarOptions.autoThreads(2)).isEqualTo(1);
        assertThat(SidecarOptions.autoThreads(16)).isEqualTo(15);
    }

    @Test
    void theDefaultIsAutoAndZeroStillMeansEveryCore() {
        assertThat(SidecarOptions.builder(repo).build().intraOpThreads())
                .isEqualTo(SidecarOptions.autoThreads(Runtime.getRuntime().availableProcessors()));
        assertThat(SidecarOptions.builder(repo).threads(0).build().intraOpThreads()).isZero();
        assertThat(SidecarOptions.builder(repo).threads(3).build().intraOpThreads()).isEqualTo(3);
        assertThatThrownBy(() -> SidecarOptions.builder(repo).threads(-2).build())
                .hasMessage("--threads must be auto or a number >= 0, got -2");
    }

    @Test
    void configParametersSetAModelsThreads() throws Exception {
        var m = new ModelGenerator(1, ModelGenerator.Scale.TINY).generate("resnet", repo);
        Path config = m.directory().resolve("config.pbtxt");
        Files.writeString(
                config,
                Files.readString(config)
                        + "\nparameters { key: \"intra_op_thread_count\" value: { string_value: \"3\" } }\n");
        ModelRepository.ModelSource source = ModelRepository.open(repo).scan().get(0);
        assertThat(ModelRegistry.threadParameter(source, "intra_op_thread_count", 1)).isEqualTo(3);
        assertThat(ModelRegistry.threadParameter(source, "inter_op_thread_count", 1)).isEqualTo(1);
    }

    @Test
    void aBadThreadParameterLeavesTheModelUnservedWithTheReason() throws Exception {
        var m = new ModelGenerator(1, ModelGenerator.Scale.TINY).generate("resnet", repo);
        Path config = m.directory().resolve("config.pbtxt");
        Files.writeString(
                config,
                Files.readString(config)
                        + "\nparameters { key: \"intra_op_thread_count\" value: { string_value: \"many\" } }\n");
        ModelRepository.ModelSource source = ModelRepository.open(repo).scan().get(0);
        assertThatThrownBy(() -> ModelRegistry.threadParameter(source, "intra_op_thread_count", 1))
                .isInstanceOf(RepositoryException.class)
                .hasMessage(
                        "model 'resnet': parameter intra_op_thread_count must be a number >= 0, got 'many'");
        try (ModelRegistry registry =
                ModelRegistry.load(
                        ModelRepository.open(repo),
                        new Device("cpu", "cpu", Optional.empty()),
                        1)) {
            assertThat(registry.model("resnet").orElseThrow().versions().get(1L).ready()).isFalse();
        }
    }
}
