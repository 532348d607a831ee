package io.coedge.deploy.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.catalog.LinkSpec;
import io.coedge.catalog.NodeSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestbedPlanTest {
    private static final List<NodeSpec> NODES =
            List.of(
                    new NodeSpec("edge-1", "127.0.0.1:8101", "cpu", 0.25),
                    new NodeSpec("Edge 2", "127.0.0.1:8102", "cpu"),
                    new NodeSpec("edge-3", "127.0.0.1:8103", "cpu"));
    private static final List<LinkSpec> LINKS =
            List.of(
                    new LinkSpec("edge-1", "Edge 2", 5, 20),
                    new LinkSpec("Edge 2", "edge-1", 10, 0),
                    new LinkSpec("edge-1", "edge-3", 100, 2),
                    new LinkSpec("edge-3", "edge-1", 100, 2),
                    new LinkSpec("Edge 2", "edge-3", 100, 2),
                    new LinkSpec("edge-3", "Edge 2", 100, 2));

    @Test
    void everyNodeGetsItsOwnNamespaceAndAddressAndEveryPairOneVeth() {
        TestbedPlan plan = TestbedPlan.of("ab12", NODES, LINKS);

        assertThat(plan.namespaces())
                .extracting(TestbedPlan.Namespace::name)
                .containsExactly(
                        "coedge-ab12-backbone",
                        "coedge-ab12-edge-1",
                        "coedge-ab12-edge-2",
                        "coedge-ab12-edge-3");
        assertThat(plan.node("edge-1").address()).isEqualTo("10.77.0.1");
        assertThat(plan.node("edge-3").address()).isEqualTo("10.77.0.3");
        assertThat(plan.backbone().address()).isEqualTo("10.77.0.254");
        assertThat(plan.links()).hasSize(3);
        assertThat(plan.uplinks()).hasSize(3);
        TestbedPlan.Link l = plan.link("Edge 2", "edge-1");
        assertThat(l.aToB().bandwidthMbps()).isEqualTo(5);
        assertThat(l.bToA().bandwidthMbps()).isEqualTo(10);
    }

    @Test
    void eachDirectionIsShapedAtItsSendingEndAndRoutedThroughItsVeth() {
        List<List<String>> c = TestbedPlan.of("ab12", NODES, LINKS).networkCommands();

        // edge-1 -> Edge 2 leaves edge-1 through l2, shaped to 5 Mbit/s there.
        assertThat(c)
                .contains(
                        List.of(
                                "ip",
                                "-n",
                                "coedge-ab12-edge-1",
                                "route",
                                "add",
                                "10.77.0.2/32",
                                "dev",
                                "l2",
                                "src",
                                "10.77.0.1"),
                        TestbedPlan.shapeCommand("add", "coedge-ab12-edge-1", "l2", 5),
                        TestbedPlan.shapeCommand("add", "coedge-ab12-edge-2", "l1", 10));
        assertThat(TestbedPlan.shapeCommand("add", "n", "l2", 5))
                .containsSubsequence("rate", "5000kbit");
        // Every command names a namespace of the plan: nothing runs on the host's own network.
        for (List<String> cmd : c) {
            assertThat(String.join(" ", cmd)).contains("coedge-ab12-");
        }
        // Uplinks are not shaped.
        assertThat(c)
                .noneMatch(cmd -> cmd.contains("tc") && (cmd.contains("bb") || cmd.contains("n1")));
    }

    @Test
    void latencyIsANetemUnderTheTbfOfEachDirectionThatHasOne() {
        List<List<String>> c = TestbedPlan.of("ab12", NODES, LINKS).latencyCommands();

        assertThat(c)
                .contains(TestbedPlan.latencyCommand("add", "coedge-ab12-edge-1", "l2", 20))
                .noneMatch(cmd -> cmd.contains("coedge-ab12-edge-2") && cmd.contains("l1"));
        assertThat(c).hasSize(5);
    }

    @Test
    void aBadRunIdIsRefused() {
        assertThatThrownBy(() -> TestbedPlan.of("../x", NODES, LINKS))
                .hasMessageContaining("run id");
    }
}
