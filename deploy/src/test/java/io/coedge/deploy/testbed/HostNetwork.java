package io.coedge.deploy.testbed;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What the tests read of the host to see that a testbed left nothing behind. */
final class HostNetwork {
    private HostNetwork() {}

    static void assumeRoot() {
        assumeTrue(
                Testbed.hasCapability(12),
                "testbed tests need root (CAP_NET_ADMIN) for network namespaces and tc; CI runs them as root");
    }

    /** Every network namespace, the host's interfaces and qdiscs, and the CPU cgroups. */
    static List<String> snapshot() throws IOException {
        List<String> s = new ArrayList<>();
        for (String ns : Iproute.run(List.of("ip", "netns", "list")).split("\n")) {
            if (!ns.isBlank()) {
                s.add("netns " + ns.split(" ")[0]);
            }
        }
        for (String link : Iproute.run(List.of("ip", "-o", "link", "show")).split("\n")) {
            if (!link.isBlank()) {
                s.add("link " + link.split(":")[1].trim().split("@")[0]);
            }
        }
        for (String q : Iproute.run(List.of("tc", "qdisc", "show")).split("\n")) {
            if (!q.isBlank()) {
                s.add("qdisc " + q.trim());
            }
        }
        try (Stream<Path> dirs = Files.list(Testbed.cgroupRoot())) {
            dirs.filter(Files::isDirectory).forEach(d -> s.add("cgroup " + d));
        }
        return s;
    }
}
