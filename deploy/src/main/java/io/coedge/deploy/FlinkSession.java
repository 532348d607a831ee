package io.coedge.deploy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.PackagedProgramUtils;
import org.apache.flink.client.program.ProgramInvocationException;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.rest.messages.ClusterConfigurationInfoHeaders;
import org.apache.flink.runtime.rest.messages.ConfigurationInfoEntry;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobExceptionsHeaders;
import org.apache.flink.runtime.rest.messages.JobExceptionsInfoWithHistory;
import org.apache.flink.runtime.rest.messages.JobMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatisticsHeaders;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.messages.job.JobExceptionsMessageParameters;
import org.apache.flink.runtime.rest.messages.job.metrics.JobMetricsHeaders;
import org.apache.flink.runtime.rest.messages.job.metrics.JobMetricsMessageParameters;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagerInfo;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagersHeaders;
import org.apache.flink.runtime.rest.util.RestClientException;

/**
 * A Flink session cluster seen through Flink's own client ({@link RestClusterClient}): job
 * submission the way {@code flink run -m host:port JAR ARGS} does it, plus the job and cluster
 * status that {@code coedge cluster} shows, and cancellation.
 *
 * <p>Submission runs the jar's main() here, in this JVM ({@link
 * PackagedProgramUtils#createJobGraph}, with the cluster's own configuration, as the JobManager
 * would), and sends the job graph with the jar to the cluster ({@code POST /jobs}); the job id is
 * known before anything is sent.
 */
public final class FlinkSession implements AutoCloseable {
    /**
     * Loaded from this JVM's classpath, not from the job jar, when the jar's main() runs here. The
     * launcher has the Kafka connector on its classpath (the local pipeline runs the job in a
     * MiniCluster), and {@code org.apache.flink.*} is always loaded parent-first: the jar's own
     * kafka-clients would not match the connector's (a LinkageError on the first connector call).
     * On the cluster the jar brings both (see {@link LaunchClasspath#forFlink}).
     */
    static final String KAFKA_CLIENTS = "org.apache.kafka.";

    private static final Duration CALL = Duration.ofSeconds(30);
    private static final Duration SUBMIT = Duration.ofMinutes(5);

    /** A job's state and the state of each of its vertices. */
    public record JobStatus(String id, String name, String state, Map<String, String> vertices) {
        public boolean isTerminal() {
            return Set.of("FAILED", "CANCELED", "FINISHED").contains(state);
        }

        /** RUNNING, with every vertex RUNNING too (tasks deployed, not just scheduled). */
        public boolean isFullyRunning() {
            return "RUNNING".equals(state)
                    && !vertices.isEmpty()
                    && vertices.values().stream().allMatch("RUNNING"::equals);
        }
    }

    /** {@code GET /overview}. */
    public record Overview(
            String flinkVersion, int taskManagers, int slotsTotal, int slotsAvailable) {}

    /** A failed call to the cluster: what was asked, and Flink's own error text. */
    public static final class FlinkException extends IOException {
        public FlinkException(String message) {
            super(message);
        }
    }

    private final String url;
    private final RestClusterClient<String> client;
    private final java.util.concurrent.atomic.AtomicBoolean closed =
            new java.util.concurrent.atomic.AtomicBoolean();

    private FlinkSession(String url, RestClusterClient<String> client) {
        this.url = url;
        this.client = client;
    }

