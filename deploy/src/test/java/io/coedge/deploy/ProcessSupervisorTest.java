package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessSupervisorTest {

    @Test
    void backOffStartsAtOneSecondAndDoublesUpToThirtySeconds() {
        ProcessSupervisor.Backoff b = ProcessSupervisor.Backoff.DEFAULT;
        assertThat(IntStream.rangeClosed(1, 8).mapToObj(b::delay).map(Duration::toSeconds))
                .containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
        assertThat(b.delay(1_000)).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> b.delay(0)).hasMessageContaining("attempt 0");
    }

    @Test
    void theStateKeepsWhatIsNeededToStartAProcessAgainAndARestartReplacesItsRecord(
            @TempDir Path dir) throws Exception {
        ClusterState.Proc tm =
                new ClusterState.Proc(
                        "taskmanager-edge-1",
                        "taskmanager",
                        "edge-1",
                        42,
                        1_000,
                        "/l/taskmanager-edge-1.log",
                        null,
                        null,
                        List.of("java", "-cp", "x", "Main"),
                        Map.of("COEDGE_NODE", "edge-1"),
                        null);
        ClusterState.Proc jm =
                new ClusterState.Proc(
                        "jobmanager", "jobmanager", null, 41, 900, "/l/jm", 8081, null);
        ClusterState state = new ClusterState("http://127.0.0.1:8081", null, null, List.of(jm, tm));
        state.write(dir);
        assertThat(ClusterState.read(dir)).contains(state);

        ClusterState.Proc replacement =
                new ClusterState.Proc(
                        "taskmanager-edge-1-r2",
                        "taskmanager",
                        "edge-1",
                        43,
                        2_000,
                        "/l/taskmanager-edge-1-r2.log",
                        null,
                        null,
                        tm.command(),
                        tm.env(),
                        1);
        ClusterState after = state.replace(tm.name(), replacement);
        assertThat(after.processes()).containsExactly(jm, replacement);
        after.write(dir);
        assertThat(ClusterState.read(dir).orElseThrow().processes().get(1).restarts()).isEqualTo(1);
    }
}
