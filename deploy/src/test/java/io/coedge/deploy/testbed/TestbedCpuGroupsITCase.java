package io.coedge.deploy.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A testbed node's sidecar (its accelerator) runs under the node's CPU share and its TaskManager
 * beside it without a quota, each in its own cgroup of the node, both weighted above default-weight
 * work; a node without a share gets no cgroup.
 */
class TestbedCpuGroupsITCase {

    @BeforeEach
    void root() {
        HostNetwork.assumeRoot();
    }

    @Test
    void theAcceleratorRunsUnderTheShareAndTheHostBesideIt() throws Exception {
        String run = Testbed.newRunId();
        TestbedState testbed =
                Testbed.create(
                        TestbedPlan.of(run, TestbedHolder.nodes(), TestbedHolder.links(5)),
                        t -> {},
                        System.err::println);
        List<Process> started = new ArrayList<>();
        try {
            Process accelerator = sleep(testbed, "a", Testbed.Role.ACCELERATOR, started);
            Process host = sleep(testbed, "a", Testbed.Role.HOST, started);
            Process unlimited = sleep(testbed, "b", Testbed.Role.ACCELERATOR, started);

            Path own = cpuGroup(ProcessHandle.current().pid());
            Path acceleratorGroup = awaitMoved(accelerator, own);
            Path hostGroup = awaitMoved(host, own);
            assertThat(acceleratorGroup.getFileName()).hasToString("coedge-" + run + "-a");
            assertThat(hostGroup.getFileName()).hasToString("coedge-" + run + "-a-host");
            assertThat(cpuGroup(unlimited.pid())).isEqualTo(own);

            if (Testbed.cgroupV1()) {
                Path a = Testbed.CGROUP_V1_CPU.resolve(acceleratorGroup.getFileName());
                Path h = Testbed.CGROUP_V1_CPU.resolve(hostGroup.getFileName());
                long period = Long.parseLong(read(a.resolve("cpu.cfs_period_us")));
                assertThat(Long.parseLong(read(a.resolve("cpu.cfs_quota_us"))))
                        .isEqualTo(period / 2);
                assertThat(read(h.resolve("cpu.cfs_quota_us"))).isEqualTo("-1");
                long acceleratorShares = Long.parseLong(read(a.resolve("cpu.shares")));
                long hostShares = Long.parseLong(read(h.resolve("cpu.shares")));
                assertThat(hostShares).isGreaterThan(1024).isLessThan(acceleratorShares);
            } else {
                Path a = Testbed.CGROUP_V2.resolve(acceleratorGroup.getFileName());
                Path h = Testbed.CGROUP_V2.resolve(hostGroup.getFileName());
                String[] max = read(a.resolve("cpu.max")).split(" ");
                assertThat(Long.parseLong(max[0])).isEqualTo(Long.parseLong(max[1]) / 2);
                assertThat(read(h.resolve("cpu.max"))).startsWith("max");
            }
        } finally {
            started.forEach(Process::destroyForcibly);
            assertThat(Testbed.destroy(testbed, System.err::println)).isEmpty();
        }
    }

    private static Process sleep(
            TestbedState testbed, String node, Testbed.Role role, List<Process> started)
            throws Exception {
        List<String> command = new ArrayList<>(Testbed.prefix(testbed, node, role));
        command.addAll(List.of("sleep", "600"));
        Process p = new ProcessBuilder(command).start();
        started.add(p);
        return p;
    }

    /** The process's cgroup once its prefix has moved it out of ours. */
    private static Path awaitMoved(Process p, Path own) {
        return await("process " + p.pid() + " leaves our cgroup")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> cpuGroup(p.pid()), group -> !group.equals(own));
    }

    /** A process's cgroup in the cpu controller (v1), or its unified cgroup (v2). */
    private static Path cpuGroup(long pid) throws Exception {
        String unified = "/";
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            String[] parts = line.split(":", 3);
            if (List.of(parts[1].split(",")).contains("cpu")) {
                return Path.of(parts[2]);
            }
            if (parts[1].isEmpty()) {
                unified = parts[2];
            }
        }
        return Path.of(unified);
    }

    private static String read(Path file) throws Exception {
        return Files.readString(file).trim();
    }
}
