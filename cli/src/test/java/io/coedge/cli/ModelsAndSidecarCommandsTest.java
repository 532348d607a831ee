package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.coedge.sidecar.cli.SidecarCommand;
import io.coedge.sidecar.runtime.DeviceSelector;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ModelsAndSidecarCommandsTest {
    @TempDir Path out;

    @Test
    void modelsGenerateWritesARepository() {
        int code =
                new CommandLine(new ModelsCommand())
                        .execute(
                                "generate",
                                "--out",
                                out.toString(),
                                "--scale",
                                "TINY",
                                "--seed",
                                "9");
        assertThat(code).isZero();
        for (String name : new String[] {"yolo-big", "yolo-small", "vgg", "resnet"}) {
            assertThat(out.resolve(name + "/1/model.onnx")).isRegularFile();
            assertThat(out.resolve(name + "/config.pbtxt")).isRegularFile();
        }
    }

    @Test
    void sidecarStrictWithoutCudaExitsWithCode2() throws Exception {
        // Where CUDA loads, the sidecar would start and serve until stopped: the test is for
        // machines without.
        assumeTrue(
                DeviceSelector.select("cuda:0", false).fallbackReason().isPresent(),
                "CUDA loads on this machine: --strict would start the sidecar");
        new CommandLine(new ModelsCommand())
                .execute("generate", "--out", out.toString(), "--scale", "TINY", "--model", "vgg");
        int code =
                new CommandLine(new SidecarCommand())
                        .execute(
                                "--models",
                                out.toString(),
                                "--port",
                                "0",
                                "--metrics-port",
                                "-1",
                                "--device",
                                "cuda:0",
                                "--strict");
        assertThat(code).isEqualTo(2);
    }

    @Test
    void helpIsAvailable() {
        assertThat(new CommandLine(new SidecarCommand()).execute("--help")).isZero();
        assertThat(new CommandLine(new ModelsCommand()).execute("generate", "--help")).isZero();
    }
}
