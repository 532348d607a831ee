package io.coedge.deploy;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the TaskManagers and sidecars of a {@code coedge cluster up} running, as Kubernetes keeps a
 * pod's containers: one that exits (crash, OOM, {@code kill -9}) is started again with the command
 * line recorded in the state file, after an exponential back-off (1 s, doubling to 30 s; reset once
 * the process has stayed up for a minute). A sidecar comes back on its ports; a TaskManager comes
 * back under a new resource id ({@code <node>-r<n>}, as {@link LocalCluster#startTaskManager} names
 * replacements) and registers at the JobManager, whose restart strategy then recovers the job. Each
 * restart is logged with the exit code or signal and the attempt number and recorded in the state
 * file (new PID), so {@code cluster down} still stops everything; a process that keeps exiting
 * before it has been up for a minute is reported as a crash loop with its log's last lines.
 *
 * <p>{@code cluster up} returns once the cluster is ready, so supervision cannot live in it: it
 * runs in its own detached process, {@code coedge cluster supervise}, which {@code up} starts and
 * which records itself in the state file (role {@value #ROLE}); {@code down} stops it first ({@link
 * #stopSupervisors}), then everything else. The processes {@code up} started are not children of
 * the supervisor: their exit status cannot be read (it is logged as unknown); the ones the
 * supervisor starts itself are its children and their exit code or signal is logged.
 */
public final class ProcessSupervisor implements AutoCloseable {
    public static final String ROLE = "supervisor";
    public static final String NAME = "supervisor";

    private static final Duration POLL = Duration.ofMillis(250);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /**
     * When to restart.
     *
     * @param initial delay before the first restart
     * @param max the delay doubles up to this
     * @param stable a process up this long counts as healthy again: the next exit starts the
     *     back-off anew
     * @param crashLoop from this many restarts in a row (none of them stable) on, each restart is
     *     reported as a crash loop
     */
    public record Backoff(Duration initial, Duration max, Duration stable, int crashLoop) {
        public static final Backoff DEFAULT =
                new Backoff(
                        Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60), 5);

        /** The delay before restart number {@code attempt} (1-based) of a row. */
        public Duration delay(int attempt) {
            if (attempt < 1) {
                throw new IllegalArgumentException("attempt " + attempt + " < 1");
            }
            Duration d = initial;
            for (int i = 1; i < attempt && d.compareTo(max) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(max) > 0 ? max : d;
        }
    }

    /** One supervised TaskManager or sidecar. */
    private static final class Slot {
        ClusterState.Proc proc;
        Process child; // null for a process `up` started (not ours)
        long startedNanos;
        boolean ready = true;
        int attempt; // restarts in a row without a stable period
        long restartAtNanos = -1;
        long deadNoticedNanos;

        Slot(ClusterState.Proc proc) {
            this.proc = proc;
            this.startedNanos = System.nanoTime();
        }
    }

    private final Path dir;
    private final Backoff backoff;
    private final PrintStream log;
    private final List<Slot> slots = new ArrayList<>();
    private final Map<String, Integer> incarnations = new LinkedHashMap<>();
    private final Object lock = new Object();
    private final java.util.Set<String> reported = new java.util.HashSet<>();
    private volatile boolean closing;
    private FlinkSession rest;

    private ProcessSupervisor(Path dir, Backoff backoff, PrintStream log) {
        this.dir = dir;
        this.backoff = backoff;
        this.log = log;
    }

    /**
     * Starts {@code coedge cluster supervise --dir <dir>} as a detached process (its output in
     * {@code <dir>/logs/supervisor.log}) and waits until it has recorded itself in the state file.
     *
     * @return its record
     */
    public static ClusterState.Proc launch(ClusterSpec spec, Duration timeout)
            throws IOException, InterruptedException {
        Path logFile = spec.dir().resolve("logs").resolve("supervisor.log");
        ChildProcess p =
                ChildProcess.startJava(
                        NAME,
                        spec.java(),
                        spec.dir(),
                        true,
                        List.of(),
                        spec.classpath(),
                        List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                        LocalCluster.CLI_MAIN,
                        List.of("cluster", "supervise", "--dir", spec.dir().toString()),
                        Map.of(),
                        logFile);
        long until = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<ClusterState.Proc> me =
                    ClusterState.read(spec.dir()).stream()
                            .flatMap(s -> s.processes().stream())
                            .filter(q -> q.role().equals(ROLE) && q.pid() == p.pid())
                            .findFirst();
            if (me.isPresent()) {
                return me.get();
            }
            p.checkAlive();
            if (System.nanoTime() > until) {
                ChildProcess.killTree(p.process.toHandle());
                throw new IOException(
                        "the supervisor did not start within "
                                + timeout.toSeconds()
                                + " s; log "
                                + logFile
                                + ":\n"
                                + p.tail(15));
            }
            Thread.sleep(100);
        }
    }

    /**
     * Stops the cluster's supervisor, if one runs, and waits until it has exited: from then on the
     * state file lists every process for good.
     */
    public static void stopSupervisors(
            Path dir, Duration grace, java.util.function.Consumer<String> progress)
            throws IOException {
        Optional<ClusterState> state = ClusterState.read(dir);
        if (state.isEmpty()) {
            return;
        }
        List<ProcessHandle> stopping = new ArrayList<>();
        for (ClusterState.Proc p : state.get().processes()) {
            if (p.role().equals(ROLE)) {
                p.handle()
                        .ifPresent(
                                h -> {
                                    progress.accept(
                                            "stopping " + p.name() + " (pid " + p.pid() + ")");
                                    // Only the supervisor: the processes it restarted are its
                                    // children, and `down` stops them in order, after it.
                                    h.destroy();
                                    stopping.add(h);
                                });
            }
        }
        ChildProcess.awaitExit(stopping, grace);
    }

    /**
     * Supervises the cluster recorded in {@code dir} in this thread until the state file is gone
     * (after {@code cluster down}) or this JVM is stopped; logs to {@code log}.
     */
    public static void run(Path dir, Backoff backoff, PrintStream log)
            throws IOException, InterruptedException {
        try (ProcessSupervisor s = new ProcessSupervisor(dir, backoff, log)) {
            Thread hook = new Thread(s::close, "coedge-supervisor-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            s.loop(true);
        }
    }

    /** A supervisor running on a thread of this JVM ({@link #inBackground}). */
    public static final class Background implements AutoCloseable {
        private final ProcessSupervisor supervisor;
        private final Thread thread;

        private Background(ProcessSupervisor supervisor, Thread thread) {
            this.supervisor = supervisor;
            this.thread = thread;
        }

        /** Stops supervising and waits for the thread: nothing is restarted once this returns. */
        @Override
        public void close() throws InterruptedException {
            supervisor.close();
            thread.interrupt();
            thread.join(10_000);
        }
    }

    /**
     * Supervises the cluster in {@code dir} from a daemon thread of this JVM, for a bench that
     * brought the cluster up itself and removes it when it ends ({@code bench policies --testbed}):
     * the same restarts as {@code cluster supervise}, logged to {@code log}, without recording
     * itself in the state file (the bench, not {@code cluster down}, ends it). Close it before the
     * cluster, so that nothing is restarted while the cluster stops.
     */
    public static Background inBackground(Path dir, Backoff backoff, PrintStream log) {
        ProcessSupervisor s = new ProcessSupervisor(dir, backoff, log);
        Thread t =
                new Thread(
                        () -> {
                            try {
                                s.loop(false);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } catch (IOException | RuntimeException e) {
                                s.say("supervision stopped: " + e);
                            }
                        },
                        "coedge-supervisor");
        t.setDaemon(true);
        t.start();
        return new Background(s, t);
    }

    private void loop(boolean recordSelf) throws IOException, InterruptedException {
        ClusterState state =
                ClusterState.read(dir)
                        .orElseThrow(
                                () ->
                                        new IOException(
                                                "no cluster is up (no "
                                                        + ClusterState.file(dir)
                                                        + ")"));
        for (ClusterState.Proc p : state.processes()) {
            if (p.role().equals(ROLE)
                    && p.handle().isPresent()
                    && p.pid() != ProcessHandle.current().pid()) {
                throw new IOException("a supervisor already runs (pid " + p.pid() + ")");
            }
        }
        if (recordSelf) {
            ProcessHandle me = ProcessHandle.current();
            ClusterState.Proc self =
                    new ClusterState.Proc(
                            NAME,
                            ROLE,
                            null,
                            me.pid(),
                            me.info()
                                    .startInstant()
                                    .map(Instant::toEpochMilli)
                                    .orElse(System.currentTimeMillis()),
                            dir.resolve("logs").resolve("supervisor.log").toString(),
                            null,
                            null);
            synchronized (lock) {
                state = state.replace(NAME, self);
                state.write(dir);
            }
        }
        rest = FlinkSession.connect(state.restUrl());
        for (ClusterState.Proc p : state.processes()) {
            boolean supervised = p.role().equals("taskmanager") || p.role().equals("sidecar");
            if (supervised && p.command() != null) {
                slots.add(new Slot(p));
                if (p.role().equals("taskmanager")) {
                    incarnations.merge(p.node(), incarnation(p), Math::max);
                }
            }
        }
        say(
                "supervising "
                        + slots.size()
                        + " processes ("
                        + String.join(", ", slots.stream().map(s -> s.proc.name()).toList())
                        + "); back-off "
                        + backoff.initial().toMillis() / 1000.0
                        + " s doubling to "
                        + backoff.max().toSeconds()
                        + " s, reset after "
                        + backoff.stable().toSeconds()
                        + " s up");
        while (!closing) {
            if (!Files.exists(ClusterState.file(dir))) {
                say(
                        "state file "
                                + ClusterState.file(dir)
                                + " is gone (cluster down): stopping supervision");
                return;
            }
            synchronized (lock) {
                if (closing) {
                    return;
                }
                for (Slot slot : slots) {
                    step(slot);
                }
                watchUnsupervised();
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private int incarnation(ClusterState.Proc tm) {
        String prefix = "taskmanager-" + tm.node() + "-r";
        return tm.name().startsWith(prefix)
                ? Integer.parseInt(tm.name().substring(prefix.length()))
                : 1;
    }

    private void step(Slot slot) throws InterruptedException {
        boolean alive = slot.child != null ? slot.child.isAlive() : slot.proc.handle().isPresent();
        long now = System.nanoTime();
        if (alive) {
            if (!slot.ready && isReady(slot.proc)) {
                slot.ready = true;
                say(
                        String.format(
                                "%s ready again (pid %d, restart %d): %.1f s after the exit was noticed",
                                slot.proc.name(),
                                slot.proc.pid(),
                                slot.proc.restarts(),
                                (now - slot.deadNoticedNanos) / 1e9));
            }
            if (slot.attempt > 0
                    && slot.ready
                    && now - slot.startedNanos > backoff.stable().toNanos()) {
                say(
                        slot.proc.name()
                                + " stable for "
                                + backoff.stable().toSeconds()
                                + " s: back-off reset");
                slot.attempt = 0;
            }
            return;
        }
        if (slot.restartAtNanos < 0) {
            slot.attempt++;
            slot.deadNoticedNanos = now;
            Duration delay = backoff.delay(slot.attempt);
            slot.restartAtNanos = now + delay.toNanos();
            String line =
                    slot.proc.name()
                            + " (pid "
                            + slot.proc.pid()
                            + ") "
                            + exit(slot)
                            + "; restart attempt "
                            + slot.attempt
                            + " in "
                            + seconds(delay);
            if (slot.attempt >= backoff.crashLoop()) {
                line +=
                        " -- CRASH LOOP: exited "
                                + slot.attempt
                                + " times in a row without staying up "
                                + backoff.stable().toSeconds()
                                + " s; last lines of "
                                + slot.proc.log()
                                + ":\n"
                                + tail(Path.of(slot.proc.log()), 10);
            }
            say(line);
            return;
        }
        if (now >= slot.restartAtNanos) {
            restart(slot);
        }
    }

    private void restart(Slot slot) {
        ClusterState.Proc old = slot.proc;
        List<String> command = new ArrayList<>(old.command());
        String name = old.name();
        String log = old.log();
        if (old.role().equals("taskmanager")) {
            // A new resource id: the JobManager tells the replacement from the lost one at once.
            int n = incarnations.merge(old.node(), 1, Integer::sum);
            String resourceId = old.node() + "-r" + n;
            name = "taskmanager-" + resourceId;
            log = dir.resolve("logs").resolve(name + ".log").toString();
            String logFile = log;
            command.replaceAll(a -> a.startsWith("-Dlog.file=") ? "-Dlog.file=" + logFile : a);
            command.removeIf(a -> a.startsWith("-D" + RESOURCE_ID + "="));
            command.add("-D" + RESOURCE_ID + "=" + resourceId);
        }
        Path out =
                old.role().equals("taskmanager")
                        ? dir.resolve("logs").resolve(name + ".out")
                        : Path.of(log);
        int restarts = (old.restarts() == null ? 0 : old.restarts()) + 1;
        try {
            ChildProcess p =
                    ChildProcess.start(
                            name,
                            command,
                            dir,
                            true,
                            old.env() == null ? Map.of() : old.env(),
                            out);
            ClusterState.Proc now =
                    new ClusterState.Proc(
                            name,
                            old.role(),
                            old.node(),
                            p.pid(),
                            p.startedEpochMs,
                            log,
                            old.port(),
                            old.metricsPort(),
                            command,
                            old.env(),
                            restarts);
            ClusterState state = ClusterState.read(dir).orElse(null);
            if (state == null) {
                // `down` ran meanwhile: do not leave this one behind.
                ChildProcess.killTree(p.process.toHandle());
                closing = true;
                return;
            }
            state.replace(old.name(), now).write(dir);
            slot.proc = now;
            slot.child = p.process;
            slot.startedNanos = System.nanoTime();
            slot.ready = false;
            slot.restartAtNanos = -1;
            say(
                    "restarted "
                            + old.name()
                            + (name.equals(old.name()) ? "" : " as " + name)
                            + ": pid "
                            + p.pid()
                            + " (restart "
                            + restarts
                            + ", attempt "
                            + slot.attempt
                            + " in a row); log "
                            + log);
        } catch (IOException e) {
            Duration delay = backoff.delay(++slot.attempt);
            slot.restartAtNanos = System.nanoTime() + delay.toNanos();
            say(
                    "could not restart "
                            + old.name()
                            + ": "
                            + e.getMessage()
                            + "; next attempt in "
                            + seconds(delay));
        }
    }

    /** The JobManager and Kafka are not restarted: say once that one has gone. */
    private void watchUnsupervised() throws IOException {
        for (ClusterState.Proc p :
                ClusterState.read(dir).map(ClusterState::processes).orElse(List.of())) {
            boolean other = p.role().equals("jobmanager") || p.role().equals("kafka");
            if (other && p.handle().isEmpty() && reported.add(p.name())) {
                say(
                        p.name()
                                + " (pid "
                                + p.pid()
                                + ") is not running; it is not restarted (only TaskManagers and sidecars are): `coedge cluster down` and `up` again");
            }
        }
    }

    static final String RESOURCE_ID = "taskmanager.resource-id";

    /**
     * A sidecar answers 200 on its health endpoint; a TaskManager is registered at the JobManager.
     */
    private boolean isReady(ClusterState.Proc p) throws InterruptedException {
        if (p.role().equals("sidecar")) {
            try {
                return HTTP.send(
                                        HttpRequest.newBuilder(
                                                        URI.create(
                                                                "http://127.0.0.1:"
                                                                        + p.metricsPort()
                                                                        + "/v2/health/ready"))
                                                .timeout(Duration.ofSeconds(2))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (IOException e) {
                return false;
            }
        }
        try {
            return rest.taskManagers().contains(p.name().substring("taskmanager-".length()));
        } catch (IOException e) {
            return false;
        }
    }

    /** What is known of how a process ended. */
    private static String exit(Slot slot) {
        if (slot.child == null) {
            return "exited (exit status unknown: started by `cluster up`, not a child of the supervisor)";
        }
        int code = slot.child.exitValue();
        // Java reports death by signal N as 128 + N.
        if (code > 128 && code < 128 + 65) {
            int signal = code - 128;
            return "was killed by signal "
                    + signal
                    + signalName(signal)
                    + " (exit code "
                    + code
                    + ")";
        }
        return "exited with code " + code;
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 1 -> " (SIGHUP)";
            case 2 -> " (SIGINT)";
            case 6 -> " (SIGABRT)";
            case 9 -> " (SIGKILL)";
            case 11 -> " (SIGSEGV)";
            case 15 -> " (SIGTERM)";
            default -> "";
        };
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all =
                    Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1);
            return "    "
                    + String.join(
                            "\n    ", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "    (log unreadable: " + e.getMessage() + ")";
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    private void say(String line) {
        log.println(Instant.now() + " " + line);
        log.flush();
    }

    /** Stops supervising (the JVM is stopping); the processes keep running for {@code down}. */
    @Override
    public void close() {
        closing = true;
        synchronized (lock) {
            if (rest != null) {
                rest.close();
                rest = null;
            }
        }
    }
}
