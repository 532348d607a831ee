package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.models.ModelGenerator;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launcher JVM stopped by SIGTERM (what {@code kill} and a terminal's close send; Ctrl-C's SIGINT
 * takes the same path) leaves no sidecar process behind, although its own close never runs: the
 * supervisor's shutdown hook stops them.
 */
class SidecarShutdownITCase {

    @Test
    void noSidecarOutlivesALauncherStoppedBySigterm(@TempDir Path dir) throws Exception {
        Path models = dir.resolve("models");
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("resnet", models);
        List<Integer> ports = freePortsWithMetrics(2);
        List<String> command =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx256m",
                                "-cp",
                                String.join(File.pathSeparator, LaunchClasspath.current()),
                                SidecarsUntilStopped.class.getName(),
                                models.toString(),
                                dir.resolve("logs").toString(),
                                "edge-1=" + ports.get(0),
                                "edge-2=" + ports.get(1)));
        Process launcher = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<Long> sidecars = new ArrayList<>();
        List<String> output = new ArrayList<>();
        try {
            BufferedReader in =
                    new BufferedReader(
                            new InputStreamReader(
                                    launcher.getInputStream(), StandardCharsets.UTF_8));
            String pids =
                    CompletableFuture.supplyAsync(
                                    () -> {
                                        try {
                                            for (String line; (line = in.readLine()) != null; ) {
                                                output.add(line);
                                                if (line.startsWith("pids ")) {
                                                    return line;
                                                }
                                            }
                                            return null;
                                        } catch (IOException e) {
                                            return null;
                                        }
                                    })
                            .get(3, TimeUnit.MINUTES);
            assertThat(pids).as("the launcher's output: %s", output).isNotNull();
            Arrays.stream(pids.substring(5).split(" ")).map(Long::parseLong).forEach(sidecars::add);
            assertThat(output).filteredOn(l -> l.startsWith("progress: sidecar of ")).hasSize(2);
            assertThat(sidecars)
                    .hasSize(2)
                    .allMatch(
                            pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            assertThat(launcher.children().map(ProcessHandle::pid).toList())
                    .containsExactlyInAnyOrderElementsOf(sidecars);
            // Drain the rest of the output, so the launcher never blocks on a full pipe.
            CompletableFuture.runAsync(
                    () -> {
                        try {
                            in.transferTo(java.io.Writer.nullWriter());
                        } catch (IOException e) {
                            // The launcher is gone.
                        }
                    });

            launcher.destroy(); // SIGTERM
            assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).as("the launcher exits").isTrue();
            assertThat(launcher.exitValue()).isEqualTo(143);

            // The hook waits for the sidecars (SIGKILL after its grace), so they are gone when the
            // launcher is.
            for (long pid : sidecars) {
                Optional<ProcessHandle> left = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
                assertThat(left).as("sidecar pid %d after the launcher's SIGTERM", pid).isEmpty();
            }
            for (int port : ports) {
                assertThat(isFree(port)).as("gRPC port %d", port).isTrue();
                assertThat(isFree(port + 1000)).as("metrics port %d", port + 1000).isTrue();
            }
        } finally {
            launcher.destroyForcibly();
            for (long pid : sidecars) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Free ports p whose metrics port p + 1000 is free too. */
    private static List<Integer> freePortsWithMetrics(int n) throws IOException {
        List<Integer> out = new ArrayList<>();
        while (out.size() < n) {
            int p;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                p = s.getLocalPort();
            }
            if (p + 1000 < 65536
                    && isFree(p + 1000)
                    && out.stream().noneMatch(o -> Math.abs(o - p) == 1000 || o == p)) {
                out.add(p);
            }
        }
        return out;
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
