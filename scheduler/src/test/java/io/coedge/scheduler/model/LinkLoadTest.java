package io.coedge.scheduler.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinkLoadTest {

    private static final Model M = new Model("m");

    /**
     * n1, n2, n3, cloud; n1 and n2 reach the cloud over one shared 1 Mbit/s uplink ("wan"), every
     * other pair over a 10 Mbit/s link of its own. Tasks t1 on n1, t2 on n2, t3 on n3, each 10
     * frames/s of 10,000 bytes: 800 kbit/s while offloaded.
     */
    private static Topology topology() {
        List<String> names = List.of("n1", "n2", "n3", "cloud");
        List<NodeProfile> nodes = new ArrayList<>();
        for (String n : names) {
            nodes.add(NodeProfile.healthy(n, Map.of(M, LatencyProfile.ofMillisPowersOfTwo(5))));
        }
        List<Link> links = new ArrayList<>();
        for (String a : names) {
            for (String b : names) {
                if (a.equals(b)) {
                    continue;
                }
                boolean wan = b.equals("cloud") && !a.equals("n3");
                links.add(
                        wan
                                ? new Link(a, b, 1_000_000, 20_000, "wan")
                                : new Link(a, b, 10_000_000, 1_000));
            }
        }
        List<Task> tasks = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            tasks.add(new Task("t" + i, M, "n" + i, 1, 10, 200_000, 10_000));
        }
        return new Topology(nodes, links, tasks);
    }

    @Test
    void linksSharedUnderOneNameHaveOneCarrierAndOthersTheirOwn() {
        Topology t = topology();
        int n1 = t.nodeIndex("n1");
        int n2 = t.nodeIndex("n2");
        int n3 = t.nodeIndex("n3");
        int cloud = t.nodeIndex("cloud");

        assertThat(t.carrier(n1, cloud)).isEqualTo(t.carrier(n2, cloud));
        assertThat(t.carrier(n3, cloud)).isNotEqualTo(t.carrier(n1, cloud));
        assertThat(t.carrier(n1, n2)).isNotEqualTo(t.carrier(n2, n1));
    }

    @Test
    void twoTasksEachFittingASharedUplinkAloneOverfillItTogether() {
        Topology t = topology();
        int n1 = t.nodeIndex("n1");
        int n2 = t.nodeIndex("n2");
        int n3 = t.nodeIndex("n3");
        int cloud = t.nodeIndex("cloud");

        LinkLoad one = LinkLoad.of(t, Map.of("t1", "cloud"));
        LinkLoad both = LinkLoad.of(t, Map.of("t1", "cloud", "t2", "cloud", "t3", "cloud"));

        assertThat(one.bitsPerSecond(n2, cloud)).isEqualTo(800_000.0);
        assertThat(one.fits(n1, cloud, 0, 1.0)).isTrue();
        assertThat(both.bitsPerSecond(n1, cloud)).isEqualTo(1_600_000.0);
        assertThat(both.fits(n2, cloud, 0, 1.0)).isFalse();
        assertThat(both.bitsPerSecond(n3, cloud)).as("n3's own link").isEqualTo(800_000.0);
        assertThat(both.fits(n3, cloud, 0, 1.0)).isTrue();
    }

    @Test
    void localTasksAndUnknownNodesAddNothingAndAddThenRemoveLeavesNothing() {
        Topology t = topology();
        int n1 = t.nodeIndex("n1");
        int n2 = t.nodeIndex("n2");

        LinkLoad load = LinkLoad.of(t, Map.of("t1", "n1", "t2", "gone"));
        assertThat(load.bitsPerSecond(n1, n2)).isZero();
        assertThat(load.bitsPerSecond(n2, n1)).isZero();
        assertThat(LinkLoad.path(t, t.tasks().get(1), "gone")).isNull();

        load.add(n1, n2, 500);
        load.add(n1, n1, 700);
        assertThat(load.bitsPerSecond(n1, n2)).isEqualTo(500.0);
        assertThat(load.bitsPerSecond(n1, n1)).isZero();
        assertThat(load.fits(n1, n2, 10_000_000 - 500, 1.0)).isTrue();
        assertThat(load.fits(n1, n2, 10_000_000, 1.0)).isFalse();
        load.remove(n1, n2, 500);
        assertThat(load.bitsPerSecond(n1, n2)).isZero();
    }
}