    /** A client of the cluster whose REST API is at {@code restUrl} ({@code http://host:port}). */
    public static FlinkSession connect(String restUrl) throws IOException {
        URI uri = URI.create(restUrl);
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException(
                    "REST address " + restUrl + ": expected http://HOST:PORT");
        }
        Configuration conf = new Configuration();
        conf.set(RestOptions.ADDRESS, uri.getHost());
        conf.set(RestOptions.PORT, uri.getPort());
        conf.set(RestOptions.CONNECTION_TIMEOUT, Duration.ofSeconds(5));
        // A cluster that is down is reported at once (the client's default retries 20 times, 1 s
        // apart).
        conf.set(RestOptions.RETRY_MAX_ATTEMPTS, 1);
        conf.set(RestOptions.RETRY_DELAY, Duration.ofMillis(200));
        try {
            return new FlinkSession(
                    restUrl, new RestClusterClient<>(conf, "coedge-" + uri.getPort()));
        } catch (Exception e) {
            throw new IOException(
                    "cannot create a Flink client for " + restUrl + ": " + e.getMessage(), e);
        }
    }

    public String url() {
        return url;
    }

    /**
     * {@code flink run}: runs {@code entryClass} of the jar here to build the job graph, then
     * uploads it and the jar. Returns the job id.
     *
     * @param progress one line per step, for people
     */
    public String submit(
            Path jar, String entryClass, List<String> programArgs, Consumer<String> progress)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException(
                    "job jar "
                            + jar
                            + " not found; build it with `mvn -pl jobs -am package -DskipTests` "
                            + "(or run ./coedge once)");
        }
        Configuration cluster = clusterConfiguration();
        Configuration program = new Configuration(cluster);
        List<String> parentFirst =
                new ArrayList<>(
                        program.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL));
        parentFirst.add(KAFKA_CLIENTS);
        program.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL, parentFirst);
        JobID jobId = new JobID();
        progress.accept(
                "running "
                        + entryClass
                        + " "
                        + String.join(" ", programArgs)
                        + " to build the job graph");
        JobGraph graph;
        try (PackagedProgram packaged =
                PackagedProgram.newBuilder()
                        .setJarFile(jar.toFile())
                        .setEntryPointClassName(entryClass)
                        .setArguments(programArgs.toArray(String[]::new))
                        .setConfiguration(program)
                        .build()) {
            graph =
                    PackagedProgramUtils.createJobGraph(
                            packaged,
                            cluster,
                            cluster.get(CoreOptions.DEFAULT_PARALLELISM),
                            jobId,
                            false);
        } catch (ProgramInvocationException e) {
            // The exception's own message lists the classpath and the program's output; the cause
            // says what failed.
            throw new FlinkException(
                    entryClass
                            + " in "
                            + jar
                            + " did not build a job: "
                            + (e.getCause() != null ? causes(e.getCause()) : causes(e)));
        }
        progress.accept(
                String.format(
                        "uploading job %s (%s) and %s (%d MB) to %s...",
                        jobId, graph.getName(), jar.getFileName(), Files.size(jar) >> 20, url));
        return await("POST /jobs", client.submitJob(graph), SUBMIT).toHexString();
    }

    /**
     * {@code GET /jobmanager/config}: what the JobManager runs with, the configuration a jar's
     * main() gets on the cluster too. Values Flink hides (secrets) are left out.
     */
    public Configuration clusterConfiguration() throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        for (ConfigurationInfoEntry e :
                await(
                        "GET /jobmanager/config",
                        client.sendRequest(
                                ClusterConfigurationInfoHeaders.getInstance(),
                                EmptyMessageParameters.getInstance(),
                                EmptyRequestBody.getInstance()),
                        CALL)) {
            if (!GlobalConfiguration.HIDDEN_CONTENT.equals(e.getValue())) {
                entries.put(e.getKey(), e.getValue());
            }
        }
        return Configuration.fromMap(entries);
    }

    /** {@code GET /jobs/{id}}. */
    public JobStatus status(String jobId) throws IOException {
        JobDetailsInfo job =
                await("GET /jobs/" + jobId, client.getJobDetails(JobID.fromHexString(jobId)), CALL);
        Map<String, String> vertices = new LinkedHashMap<>();
        for (JobDetailsInfo.JobVertexDetailsInfo v : job.getJobVertexInfos()) {
            vertices.put(v.getName(), v.getExecutionState().name());
        }
        return new JobStatus(jobId, job.getName(), job.getJobStatus().name(), vertices);
    }

    /**
     * Polls until every vertex of the job runs. Fails with the job's root exception when it reaches
     * a terminal state first.
     */
    public JobStatus awaitRunning(String jobId, Duration timeout)
            throws IOException, InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        JobStatus last = null;
        while (System.nanoTime() < until) {
            last = status(jobId);
            if (last.isFullyRunning()) {
                return last;
            }
            if (last.isTerminal()) {
                throw new FlinkException(
                        "job " + jobId + " is " + last.state() + ": " + rootException(jobId));
            }
            Thread.sleep(250);
        }
        throw new FlinkException(
                "job " + jobId + " not running within " + timeout.toSeconds() + " s: " + last);
    }

    /** The first line of the job's most recent root exception, or "none". */
    public String rootException(String jobId) throws IOException {
        JobExceptionsMessageParameters params = new JobExceptionsMessageParameters();
        params.jobPathParameter.resolve(JobID.fromHexString(jobId));
        JobExceptionsInfoWithHistory ex =
                await(
                        "GET /jobs/" + jobId + "/exceptions",
                        client.sendRequest(
                                JobExceptionsHeaders.getInstance(),
                                params,
                                EmptyRequestBody.getInstance()),
                        CALL);
        var entries = ex.getExceptionHistory().getEntries();
        String text =
                entries.isEmpty() || entries.get(0).getStacktrace() == null
                        ? ""
                        : entries.get(0).getStacktrace();
        return text.isBlank() ? "none" : text.lines().findFirst().orElse(text);
    }

    /** How often the job restarted (its {@code numRestarts} metric; 0 before the first report). */
    public long restarts(String jobId) throws IOException {
        JobMetricsMessageParameters params = new JobMetricsMessageParameters();
        params.jobPathParameter.resolve(JobID.fromHexString(jobId));
        params.metricsFilterParameter.resolve(List.of("numRestarts"));
        var metrics =
                await(
                                "GET /jobs/" + jobId + "/metrics",
                                client.sendRequest(
                                        JobMetricsHeaders.getInstance(),
                                        params,
                                        EmptyRequestBody.getInstance()),
                                CALL)
                        .getMetrics();
        return metrics.stream()
                .filter(m -> m.getValue() != null)
                .mapToLong(m -> (long) Double.parseDouble(m.getValue()))
                .findFirst()
                .orElse(0);
    }

    /** Whether the job's current run started from a checkpoint (it restarted, or was restored). */
    public boolean restoredFromCheckpoint(String jobId) throws IOException {
        JobMessageParameters params = new JobMessageParameters();
        params.jobPathParameter.resolve(JobID.fromHexString(jobId));
        return await(
                                "GET /jobs/" + jobId + "/checkpoints",
                                client.sendRequest(
                                        CheckpointingStatisticsHeaders.getInstance(),
                                        params,
                                        EmptyRequestBody.getInstance()),
                                CALL)
                        .getLatestCheckpoints()
                        .getRestoredCheckpointStatistics()
                != null;
    }

    /** {@code PATCH /jobs/{id}?mode=cancel}. */
    public void cancel(String jobId) throws IOException {
        await("cancel of job " + jobId, client.cancel(JobID.fromHexString(jobId)), CALL);
    }

    /** Resource ids of the registered TaskManagers ({@code GET /taskmanagers}). */
    public List<String> taskManagers() throws IOException {
        return await(
                        "GET /taskmanagers",
                        client.sendRequest(
                                TaskManagersHeaders.getInstance(),
                                EmptyMessageParameters.getInstance(),
                                EmptyRequestBody.getInstance()),
                        CALL)
                .getTaskManagerInfos()
                .stream()
                .map(TaskManagerInfo::getResourceId)
                .map(Object::toString)
                .toList();
    }

    public Overview overview() throws IOException {
        var o = await("GET /overview", client.getClusterOverview(), CALL);
        return new Overview(
                o.getVersion(),
                o.getNumTaskManagersConnected(),
                o.getNumSlotsTotal(),
                o.getNumSlotsAvailable());
    }

    /** Every job the cluster knows: id, name, state; no vertices. */
    public List<JobStatus> jobs() throws IOException {
        return await("GET /jobs/overview", client.listJobs(), CALL).stream()
                .map(
                        j ->
                                new JobStatus(
                                        j.getJobId().toHexString(),
                                        j.getJobName(),
                                        j.getJobState().name(),
                                        Map.of()))
                .toList();
    }

    /** Whether the REST endpoint answers at all. */
    public boolean isUp() {
        try {
            overview();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private <T> T await(String what, CompletableFuture<T> future, Duration timeout)
            throws IOException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(what + " interrupted");
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new FlinkException(
                    what + " to " + url + " got no answer within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw failure(what, e.getCause());
        }
    }

    private FlinkException failure(String what, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return new FlinkException(
                        "no Flink cluster answers at " + url + " (is it up? `coedge cluster up`)");
            }
            if (t instanceof RestClientException rest) {
                return new FlinkException(
                        what
                                + " answered "
                                + rest.getHttpResponseStatus().code()
                                + ": "
                                + firstLines(rest.getMessage()));
            }
        }
        return new FlinkException(what + " failed: " + causes(e));
    }

    /** The messages of an exception and its causes, without repeats. */
    static String causes(Throwable e) {
        List<String> out = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m =
                    t.getMessage() == null
                            ? t.getClass().getSimpleName()
                            : firstLines(t.getMessage());
            if (!m.isBlank() && out.stream().noneMatch(o -> o.contains(m))) {
                out.add(m);
            }
        }
        return String.join(": ", out);
    }

    /** Flink's error text without the server-side stack trace. */
    private static String firstLines(String text) {
        return String.join(
                " | ",
                text.lines()
                        .map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("at ") && !l.startsWith("..."))
                        .limit(6)
                        .toList());
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            client.close();
        }
    }
}
