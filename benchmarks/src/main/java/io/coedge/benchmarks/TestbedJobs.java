package io.coedge.benchmarks;

import io.coedge.catalog.Catalog;
import io.coedge.deploy.ClusterSpec;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.JobArguments;
import io.coedge.deploy.LocalCluster;
import io.coedge.deploy.ProcessSupervisor;
import io.coedge.deploy.testbed.Testbed;
import io.coedge.deploy.testbed.TestbedPlan;
import io.coedge.deploy.testbed.TestbedState;
import io.coedge.topics.TopicsConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the testbed benches ({@link TestbedSweep}, {@link LiveLinkBench}) do alike, in one place so
 * that one fix serves both: the testbed cluster brought up for a bench and removed on every path,
 * the JVMs they start in its namespaces (the Kafka probe in the backbone, one camera producer per
 * origin node), the probe's line protocol, the job's arguments, and its cancellation.
 */
final class TestbedJobs {

    /** What a bench runs on the testbed once it is up. */
    interface OnTestbed<T> {
        T run(LocalCluster cluster, TestbedState testbed) throws Exception;
    }

    /**
     * A probe in the backbone namespace ({@link TestbedProbe}, {@link LiveLinkProbe}): its lines
     * ({@code out}) and its stdin ({@code in}, where the bench writes {@code done}).
     */
    record Probe(Process process, BufferedReader out, Writer in) {
        /** Reads the probe's next line, which must be {@code word}. */
        void expect(String word) throws IOException {
            String line = out.readLine();
            if (line == null || !line.equals(word)) {
                throw new IOException(
                        "the Kafka probe in the backbone did not report '"
                                + word
                                + "' (got "
                                + (line == null ? "its end" : "'" + line + "'")
                                + ")");
            }
        }

        /** Tells the probe that the cameras have ended. */
        void done() throws IOException {
            in.write("done\n");
            in.flush();
        }
    }

    private final Path models;
    private final String cliMain;
    private final Consumer<String> progress;
    private final List<Process> started = new ArrayList<>();

    /**
     * @param cliMain the CLI's main class, run in the nodes' namespaces as {@code coedge produce}
     */
    TestbedJobs(Path models, String cliMain, Consumer<String> progress) {
        this.models = models;
        this.cliMain = cliMain;
        this.progress = progress;
    }

