package io.coedge.deploy.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.deploy.SidecarSupervisor;
import io.coedge.models.ModelGenerator;
import io.coedge.oip.OipClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's {@code --restart-sidecars}: a sidecar process that dies is started again on its
 * port.
 */
class SidecarRestartITCase {

    @Test
    void aKilledSidecarProcessIsStartedAgainOnItsPortAndServes(@TempDir Path dir) throws Exception {
        Path models = dir.resolve("models");
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generateAll(models);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> heard = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> readyAgain = new CompletableFuture<>();
        try (SidecarSupervisor sidecars =
                SidecarSupervisor.startLocal(
                        models,
                        Map.of("edge-1", port),
                        dir.resolve("logs"),
                        Duration.ofMinutes(2),
                        m -> {})) {
            sidecars.restartDeadSidecars(
                    m -> {
                        heard.add(m.replaceAll("[0-9]+", "N"));
                        if (m.startsWith("sidecar of edge-1 ready: ")) {
                            readyAgain.complete(null);
                        }
                    });
            Process first = sidecars.process("edge-1");
            first.destroyForcibly();
            readyAgain.get(2, TimeUnit.MINUTES);

            assertThat(sidecars.process("edge-1").pid()).isNotEqualTo(first.pid());
            assertThat(sidecars.restarts("edge-1")).isEqualTo(1);
            try (OipClient client = OipClient.builder("127.0.0.1:" + port).build()) {
                assertThat(client.serverReady()).isTrue();
            }
            assertThat(heard).hasSize(2);
            assertThat(heard.get(0))
                    .isEqualTo("sidecar of edge-N exited with code N; restarting it (restart N)");
            assertThat(heard.get(1))
                    .startsWith(
                            "sidecar of edge-N ready: gRPC N.N.N.N:N, health http://N.N.N.N:N/vN/health/ready (pid N, ");
        }
    }
}
