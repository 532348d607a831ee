package io.coedge.deploy;

import io.coedge.topics.TopicsConfig;
import java.util.List;

/**
 * The program arguments of {@code io.coedge.jobs.CoEdgeJob} that deployments set, in one place:
 * {@code coedge cluster submit} fills in {@code --config} and {@code --bootstrap}, and the
 * Kubernetes manifests are checked against these names. (The deploy module cannot depend on the
 * jobs module, which depends on it for the command line.)
 */
public final class JobArguments {
    public static final String ENTRY_CLASS = "io.coedge.jobs.CoEdgeJob";
    public static final String JAR = "jobs/target/coedge-job.jar";

    public static final String CONFIG = "--config";
    public static final String BOOTSTRAP = "--bootstrap";
    public static final String FRAMES_TOPIC = "--frames-topic";
    public static final String RESULTS_TOPIC = "--results-topic";
    public static final String DLQ_TOPIC = "--dlq-topic";
    public static final String PROFILES_TOPIC = "--profiles-topic";
    public static final String PARTITIONS = "--partitions";

    /** Every argument CoEdgeJob.main reads. */
    public static final List<String> NAMES =
            List.of(
                    "--config",
                    "--bootstrap",
                    "--kafka-config",
                    "--dispatch",
                    "--batch",
                    "--frames-topic",
                    "--results-topic",
                    "--dlq-topic",
                    "--profiles-topic",
                    "--partitions",
                    "--checkpoint-ms",
                    "--delivery",
                    "--name",
                    "--sidecar",
                    "--local");

    /**
     * The arguments that name {@code topics} and their partitions: the job's, and {@code coedge
     * produce}'s (the same option names), for a run on its own topics.
     */
    public static List<String> topics(TopicsConfig topics) {
        return List.of(
                FRAMES_TOPIC,
                topics.frames(),
                RESULTS_TOPIC,
                topics.results(),
                DLQ_TOPIC,
                topics.deadLetters(),
                PROFILES_TOPIC,
                topics.nodeProfiles(),
                PARTITIONS,
                Integer.toString(topics.partitions()));
    }

    private JobArguments() {}
}
