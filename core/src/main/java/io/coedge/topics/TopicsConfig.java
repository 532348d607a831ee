package io.coedge.topics;

/**
 * The four topics of a deployment, with their partition counts.
 *
 * @param frames camera frames, keyed (and so partitioned) by camera
 * @param results one JSON result per frame
 * @param deadLetters malformed input with its reason
 * @param nodeProfiles latest profile of each node (compacted, keyed by node)
 * @param partitions partitions of the frames, results and dead-letter topics
 */
public record TopicsConfig(
        String frames, String results, String deadLetters, String nodeProfiles, int partitions) {

    public static TopicsConfig defaults() {
        return new TopicsConfig(
                "coedge.frames", "coedge.results", "coedge.frames.dlq", "coedge.node-profiles", 4);
    }

    /**
     * A run's own four topics, {@code <prefix>.frames}, {@code .results}, {@code .dlq} and {@code
     * .profiles} (benchmarks and tests that keep each run apart on one broker).
     */
    public static TopicsConfig prefixed(String prefix, int partitions) {
        return new TopicsConfig(
                prefix + ".frames",
                prefix + ".results",
                prefix + ".dlq",
                prefix + ".profiles",
                partitions);
    }
}
