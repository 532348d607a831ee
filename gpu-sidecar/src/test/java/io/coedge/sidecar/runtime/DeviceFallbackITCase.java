package io.coedge.sidecar.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferRequest;
import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.SidecarServer;
import io.coedge.sidecar.testutils.Frames;
import io.coedge.sidecar.testutils.RunningSidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without a usable GPU, asking for CUDA falls back to CPU and says so everywhere; --strict refuses
 * to start. On a machine where CUDA loads there is nothing to fall back from: those tests are
 * skipped.
 */
class DeviceFallbackITCase {
    @TempDir Path repo;

    private static void assumeNoUsableCuda() throws Exception {
        assumeTrue(
                DeviceSelector.select("cuda:0", false).fallbackReason().isPresent(),
                "CUDA loads on this machine: a CUDA request does not fall back");
    }

    @Test
    void cudaRequestedWithoutCudaFallsBackToCpuAndReportsIt() throws Exception {
        assumeNoUsableCuda();
        var m = new ModelGenerator(2, ModelGenerator.Scale.TINY).generate("vgg", repo);
        try (RunningSidecar sidecar = RunningSidecar.start(repo, b -> b.device("cuda:0"))) {
            Device device = sidecar.server.device();
            assertThat(device.requested()).isEqualTo("cuda:0");
            assertThat(device.used()).isEqualTo("cpu");
            assertThat(device.fallbackReason())
                    .hasValueSatisfying(r -> assertThat(r).contains("CUDA 12.x and cuDNN 9"));
            assertThat(sidecar.client.serverMetadata().getExtensionsList())
                    .contains("device=cpu", "device_requested=cuda:0")
                    .anySatisfy(e -> assertThat(e).startsWith("device_fallback="));
            assertThat(sidecar.client.profile("vgg").device()).isEqualTo("cpu");
            sidecar.client
                    .infer(
                            InferRequest.builder("vgg")
                                    .input(Frames.input(m, 1, Frames.random(m, 1, 0)))
                                    .build())
                    .get(30, TimeUnit.SECONDS);
            String metrics =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            "http://127.0.0.1:"
                                                                    + sidecar.server.metricsPort()
                                                                    + "/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
            assertThat(metrics)
                    .contains(
                            "coedge_device{device=\"cpu\",fallback=\"true\",requested=\"cuda:0\"} 1.0\n");
        }
    }

    @Test
    void strictRefusesToStartWithoutCuda() throws Exception {
        assumeNoUsableCuda();
        new ModelGenerator(2, ModelGenerator.Scale.TINY).generate("vgg", repo);
        SidecarOptions options =
                SidecarOptions.builder(repo)
                        .port(0)
                        .metricsPort(0)
                        .device("cuda:0")
                        .strict(true)
                        .build();
        assertThatThrownBy(() -> SidecarServer.start(options))
                .isInstanceOf(DeviceSelector.DeviceUnavailableException.class)
                .hasMessageContaining("--strict refuses to fall back to CPU");
    }

    @Test
    void malformedDeviceIsRejected() {
        assertThatThrownBy(() -> DeviceSelector.select("tpu:0", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--device must be 'cpu' or 'cuda:N', got 'tpu:0'");
    }
}