    /**
     * Brings the testbed of {@code catalog} up in {@code dir/cluster} (sidecars on the CPU with one
     * thread each, Kafka on 9092, the REST API on a free port), makes the nodes' CPU quotas even
     * ({@link TestbedSweep#evenQuotas}) and runs {@code body}; the testbed and every process
     * started are removed on every path (an exception, Ctrl-C: a shutdown hook named {@code
     * hookName}).
     */
    <T> T onTestbed(Catalog catalog, Path catalogFile, Path dir, String hookName, OnTestbed<T> body)
            throws Exception {
        io.coedge.deploy.local.LocalPipeline.ensureModels(models, progress);
        ClusterSpec spec =
                ClusterSpec.builder(catalog.nodes(), clusterDir(dir))
                        .restPort(freePort())
                        .models(models)
                        .sidecarDevice("cpu")
                        .sidecarThreads(1)
                        .kafkaPort(9092)
                        .build();
        LocalCluster[] cluster = {null};
        ProcessSupervisor.Background[] supervisor = {null};
        Thread stop =
                new Thread(
                        () -> {
                            stopSupervising(supervisor);
                            stopStarted();
                            LocalCluster c = cluster[0];
                            if (c != null) {
                                c.close();
                            }
                        },
                        hookName);
        Runtime.getRuntime().addShutdownHook(stop);
        try (LocalCluster c =
                LocalCluster.start(
                        spec,
                        catalogFile,
                        TestbedPlan.of(Testbed.newRunId(), catalog.nodes(), catalog.links()),
                        progress)) {
            cluster[0] = c;
            TestbedState testbed = c.testbed();
            TestbedSweep.evenQuotas(testbed, progress);
            Path clusterDir = clusterDir(dir);
            Path supervisorLog = clusterDir.resolve("logs").resolve("supervisor.log");
            try (PrintStream log =
                    new PrintStream(
                            Files.newOutputStream(supervisorLog), true, StandardCharsets.UTF_8)) {
                supervisor[0] =
                        ProcessSupervisor.inBackground(
                                clusterDir, ProcessSupervisor.Backoff.DEFAULT, log);
                progress.accept(
                        "a TaskManager or sidecar that dies is restarted with back-off (log "
                                + supervisorLog
                                + ")");
                try {
                    return body.run(c, testbed);
                } finally {
                    stopSupervising(supervisor);
                }
            }
        } finally {
            stopStarted();
            cluster[0] = null;
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs now
            }
        }
    }

    /** Where {@link #onTestbed} keeps the cluster of a bench working in {@code dir}. */
    static Path clusterDir(Path dir) {
        return dir.resolve("cluster");
    }

    /** Stops the supervisor, if it runs, so that nothing is restarted while the testbed stops. */
    private static void stopSupervising(ProcessSupervisor.Background[] supervisor) {
        ProcessSupervisor.Background s = supervisor[0];
        supervisor[0] = null;
        if (s != null) {
            try {
                s.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Starts {@code probeMain} in the backbone with the run's topics ({@code prefix}, a partition
     * per node), the nodes to wait for and how long to wait for the last results ({@code
     * maxDeadlineMs} + 60 s); returns once it has created the topics.
     */
    Probe startProbe(
            TestbedState testbed,
            Class<?> probeMain,
            String kafka,
            String prefix,
            List<String> nodes,
            long maxDeadlineMs,
            Path log)
            throws IOException {
        Process process =
                java(
                        testbed,
                        TestbedState.BACKBONE,
                        null,
                        List.of(
                                probeMain.getName(),
                                kafka,
                                prefix,
                                Integer.toString(nodes.size()),
                                String.join(",", nodes),
                                Long.toString(Duration.ofMillis(maxDeadlineMs).toSeconds() + 60)),
                        log,
                        true);
        Probe probe =
                new Probe(
                        process,
                        new BufferedReader(
                                new InputStreamReader(
                                        process.getInputStream(), StandardCharsets.UTF_8)),
                        new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        probe.expect("topics");
        return probe;
    }

    /**
     * The job's arguments: {@code catalogFile}, the pair, the run's topics, a checkpoint every
     * second and the job's {@code name}.
     */
    static List<String> jobArgs(
            String catalogFile,
            String kafka,
            String dispatch,
            String batch,
            TopicsConfig topics,
            String name) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--config",
                                catalogFile,
                                "--bootstrap",
                                kafka,
                                "--dispatch",
                                dispatch,
                                "--batch",
                                batch));
        args.addAll(JobArguments.topics(topics));
        args.addAll(List.of("--checkpoint-ms", "1000", "--name", name));
        return args;
    }

    /**
     * One {@code coedge produce} per origin node of {@code catalog}'s tasks, each in its node's
     * namespace ($COEDGE_NODE: its frames go to the partition read on that node), outside the
     * node's CPU cgroup; {@code images}: {@code produce --images}, or null; {@code log}: each
     * producer's log by its node.
     */
    List<Process> startCameras(
            TestbedState testbed,
            Catalog catalog,
            String catalogFile,
            Duration duration,
            int seed,
            String kafka,
            TopicsConfig topics,
            Path images,
            Function<String, Path> log)
            throws IOException {
        List<Process> producers = new ArrayList<>();
        for (String origin : origins(catalog)) {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    cliMain,
                                    "produce",
                                    "--config",
                                    catalogFile,
                                    "--duration",
                                    duration.toSeconds() + "s",
                                    "--seed",
                                    Integer.toString(seed),
                                    "--bootstrap",
                                    kafka));
            args.addAll(JobArguments.topics(topics));
            if (images != null) {
                args.addAll(List.of("--images", images.toAbsolutePath().toString()));
            }
            producers.add(java(testbed, origin, origin, args, log.apply(origin), false));
        }
        return producers;
    }

    /** The nodes the catalog's cameras are at, in task order. */
    static Set<String> origins(Catalog catalog) {
        Set<String> origins = new LinkedHashSet<>();
        catalog.tasks().forEach(t -> origins.add(t.origin()));
        return origins;
    }

    /** Waits up to {@code timeoutSeconds} for each producer; each must exit 0. */
    static void awaitCameras(List<Process> producers, long timeoutSeconds, Path logs)
            throws IOException, InterruptedException {
        for (Process p : producers) {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new IOException("a camera producer did not end; see " + logs);
            }
            if (p.exitValue() != 0) {
                throw new IOException(
                        "a camera producer exited " + p.exitValue() + "; see " + logs);
            }
        }
    }

    /** Cancels the job and waits up to a minute for its end; a failure is reported, not thrown. */
    void cancel(FlinkSession rest, String jobId) throws InterruptedException {
        try {
            rest.cancel(jobId);
            awaitEnded(rest, jobId);
        } catch (IOException e) {
            progress.accept("could not cancel job " + jobId + ": " + e.getMessage());
        }
    }

    private static void awaitEnded(FlinkSession rest, String jobId)
            throws IOException, InterruptedException {
        long until = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < until) {
            if (rest.status(jobId).isTerminal()) {
                return;
            }
            Thread.sleep(250);
        }
    }

    /**
     * A JVM in {@code where}'s namespace, outside its CPU cgroup (the probe; a camera producer: the
     * cameras are devices of their own, not the edge node's CPU); {@code piped}: its stdout is read
     * by the bench, else it goes to {@code log}.
     */
    private Process java(
            TestbedState testbed,
            String where,
            String coedgeNode,
            List<String> mainAndArgs,
            Path log,
            boolean piped)
            throws IOException {
        List<String> command =
                new ArrayList<>(List.of("ip", "netns", "exec", testbed.netns().get(where)));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp"));
        command.add(System.getProperty("java.class.path"));
        command.addAll(mainAndArgs);
        Files.createDirectories(log.getParent());
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (!piped) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        }
        if (coedgeNode != null) {
            pb.environment().put("COEDGE_NODE", coedgeNode);
        }
        Process p = pb.start();
        synchronized (started) {
            started.add(p);
        }
        return p;
    }

    /**
     * Stops {@code probe} (SIGTERM) and forgets it, so that a long sweep does not keep them all.
     */
    void stop(Probe probe) {
        probe.process().destroy();
        synchronized (started) {
            started.remove(probe.process());
        }
    }

    private void stopStarted() {
        synchronized (started) {
            started.forEach(Process::destroyForcibly);
            started.clear();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
