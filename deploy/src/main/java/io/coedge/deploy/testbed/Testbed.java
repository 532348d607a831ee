package io.coedge.deploy.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Makes and removes a testbed ({@link TestbedPlan}) on this machine: network namespaces, veth
 * pairs, tbf/netem qdiscs (through iproute2, {@link Iproute}) and two CPU cgroups per node with a
 * {@code cpuShare}: its accelerator (the sidecar, standing in for the node's GPU) under a CFS quota
 * of {@code cpuShare} cores, and its host CPU (the TaskManager: Kafka reads, decoding, Flink)
 * beside it, so that the node's inference speed is its share whatever its TaskManager does, as a
 * GPU's is. Both groups get a high CPU weight: a node's share is what it gets while other work
 * (builds, the backbone) runs on the machine. Nothing outside the namespaces it creates is touched:
 * no interface, address or route of the host.
 *
 * <p>What it makes is first recorded ({@link TestbedState}), then made; {@link #destroy} removes
 * exactly what a state lists, and tolerates what is already gone, so it is the one cleanup of
 * {@code cluster down}, a failed or stopped {@code up} and a stale state file.
 */
public final class Testbed {
    /** cgroup v1 CPU controller (what this project's machines have). */
    static final Path CGROUP_V1_CPU = Path.of("/sys/fs/cgroup/cpu");

    /** cgroup v2 unified hierarchy. */
    static final Path CGROUP_V2 = Path.of("/sys/fs/cgroup");

    static final long CFS_PERIOD_US = 100_000;

    /** Suffix of a node's host-CPU cgroup (its TaskManager), beside its accelerator's. */
    static final String HOST_SUFFIX = "-host";

    /**
     * cgroup v1 {@code cpu.shares} of a node's accelerator group (the largest the kernel takes):
     * under contention it gets its quota before anything of default weight.
     */
    static final long ACCELERATOR_SHARES = 262_144;

    /** A node's host group: below its accelerator, well above default-weight work. */
    static final long HOST_SHARES = 65_536;

    /** What runs in a node's namespace: its sidecar (the accelerator) or its TaskManager. */
    public enum Role {
        ACCELERATOR,
        HOST
    }

    private static final int CAP_NET_ADMIN = 12;

    private Testbed() {}

    /** A fresh run id: 6 hex digits. */
    public static String newRunId() {
        byte[] b = new byte[3];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Fails with one line a person can act on when this process cannot make namespaces and qdiscs
     * (no CAP_NET_ADMIN, no iproute2) or CPU quotas.
     */
    public static void checkPrivileges() throws IOException {
        if (!hasCapability(CAP_NET_ADMIN)) {
            throw new IOException(
                    "the testbed needs root (CAP_NET_ADMIN) for network namespaces and tc; "
                            + "run it as root, or use the plain `coedge cluster up` (all nodes on 127.0.0.1)");
        }
        for (String tool : List.of("ip", "tc")) {
            if (Iproute.tryRun(List.of("sh", "-c", "command -v " + tool)).code() != 0) {
                throw new IOException(
                        "the testbed needs iproute2's `"
                                + tool
                                + "` (apt-get install iproute2); or use the plain `coedge cluster up`");
            }
        }
    }

    static boolean hasCapability(int cap) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (caps & (1L << cap)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    /** What {@link #create} will make for this plan, before it makes anything. */
    public static TestbedState intended(TestbedPlan plan) {
        List<String> namespaces = new ArrayList<>();
        List<String> cgroups = new ArrayList<>();
        Map<String, String> addresses = new LinkedHashMap<>();
        Map<String, String> netns = new LinkedHashMap<>();
        addresses.put(TestbedState.BACKBONE, plan.backbone().address());
        netns.put(TestbedState.BACKBONE, plan.backbone().name());
        for (TestbedPlan.Namespace ns : plan.namespaces()) {
            namespaces.add(ns.name());
            if (ns.node() != null) {
                addresses.put(ns.node(), ns.address());
                netns.put(ns.node(), ns.name());
                if (ns.cpuShare() != null) {
                    cgroups.add(cgroupRoot().resolve(ns.name()).toString());
                    cgroups.add(cgroupRoot().resolve(ns.name() + HOST_SUFFIX).toString());
                }
            }
        }
        return new TestbedState(plan.runId(), namespaces, cgroups, addresses, netns, false);
    }

    /**
     * Makes the testbed. {@code record} gets the state before anything is made (and again once the
     * latency is known), so a crash half-way leaves a state that {@link #destroy} cleans. On
     * failure removes what it made and throws.
     */
    public static TestbedState create(
            TestbedPlan plan, Consumer<TestbedState> record, Consumer<String> progress)
            throws IOException {
        checkPrivileges();
        TestbedState state = intended(plan);
        record.accept(state);
        try {
            for (List<String> c : plan.networkCommands()) {
                Iproute.run(c);
            }
            progress.accept(
                    String.format(
                            Locale.ROOT,
                            "testbed %s: %d namespaces, %d shaped node-to-node veth pairs, %d uplinks to %s",
                            plan.runId(),
                            plan.namespaces().size(),
                            plan.links().size(),
                            plan.uplinks().size(),
                            plan.backbone().name()));
            boolean latency = applyLatency(plan, progress);
            state = state.withLatencyApplied(latency);
            record.accept(state);
            for (TestbedPlan.Namespace ns : plan.nodes().values()) {
                if (ns.cpuShare() != null) {
                    makeCgroup(cgroupRoot().resolve(ns.name()), ns.cpuShare());
                    makeHostCgroup(cgroupRoot().resolve(ns.name() + HOST_SUFFIX));
                    progress.accept(
                            String.format(
                                    Locale.ROOT,
                                    "testbed %s: node %s's accelerator (its sidecar) limited to %.2f cores",
                                    plan.runId(),
                                    ns.node(),
                                    ns.cpuShare()));
                }
            }
            return state;
        } catch (IOException | RuntimeException e) {
            destroy(state, progress);
            throw e;
        }
    }

    private static boolean applyLatency(TestbedPlan plan, Consumer<String> progress)
            throws IOException {
        List<List<String>> commands = plan.latencyCommands();
        if (commands.isEmpty()) {
            return true;
        }
        Iproute.Result first = Iproute.tryRun(commands.get(0));
        if (first.code() != 0) {
            if (first.output().toLowerCase(Locale.ROOT).contains("unknown")) {
                progress.accept(
                        "testbed: this kernel has no netem qdisc (sch_netem): link latency is NOT applied,"
                                + " bandwidth is");
                return false;
            }
            throw new IOException(
                    "`"
                            + String.join(" ", commands.get(0))
                            + "` failed: "
                            + first.output().strip());
        }
        for (List<String> c : commands.subList(1, commands.size())) {
            Iproute.run(c);
        }
        return true;
    }

    /** Whether this machine's cgroups are v1 (a mounted {@code cpu} controller). */
    static boolean cgroupV1() {
        return Files.exists(CGROUP_V1_CPU.resolve("cpu.cfs_quota_us"));
    }

    static Path cgroupRoot() {
        return cgroupV1() ? CGROUP_V1_CPU : CGROUP_V2;
    }

    static void makeCgroup(Path dir, double cores) throws IOException {
        long quota = Math.max(1000, Math.round(cores * CFS_PERIOD_US));
        Files.createDirectories(dir);
        if (cgroupV1()) {
            Files.writeString(dir.resolve("cpu.cfs_period_us"), Long.toString(CFS_PERIOD_US));
            Files.writeString(dir.resolve("cpu.cfs_quota_us"), Long.toString(quota));
        } else {
            Files.writeString(dir.resolve("cpu.max"), quota + " " + CFS_PERIOD_US);
        }
        weigh(dir, ACCELERATOR_SHARES);
    }

    /** A node's host group: no quota, a weight below its accelerator's. */
    static void makeHostCgroup(Path dir) throws IOException {
        Files.createDirectories(dir);
        weigh(dir, HOST_SHARES);
    }

    /** cgroup v1 shares, or the v2 weight of the same proportion (1-10000, default 100). */
    private static void weigh(Path dir, long shares) throws IOException {
        if (cgroupV1()) {
            Files.writeString(dir.resolve("cpu.shares"), Long.toString(shares));
        } else {
            long weight = Math.max(1, Math.min(10_000, shares * 100 / 1024));
            Files.writeString(dir.resolve("cpu.weight"), Long.toString(weight));
        }
    }

    /**
     * Changes a running testbed's CPU share of a node ({@code coedge cluster node N --cpu C}); the
     * node must have been given a {@code cpuShare} in the catalog (its processes are in a cgroup).
     */
    public static void setCpu(TestbedState state, String node, double cores) throws IOException {
        if (!(cores >= 0.01 && cores <= 1024)) {
            throw new IllegalArgumentException(
                    "--cpu must be from 0.01 to 1024 cores, was " + cores);
        }
        String ns = requireNode(state, node);
        String cgroup =
                state.cgroups().stream()
                        .filter(c -> Path.of(c).getFileName().toString().equals(ns))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "node '"
                                                        + node
                                                        + "' runs without a CPU limit; give it a cpuShare in the catalog and"
                                                        + " start the testbed again"));
        makeCgroup(Path.of(cgroup), cores);
    }

    /**
     * Changes a running testbed's link from one node to another ({@code coedge cluster link A B
     * --bandwidth MBPS --latency MS}): the tbf at A's end of the A-B veth, and its netem where the
     * kernel has one. One direction; the other keeps its shape.
     *
     * @param latencyMs null keeps the latency
     */
    public static void setLink(
            TestbedState state, String from, String to, double mbps, Double latencyMs)
            throws IOException {
        if (!(mbps > 0)) {
            throw new IllegalArgumentException("--bandwidth must be positive, was " + mbps);
        }
        String ns = requireNode(state, from);
        requireNode(state, to);
        if (from.equals(to)) {
            throw new IllegalArgumentException("a link joins two different nodes, was " + from);
        }
        String dev = "l" + lastOctet(state.addresses().get(to));
        Iproute.run(TestbedPlan.shapeCommand("replace", ns, dev, mbps));
        if (latencyMs != null) {
            if (!state.latencyApplied()) {
                throw new IOException(
                        "bandwidth changed; latency cannot be: this kernel has no netem qdisc");
            }
            // replace: adds the netem under the tbf if missing, changes it if there.
            Iproute.run(TestbedPlan.latencyCommand("replace", ns, dev, latencyMs));
        }
    }

    private static String requireNode(TestbedState state, String node) {
        if (node.equals(TestbedState.BACKBONE) || !state.netns().containsKey(node)) {
            List<String> nodes = new ArrayList<>(state.netns().keySet());
            nodes.remove(TestbedState.BACKBONE);
            throw new IllegalArgumentException(
                    "no node '"
                            + node
                            + "' in the testbed (nodes: "
                            + String.join(", ", nodes)
                            + ")");
        }
        return state.netns().get(node);
    }

    private static String lastOctet(String address) {
        return address.substring(address.lastIndexOf('.') + 1);
    }

    /** {@link #prefix(TestbedState, String, Role)} on the node's host CPU (all but its sidecar). */
    public static List<String> prefix(TestbedState state, String where) {
        return prefix(state, where, Role.HOST);
    }

    /**
     * The command prefix that runs a program in a namespace of the testbed (a node id or {@link
     * TestbedState#BACKBONE}), inside the node's cgroup for {@code role} when it has one. Every
     * step execs, so the started process's PID is the program's.
     */
    public static List<String> prefix(TestbedState state, String where, Role role) {
        String ns = state.netns().get(where);
        if (ns == null) {
            throw new IllegalArgumentException(
                    "no node '"
                            + where
                            + "' in the testbed (nodes: "
                            + state.netns().keySet()
                            + ")");
        }
        String group = role == Role.HOST ? ns + HOST_SUFFIX : ns;
        String cgroup =
                state.cgroups().stream()
                        .filter(c -> Path.of(c).getFileName().toString().equals(group))
                        .findFirst()
                        .orElse(null);
        List<String> p = new ArrayList<>();
        if (cgroup != null) {
            // Joins the cgroup before `ip netns exec`, which remounts /sys without the cgroup
            // mounts.
            p.addAll(
                    List.of(
                            "sh",
                            "-c",
                            "echo $$ > '" + cgroup + "/cgroup.procs' && exec \"$@\"",
                            "sh"));
        }
        p.addAll(List.of("ip", "netns", "exec", ns));
        return p;
    }

    /**
     * Removes everything the state lists: kills the processes left inside its namespaces and
     * cgroups, deletes the namespaces (and with them their veths and qdiscs), removes the cgroups.
     * What is already gone is skipped.
     *
     * @return what could not be removed, one line each; empty when all is gone
     */
    public static List<String> destroy(TestbedState state, Consumer<String> progress) {
        List<String> left = new ArrayList<>();
        List<String> existing;
        try {
            existing = List.of(Iproute.run(List.of("ip", "netns", "list")).split("\n"));
        } catch (IOException e) {
            left.add("cannot list namespaces: " + e.getMessage());
            existing = List.of();
        }
        List<ProcessHandle> killed = new ArrayList<>();
        for (String ns : state.namespaces()) {
            if (existing.stream().noneMatch(l -> l.split(" ")[0].equals(ns))) {
                continue;
            }
            try {
                for (String pid : Iproute.run(List.of("ip", "netns", "pids", ns)).split("\\s+")) {
                    if (!pid.isBlank()) {
                        ProcessHandle.of(Long.parseLong(pid))
                                .ifPresent(
                                        h -> {
                                            h.destroyForcibly();
                                            killed.add(h);
                                        });
                    }
                }
            } catch (IOException e) {
                left.add("cannot list processes of " + ns + ": " + e.getMessage());
            }
        }
        for (String cgroup : state.cgroups()) {
            Path procs = Path.of(cgroup, "cgroup.procs");
            try {
                if (Files.exists(procs)) {
                    for (String pid : Files.readAllLines(procs)) {
                        if (!pid.isBlank()) {
                            ProcessHandle.of(Long.parseLong(pid.trim()))
                                    .ifPresent(
                                            h -> {
                                                h.destroyForcibly();
                                                killed.add(h);
                                            });
                        }
                    }
                }
            } catch (IOException e) {
                left.add("cannot read " + procs + ": " + e.getMessage());
            }
        }
        awaitGone(killed, Duration.ofSeconds(10));
        if (!killed.isEmpty()) {
            progress.accept(
                    "testbed " + state.runId() + ": killed " + killed.size() + " processes");
        }
        int removed = 0;
        for (String ns : state.namespaces()) {
            if (existing.stream().noneMatch(l -> l.split(" ")[0].equals(ns))) {
                continue;
            }
            try {
                Iproute.run(List.of("ip", "netns", "del", ns));
                removed++;
            } catch (IOException e) {
                left.add(e.getMessage());
            }
        }
        for (String cgroup : state.cgroups()) {
            Path dir = Path.of(cgroup);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            IOException last = null;
            // rmdir fails while a just-killed process is still being reaped.
            for (int i = 0; i < 50 && Files.isDirectory(dir); i++) {
                try {
                    Files.delete(dir);
                } catch (IOException e) {
                    last = e;
                    sleep(100);
                }
            }
            if (Files.isDirectory(dir)) {
                left.add("cannot remove cgroup " + dir + ": " + last);
            }
        }
        progress.accept(
                "testbed "
                        + state.runId()
                        + ": removed "
                        + removed
                        + " namespaces (with their veths and qdiscs) and "
                        + state.cgroups().size()
                        + " cgroups");
        return left;
    }

    private static void awaitGone(List<ProcessHandle> processes, Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle h : processes) {
            while (h.isAlive() && System.nanoTime() < until) {
                sleep(50);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
