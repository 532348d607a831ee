package io.coedge.deploy.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A catalog link of 5 Mbit/s between two testbed nodes limits a TCP transfer from one node's
 * namespace to the other's to 5 Mbit/s (within 10%), while the unshaped uplink to the backbone does
 * not.
 */
class TestbedShapingITCase {
    private static final long BYTES = 2_500_000; // 4 s at 5 Mbit/s

    private TestbedState testbed;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void up() throws Exception {
        HostNetwork.assumeRoot();
        TestbedPlan plan =
                TestbedPlan.of(Testbed.newRunId(), TestbedHolder.nodes(), TestbedHolder.links(5));
        testbed = Testbed.create(plan, t -> {}, System.err::println);
    }

    @AfterEach
    void down() {
        started.forEach(Process::destroyForcibly);
        if (testbed != null) {
            assertThat(Testbed.destroy(testbed, System.err::println)).isEmpty();
        }
    }

    @Test
    void aFiveMegabitLinkCarriesFiveMegabitsPerSecond() throws Exception {
        double mbps = transfer("a", "b", testbed.addresses().get("b"));

        assertThat(mbps).isBetween(4.5, 5.5);
    }

    @Test
    void aLinkChangedWhileUpCarriesItsNewBandwidth() throws Exception {
        Testbed.setLink(testbed, "a", "b", 10, null);

        assertThat(transfer("a", "b", testbed.addresses().get("b"))).isBetween(9.0, 11.0);
        // The other direction keeps its 5 Mbit/s.
        assertThat(transfer("b", "a", testbed.addresses().get("a"))).isBetween(4.5, 5.5);
    }

    @Test
    void theUplinkToTheBackboneIsNotShaped() throws Exception {
        double mbps = transfer("a", TestbedState.BACKBONE, testbed.addresses().get("backbone"));

        assertThat(mbps).isGreaterThan(5.5 * 2);
    }

    /** Megabits per second of one transfer from {@code from} to {@code to}, receiver-timed. */
    private double transfer(String from, String to, String address) throws Exception {
        Process receiver = java(to, "receive", address, "5999");
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("listening");
        Process sender = java(from, "send", address, "5999", Long.toString(BYTES));
        assertThat(sender.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(sender.exitValue()).isZero();
        String[] result = out.readLine().split(" ");
        assertThat(receiver.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(result[0]).isEqualTo("received");
        assertThat(Long.parseLong(result[1])).isEqualTo(BYTES);
        double seconds = Long.parseLong(result[2]) / 1e9;
        double mbps = BYTES * 8 / seconds / 1e6;
        System.err.printf(
                "%s -> %s: %d bytes in %.3f s = %.2f Mbit/s%n", from, to, BYTES, seconds, mbps);
        return mbps;
    }

    private Process java(String where, String... args) throws Exception {
        List<String> command = new ArrayList<>(Testbed.prefix(testbed, where));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC", "-cp"));
        command.add(System.getProperty("java.class.path"));
        command.add(TransferProbe.class.getName());
        command.addAll(List.of(args));
        Process p =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        started.add(p);
        return p;
    }

    static String classpath() {
        return System.getProperty("java.class.path").replace(":", File.pathSeparator);
    }
}
