package io.coedge.operators.profile;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which frames-source subtask runs on which node, as the decode function chained to the source
 * announces it on open, for the node's status ({@code NodeStatus.sourceSubtask}) to carry it to
 * producers (docs/ARCHITECTURE.md, "Frames read on their origin node").
 *
 * <p>A JVM-wide table, because the decode subtask and the batcher that publishes the node's status
 * are different operators that meet only in their TaskManager: on a cluster one TaskManager (one
 * JVM, one job class loader per job) sits on one node, so the table holds that node's entry; on a
 * MiniCluster all nodes share the JVM and each has its own entry. The newest attempt's claim wins,
 * and a subtask withdraws only its own claim when it closes.
 */
public final class SourceSubtasks {
    /**
     * One claim.
     *
     * @param subtask the source (and decode) subtask index on the node
     * @param subtasks the source's parallelism: how many readers share the frames topic
     * @param attempt the subtask's attempt number
     */
    public record Claim(int subtask, int subtasks, int attempt) {}

    private static final Map<String, Claim> CLAIMS = new ConcurrentHashMap<>();

    private SourceSubtasks() {}

    /** Records that {@code claim}'s subtask runs on {@code node}, unless a newer attempt did. */
    public static void announce(String node, Claim claim) {
        CLAIMS.merge(node, claim, (old, now) -> now.attempt() >= old.attempt() ? now : old);
    }

    /** Removes {@code claim} for {@code node} if it is still the one recorded. */
    public static void withdraw(String node, Claim claim) {
        CLAIMS.remove(node, claim);
    }

    /** The source subtask announced on {@code node}, if any. */
    public static Optional<Claim> on(String node) {
        return Optional.ofNullable(CLAIMS.get(node));
    }
}
