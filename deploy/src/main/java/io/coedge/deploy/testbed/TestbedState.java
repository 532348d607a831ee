package io.coedge.deploy.testbed;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What a testbed made, as recorded in the cluster's state file before it is made: {@code cluster
 * down}, the shutdown hook of a stopped {@code up} and the stale-state cleanup of the next {@code
 * up} remove exactly these (and the processes inside these namespaces), nothing found by name.
 *
 * @param runId the testbed's id, in every name below
 * @param namespaces every network namespace (deleting one deletes its veth ends and their qdiscs)
 * @param cgroups every cgroup folder made for a node's CPU share
 * @param addresses per node id (and {@code backbone}), its address
 * @param netns per node id (and {@code backbone}), its namespace
 * @param latencyApplied whether the links' latency is applied (netem); false where the kernel has
 *     no netem
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TestbedState(
        String runId,
        List<String> namespaces,
        List<String> cgroups,
        Map<String, String> addresses,
        Map<String, String> netns,
        boolean latencyApplied) {
    public static final String BACKBONE = "backbone";

    public TestbedState {
        namespaces = List.copyOf(namespaces);
        cgroups = List.copyOf(cgroups);
        addresses = Map.copyOf(addresses);
        netns = Map.copyOf(netns);
    }

    public TestbedState withLatencyApplied(boolean applied) {
        return new TestbedState(runId, namespaces, cgroups, addresses, netns, applied);
    }
}
