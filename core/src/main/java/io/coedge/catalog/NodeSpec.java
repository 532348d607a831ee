package io.coedge.catalog;

/**
 * One edge node: a lamppost with (usually) one small accelerator.
 *
 * @param id node id, as TaskManagers report it through {@code COEDGE_NODE}
 * @param sidecar host:port of the node's inference sidecar (Open Inference Protocol, gRPC)
 * @param accelerator {@code cpu} or {@code cuda:N}; what the sidecar is asked to use
 */
public record NodeSpec(String id, String sidecar, String accelerator) {

    /** The sidecar's host part. */
    public String sidecarHost() {
        return sidecar.substring(0, sidecar.lastIndexOf(':'));
    }

    /** The sidecar's port part. */
    public int sidecarPort() {
        return Integer.parseInt(sidecar.substring(sidecar.lastIndexOf(':') + 1));
    }
}
