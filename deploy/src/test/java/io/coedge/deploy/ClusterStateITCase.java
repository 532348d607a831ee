package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterStateITCase {

    @Test
    void stateSurvivesAWriteAndReadRoundTrip(@TempDir Path dir) throws Exception {
        ClusterState state =
                new ClusterState(
                        "http://127.0.0.1:8081",
                        "127.0.0.1:9092",
                        "/c.yaml",
                        List.of(
                                new ClusterState.Proc(
                                        "sidecar-edge-1",
                                        "sidecar",
                                        "edge-1",
                                        42,
                                        1_000,
                                        "/l/sidecar-edge-1.log",
                                        8101,
                                        8201)));
        state.write(dir);
        assertThat(ClusterState.read(dir)).contains(state);
    }

    @Test
    void downStopsARecordedProcessButNotAnotherProcessThatReusedItsPid() throws Exception {
        Process recorded = new ProcessBuilder("sleep", "60").start();
        Process stranger = new ProcessBuilder("sleep", "60").start();
        try {
            long startedMs = recorded.info().startInstant().orElseThrow().toEpochMilli();
            ClusterState state =
                    new ClusterState(
                            "http://127.0.0.1:1",
                            null,
                            null,
                            List.of(
                                    new ClusterState.Proc(
                                            "mine",
                                            "sidecar",
                                            "edge-1",
                                            recorded.pid(),
                                            startedMs,
                                            "/l",
                                            null,
                                            null),
                                    // Same PID story as after a reboot: the PID is alive, but
                                    // started at another time.
                                    new ClusterState.Proc(
                                            "reused",
                                            "sidecar",
                                            "edge-2",
                                            stranger.pid(),
                                            startedMs - 3_600_000,
                                            "/l",
                                            null,
                                            null)));
            assertThat(state.alive()).extracting(ClusterState.Proc::name).containsExactly("mine");

            state.stopAll(Duration.ofSeconds(10), m -> {});

            assertThat(recorded.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(stranger.isAlive()).isTrue();
        } finally {
            recorded.destroyForcibly();
            stranger.destroyForcibly();
        }
    }
}
