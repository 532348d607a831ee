package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.models.ModelGenerator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How waiting for a sidecar fails: a taken port, a process that exits, a health endpoint not yet
 * ready.
 */
class SidecarSupervisorITCase {

    @Test
    void aTakenPortIsNamedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                SidecarSupervisor supervisor = SidecarSupervisor.fromThisJvm()) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> supervisor.start(spec(dir, dir, port, freePort())))
                    .isInstanceOf(IOException.class)
                    .hasMessage(
                            "port "
                                    + port
                                    + " on 127.0.0.1, needed for the gRPC endpoint of sidecar-edge-1, is in use "
                                    + "(a sidecar of an earlier run still up?)");
            assertThat(supervisor.addresses()).isEmpty();
        }
    }

    @Test
    void aSidecarThatExitsFailsTheWaitWithItsLog(@TempDir Path dir) throws Exception {
        try (SidecarSupervisor supervisor = SidecarSupervisor.fromThisJvm()) {
            supervisor.start(spec(dir, dir.resolve("no-models"), freePort(), freePort()));
            assertThatThrownBy(() -> supervisor.awaitReady(Duration.ofMinutes(1), s -> {}))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("sidecar-edge-1 exited with code ")
                    .hasMessageContaining(
                            " before it was ready; log "
                                    + dir.resolve("sidecar-edge-1.log")
                                    + ":\n# ")
                    .hasMessageContaining("no-models");
        }
    }

    @Test
    void aSidecarNotReadyInTimeIsReportedAndCloseStopsIt(@TempDir Path dir) throws Exception {
        Path models = dir.resolve("models");
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("resnet", models);
        int metrics = freePort();
        SidecarSupervisor supervisor = SidecarSupervisor.fromThisJvm();
        Process process;
        try {
            process = supervisor.start(spec(dir, models, freePort(), metrics)).process();
            assertThatThrownBy(() -> supervisor.awaitReady(Duration.ZERO, s -> {}))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith(
                            "sidecar-edge-1 was not ready within 0 s (GET http://127.0.0.1:"
                                    + metrics
                                    + "/v2/health/ready: ");
            assertThat(process.isAlive()).isTrue();
        } finally {
            supervisor.close();
        }
        assertThat(process.isAlive()).isFalse();
    }

    private static SidecarSupervisor.Spec spec(Path dir, Path models, int port, int metricsPort) {
        return new SidecarSupervisor.Spec(
                "edge-1",
                models,
                port,
                metricsPort,
                "cpu",
                1,
                1,
                List.of("-Xmx256m"),
                dir.resolve("sidecar-edge-1.log"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
