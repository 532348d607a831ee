package io.coedge.deploy.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.deploy.ClusterState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A testbed leaves nothing on the host: no namespace, veth, qdisc, cgroup or process, whether it is
 * taken down in order or its maker is SIGKILLed and {@code cluster down} cleans from the state
 * file.
 */
class TestbedCleanupITCase {

    @BeforeEach
    void root() {
        HostNetwork.assumeRoot();
    }

    @Test
    void destroyRemovesEverythingItMadeAndTheProcessesInside() throws Exception {
        List<String> before = HostNetwork.snapshot();
        String run = Testbed.newRunId();
        TestbedState testbed =
                Testbed.create(
                        TestbedPlan.of(run, TestbedHolder.nodes(), TestbedHolder.links(5)),
                        t -> {},
                        System.err::println);
        List<String> command = new ArrayList<>(Testbed.prefix(testbed, "a"));
        command.addAll(List.of("sleep", "600"));
        Process inside = new ProcessBuilder(command).start();
        List<String> during = HostNetwork.snapshot();
        assertThat(during)
                .contains("netns coedge-" + run + "-a", "netns coedge-" + run + "-backbone");
        assertThat(String.join("\n", during)).contains("cgroup ").contains("coedge-" + run + "-a");

        assertThat(Testbed.destroy(testbed, System.err::println)).isEmpty();

        assertThat(inside.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(HostNetwork.snapshot()).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void aSigkilledMakerIsCleanedUpFromTheStateFile(@TempDir Path dir) throws Exception {
        List<String> before = HostNetwork.snapshot();
        String run = Testbed.newRunId();
        List<String> command =
                List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx128m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        TestbedHolder.class.getName(),
                        dir.toString(),
                        run);
        Process maker =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Long> inside;
        try {
            BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(maker.getInputStream(), StandardCharsets.UTF_8));
            String ready =
                    CompletableFuture.supplyAsync(
                                    () -> {
                                        try {
                                            return out.readLine();
                                        } catch (Exception e) {
                                            return null;
                                        }
                                    })
                            .get(60, TimeUnit.SECONDS);
            assertThat(ready).startsWith("ready ");
            inside = Arrays.stream(ready.substring(6).split(" ")).map(Long::parseLong).toList();
        } finally {
            maker.destroyForcibly(); // SIGKILL: no shutdown hook runs
            maker.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(HostNetwork.snapshot()).contains("netns coedge-" + run + "-a");
        for (long pid : inside) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
        }

        ClusterState state = ClusterState.read(dir).orElseThrow();
        assertThat(state.tearDown(Duration.ofSeconds(5), System.err::println)).isEmpty();

        for (long pid : inside) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
        assertThat(HostNetwork.snapshot()).containsExactlyInAnyOrderElementsOf(before);
    }
}
