package io.coedge.operators.batch;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.NodeSpec;
import org.apache.flink.configuration.Configuration;

/**
 * Which edge node a batcher subtask runs on. On a cluster every TaskManager sits on one node and
 * says which: the {@code COEDGE_NODE} environment variable, or {@code coedge.node} in its Flink
 * configuration. Only on a single-process MiniCluster, where all subtasks share one host and
 * neither can differ between them, subtask i stands for the catalog's i-th node; the node then
 * announces itself like any other, and the dispatcher routes by announcements only. Public for the
 * decode function, which announces its source subtask's node the same way.
 *
 * @param node node id
 * @param how where the id came from, for logs
 */
public record NodeIdentity(String node, String how) {
    public static final String ENV = "COEDGE_NODE";
    public static final String CONFIG = "coedge.node";

    /**
     * The node of subtask {@code subtask} (the decode function resolves it the same way for the
     * source subtask it is chained to).
     *
     * @throws IllegalStateException when the TaskManager names no node, or one not in the catalog
     */
    public static NodeIdentity resolve(
            Catalog catalog, Configuration taskManagerConfig, int subtask, boolean localMode) {
        String env = System.getenv(ENV);
        if (!localMode && env != null && !env.isBlank()) {
            return known(catalog, env.trim(), ENV);
        }
        String configured = taskManagerConfig.getString(CONFIG, null);
        if (!localMode && configured != null && !configured.isBlank()) {
            return known(catalog, configured.trim(), CONFIG);
        }
        if (!localMode) {
            throw new IllegalStateException(
                    "this TaskManager does not say which edge node it is on: set "
                            + ENV
                            + " or "
                            + CONFIG
                            + " (or run the job in local mode on a MiniCluster)");
        }
        NodeSpec spec = catalog.nodes().get(subtask % catalog.nodes().size());
        return new NodeIdentity(spec.id(), "local mode, subtask " + subtask);
    }

    private static NodeIdentity known(Catalog catalog, String node, String how) {
        if (catalog.node(node).isEmpty()) {
            throw new IllegalStateException(
                    how
                            + "="
                            + node
                            + " is not a node of the catalog; nodes are "
                            + catalog.nodes().stream().map(NodeSpec::id).toList());
        }
        return new NodeIdentity(node, how);
    }
}
