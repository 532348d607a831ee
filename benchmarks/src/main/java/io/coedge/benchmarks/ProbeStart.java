package io.coedge.benchmarks;

import io.coedge.kafka.status.NodeWatch;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

/**
 * The start that the probes in the testbed's backbone ({@link TestbedProbe}, {@link LiveLinkProbe})
 * share, in one place so that their protocol with the bench ({@link TestbedJobs.Probe}) stays one:
 * the arguments (bootstrap, topics prefix, partitions, nodes comma-separated, wait in seconds), the
 * run's topics created ({@code topics} printed), every node healthy ({@code healthy} printed), and
 * {@code done} on stdin.
 *
 * @param out the probe's lines to the bench (stdout, flushed at each line)
 * @param client the Kafka client settings for the backbone's broker
 */
record ProbeStart(
        TopicsConfig topics,
        List<String> nodes,
        long waitSeconds,
        PrintStream out,
        Properties client) {

    /** Reads the arguments, creates the run's topics and prints {@code topics}. */
    static ProbeStart of(String[] args) throws Exception {
        ProbeStart start =
                new ProbeStart(
                        TopicsConfig.prefixed(args[1], Integer.parseInt(args[2])),
                        Arrays.asList(args[3].split(",")),
                        Long.parseLong(args[4]),
                        new PrintStream(System.out, true, StandardCharsets.UTF_8),
                        KafkaClients.resolve(args[0], null).properties());
        TopicAdmin.createAll(start.client(), start.topics());
        start.out().println("topics");
        return start;
    }

    /** A watch of the run's profiles topic. */
    NodeWatch watch() {
        return new NodeWatch(client, topics.nodeProfiles());
    }

    /**
     * Waits (up to 3 minutes) until every node has reported healthy, then prints {@code healthy}.
     */
    void awaitHealthy(NodeWatch watch) {
        watch.awaitHealthy(nodes, Duration.ofMinutes(3));
        out.println("healthy");
    }

    /**
     * Completes on {@code done} on stdin (the cameras' producers have ended) or at the end of stdin
     * (the bench is gone: end as on {@code done}).
     */
    static CompletableFuture<Void> done() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread stdin =
                new Thread(
                        () -> {
                            try (BufferedReader in =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    System.in, StandardCharsets.UTF_8))) {
                                String line;
                                while ((line = in.readLine()) != null && !line.equals("done")) {
                                    // only "done" (or the end of input) ends the run
                                }
                            } catch (Exception e) {
                                // the bench went away: end as if done
                            }
                            done.complete(null);
                        },
                        "probe-stdin");
        stdin.setDaemon(true);
        stdin.start();
        return done;
    }
}
