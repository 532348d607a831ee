package io.coedge.deploy.testbed;

import io.coedge.catalog.LinkSpec;
import io.coedge.catalog.NodeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a testbed is made of, computed from the catalog and nothing else (no command runs here): one
 * backbone network namespace (Kafka, the JobManager), one namespace per edge node, a veth pair per
 * pair of nodes shaped per direction by the catalog's link, and one unshaped uplink veth from each
 * node to the backbone.
 *
 * <p>Every namespace has one address, a /32 on its loopback ({@code 10.77.0.<i+1>} for node i,
 * {@link #BACKBONE_ADDRESS} for the backbone), and a host route per peer through the veth towards
 * it. So node A's traffic to node B leaves through the A-B veth and is shaped there by the A -> B
 * link (tbf at A's end, netem for the latency where the kernel has it); B -> A is shaped at B's
 * end. Traffic to and from the backbone (Kafka, JobManager RPC) takes the uplink and pays no
 * catalog link.
 *
 * @param runId short id of this testbed; prefixes every namespace and cgroup
 * @param backbone the backbone namespace
 * @param nodes per node id, its namespace and address, in catalog order
 * @param links every veth pair between two nodes
 * @param uplinks per node id, its uplink to the backbone
 */
public record TestbedPlan(
        String runId,
        Namespace backbone,
        Map<String, Namespace> nodes,
        List<Link> links,
        Map<String, Link> uplinks) {

    public static final String PREFIX = "coedge-";
    public static final String BACKBONE_ADDRESS = "10.77.0.254";
    static final String SUBNET = "10.77.0.";
    static final int MAX_NODES = 250;

    /**
     * A network namespace of the testbed.
     *
     * @param name the namespace's name ({@code ip netns})
     * @param node the edge node it holds; null for the backbone
     * @param address its one IPv4 address
     * @param cpuShare cores for its processes; null = no limit
     */
    public record Namespace(String name, String node, String address, Double cpuShare) {}

    /**
     * One veth pair.
     *
     * @param a namespace of one end
     * @param aDev name of that end
     * @param b namespace of the other end
     * @param bDev name of the other end
     * @param aToB the catalog link shaping a -> b (at a's end); null = unshaped
     * @param bToA the catalog link shaping b -> a (at b's end); null = unshaped
     */
    public record Link(
            Namespace a, String aDev, Namespace b, String bDev, LinkSpec aToB, LinkSpec bToA) {}

    public TestbedPlan {
        nodes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        links = List.copyOf(links);
        uplinks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(uplinks));
    }

    /**
     * The testbed of these nodes.
     *
     * @param links the catalog's links (every ordered pair, as {@code Catalog.links()} gives them)
     */
    public static TestbedPlan of(String runId, List<NodeSpec> nodeSpecs, List<LinkSpec> links) {
        if (!runId.matches("[a-z0-9]{1,8}")) {
            throw new IllegalArgumentException(
                    "testbed run id must be 1-8 lowercase letters or digits, was '" + runId + "'");
        }
        if (nodeSpecs.size() > MAX_NODES) {
            throw new IllegalArgumentException(
                    "a testbed holds at most "
                            + MAX_NODES
                            + " nodes, the catalog has "
                            + nodeSpecs.size());
        }
        Namespace backbone =
                new Namespace(PREFIX + runId + "-backbone", null, BACKBONE_ADDRESS, null);
        Map<String, Namespace> nodes = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < nodeSpecs.size(); i++) {
            NodeSpec n = nodeSpecs.get(i);
            String name = PREFIX + runId + "-" + sanitize(n.id());
            if (names.contains(name)) {
                name = name + "-" + (i + 1);
            }
            names.add(name);
            nodes.put(n.id(), new Namespace(name, n.id(), SUBNET + (i + 1), n.cpuShare()));
        }
        List<Namespace> ordered = new ArrayList<>(nodes.values());
        List<Link> pairs = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            for (int j = i + 1; j < ordered.size(); j++) {
                Namespace a = ordered.get(i);
                Namespace b = ordered.get(j);
                pairs.add(
                        new Link(
                                a,
                                "l" + (j + 1),
                                b,
                                "l" + (i + 1),
                                find(links, a.node(), b.node()),
                                find(links, b.node(), a.node())));
            }
        }
        Map<String, Link> uplinks = new LinkedHashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            Namespace n = ordered.get(i);
            uplinks.put(n.node(), new Link(n, "bb", backbone, "n" + (i + 1), null, null));
        }
        return new TestbedPlan(runId, backbone, nodes, pairs, uplinks);
    }

    private static LinkSpec find(List<LinkSpec> links, String from, String to) {
        return links.stream()
                .filter(l -> l.from().equals(from) && l.to().equals(to))
                .findFirst()
                .orElse(null);
    }

    /** Namespace names keep letters, digits, '-' and '_' of the node id, lowercased. */
    static String sanitize(String id) {
        String s = id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
        return s.length() > 40 ? s.substring(0, 40) : s;
    }

    /** Every namespace, backbone first. */
    public List<Namespace> namespaces() {
        List<Namespace> all = new ArrayList<>();
        all.add(backbone);
        all.addAll(nodes.values());
        return all;
    }

    public Namespace node(String id) {
        Namespace ns = nodes.get(id);
        if (ns == null) {
            throw new IllegalArgumentException(
                    "no node '" + id + "' in the testbed (nodes: " + nodes.keySet() + ")");
        }
        return ns;
    }

    /** The veth between two nodes, whichever order they are given in. */
    public Link link(String from, String to) {
        for (Link l : links) {
            if ((l.a().node().equals(from) && l.b().node().equals(to))
                    || (l.a().node().equals(to) && l.b().node().equals(from))) {
                return l;
            }
        }
        throw new IllegalArgumentException("no link between '" + from + "' and '" + to + "'");
    }

    /**
     * The {@code ip} and {@code tc} commands (without the program name) that build the network, in
     * order, latency excluded ({@link #latencyCommands}). Each namespace is created before anything
     * in it.
     */
    public List<List<String>> networkCommands() {
        List<List<String>> c = new ArrayList<>();
        for (Namespace ns : namespaces()) {
            c.add(List.of("ip", "netns", "add", ns.name()));
            c.add(List.of("ip", "-n", ns.name(), "link", "set", "lo", "up"));
            c.add(List.of("ip", "-n", ns.name(), "addr", "add", ns.address() + "/32", "dev", "lo"));
        }
        List<Link> all = new ArrayList<>(links);
        all.addAll(uplinks.values());
        for (Link l : all) {
            c.add(
                    List.of(
                            "ip",
                            "link",
                            "add",
                            "name",
                            l.aDev(),
                            "netns",
                            l.a().name(),
                            "type",
                            "veth",
                            "peer",
                            "name",
                            l.bDev(),
                            "netns",
                            l.b().name()));
            end(c, l.a(), l.aDev(), l.b(), l.aToB());
            end(c, l.b(), l.bDev(), l.a(), l.bToA());
        }
        return c;
    }

    private static void end(
            List<List<String>> c, Namespace self, String dev, Namespace peer, LinkSpec shape) {
        c.add(List.of("ip", "-n", self.name(), "link", "set", dev, "up"));
        c.add(
                List.of(
                        "ip",
                        "-n",
                        self.name(),
                        "route",
                        "add",
                        peer.address() + "/32",
                        "dev",
                        dev,
                        "src",
                        self.address()));
        if (shape != null) {
            c.add(shapeCommand("add", self.name(), dev, shape.bandwidthMbps()));
        }
    }

    /**
     * The tbf qdisc limiting one veth end to {@code mbps}. The bucket holds 10 ms of traffic (at
     * least 16 KiB, so full-size segments pass), the queue 100 ms (at least 64 KiB).
     */
    public static List<String> shapeCommand(String verb, String ns, String dev, double mbps) {
        long bytesPerSecond = Math.round(mbps * 1_000_000 / 8);
        long burst = Math.max(16 * 1024, bytesPerSecond / 100);
        long limit = Math.max(64 * 1024, bytesPerSecond / 10);
        return List.of(
                "tc",
                "-n",
                ns,
                "qdisc",
                verb,
                "dev",
                dev,
                "root",
                "handle",
                "1:",
                "tbf",
                "rate",
                Math.round(mbps * 1000) + "kbit",
                "burst",
                Long.toString(burst),
                "limit",
                Long.toString(limit));
    }

    /** The netem qdiscs (under each tbf) that add the links' one-way latency. */
    public List<List<String>> latencyCommands() {
        List<List<String>> c = new ArrayList<>();
        for (Link l : links) {
            if (l.aToB() != null && l.aToB().latencyMs() > 0) {
                c.add(latencyCommand("add", l.a().name(), l.aDev(), l.aToB().latencyMs()));
            }
            if (l.bToA() != null && l.bToA().latencyMs() > 0) {
                c.add(latencyCommand("add", l.b().name(), l.bDev(), l.bToA().latencyMs()));
            }
        }
        return c;
    }

    public static List<String> latencyCommand(String verb, String ns, String dev, double ms) {
        return List.of(
                "tc",
                "-n",
                ns,
                "qdisc",
                verb,
                "dev",
                dev,
                "parent",
                "1:1",
                "handle",
                "10:",
                "netem",
                "delay",
                String.format(Locale.ROOT, "%.3fms", ms),
                "limit",
                "100000");
    }
}
