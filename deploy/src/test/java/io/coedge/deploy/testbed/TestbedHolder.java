package io.coedge.deploy.testbed;

import io.coedge.catalog.LinkSpec;
import io.coedge.catalog.NodeSpec;
import io.coedge.deploy.ClusterState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a killed {@code cluster up --testbed} leaves: makes a two-node testbed (one node with a CPU
 * share), records it in {@code DIR/state.json} as {@code up} does, starts a process in each node
 * namespace, prints {@code ready PID PID}, and waits to be killed. Args: {@code DIR RUN_ID}.
 */
public final class TestbedHolder {
    private TestbedHolder() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        TestbedPlan plan = TestbedPlan.of(args[1], nodes(), links(5));
        ClusterState[] state = {new ClusterState("http://127.0.0.1:1", null, null, List.of())};
        TestbedState testbed =
                Testbed.create(
                        plan,
                        t -> {
                            state[0] = state[0].withTestbed(t);
                            try {
                                state[0].write(dir);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        System.err::println);
        List<String> pids = new ArrayList<>();
        for (String node : List.of("a", "b")) {
            List<String> command = new ArrayList<>(Testbed.prefix(testbed, node));
            command.addAll(List.of("sleep", "600"));
            pids.add(
                    Long.toString(
                            new ProcessBuilder(command)
                                    .redirectErrorStream(true)
                                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                    .start()
                                    .pid()));
        }
        System.out.println("ready " + String.join(" ", pids));
        System.out.flush();
        Thread.sleep(600_000);
    }

    static List<NodeSpec> nodes() {
        return List.of(
                new NodeSpec("a", "127.0.0.1:8101", "cpu", 0.5),
                new NodeSpec("b", "127.0.0.1:8102", "cpu", null));
    }

    static List<LinkSpec> links(double mbps) {
        return List.of(new LinkSpec("a", "b", mbps, 0), new LinkSpec("b", "a", mbps, 0));
    }
}
