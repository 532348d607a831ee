package io.coedge.catalog;

/**
 * One edge node: a lamppost with (usually) one small accelerator.
 *
 * @param id node id, as TaskManagers report it through {@code COEDGE_NODE}
 * @param sidecar host:port of the node's inference sidecar (Open Inference Protocol, gRPC)
 * @param accelerator {@code cpu} or {@code cuda:N}; what the sidecar is asked to use
 * @param cpuShare the node's CPU in cores (0.25 = a quarter of one core), applied by the testbed
 *     ({@code coedge cluster up --testbed}) as a CPU quota on the node's processes; null = no limit
 */
public record NodeSpec(String id, String sidecar, String accelerator, Double cpuShare) {

    /** A node without a CPU limit. */
    public NodeSpec(String id, String sidecar, String accelerator) {
        this(id, sidecar, accelerator, null);
    }

    /** The sidecar's host part. */
    public String sidecarHost() {
        return sidecar.substring(0, sidecar.lastIndexOf(':'));
    }

    /** The sidecar's port part. */
    public int sidecarPort() {
        return Integer.parseInt(sidecar.substring(sidecar.lastIndexOf(':') + 1));
    }
}
