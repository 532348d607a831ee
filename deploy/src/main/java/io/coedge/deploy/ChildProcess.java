package io.coedge.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** A Java child process whose stdout and stderr go to one log file. */
final class ChildProcess {
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    final String name;
    final Process process;
    final Path log;
    final long startedEpochMs;

    /** The {@code java ...} command line (without {@code setsid}), to start it again. */
    final List<String> command;

    /** Environment variables set on top of the launcher's. */
    final Map<String, String> env;

    /**
     * Where this process's output starts in its log: logs are appended to, so an earlier run's
     * lines (its Kafka address, its "ready") must not be taken for this one's.
     */
    private final long logStart;

    /**
     * Where the process logs beyond its output, if anywhere (a Flink process's log4j file: its
     * {@code .out} holds only what the JVM prints, and why it exited is in the other).
     */
    private volatile Path detailLog;

    private ChildProcess(
            String name,
            Process process,
            Path log,
            long logStart,
            List<String> command,
            Map<String, String> env) {
        this.name = name;
        this.logStart = logStart;
        this.process = process;
        this.log = log;
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.startedEpochMs =
                process.info()
                        .startInstant()
                        .map(java.time.Instant::toEpochMilli)
                        .orElse(System.currentTimeMillis());
    }

    /**
     * Starts {@code prefix java jvmOptions -cp classpath mainClass args} as the cluster {@code
     * spec} says; the prefix (a testbed's {@code ip netns exec}) execs, so the PID is the java's.
     */
    static ChildProcess startJava(
            String name,
            ClusterSpec spec,
            List<String> prefix,
            List<String> classpath,
            List<String> jvmOptions,
            String mainClass,
            List<String> args,
            Map<String, String> env,
            Path log)
            throws IOException {
        return startJava(
                name,
                spec.java(),
                spec.dir(),
                spec.detach(),
                prefix,
                classpath,
                jvmOptions,
                mainClass,
                args,
                env,
                log);
    }

    /**
     * Starts {@code java jvmOptions -cp classpath mainClass args}.
     *
     * @param workDir the child's working folder; null for this process's
     * @param detach in a new session, so the child survives the launcher, its Ctrl-C and its
     *     terminal
     * @param prefix a command that execs the rest (a testbed's {@code ip netns exec NS}); empty for
     *     none
     */
    static ChildProcess startJava(
            String name,
            String javaExe,
            Path workDir,
            boolean detach,
            List<String> prefix,
            List<String> classpath,
            List<String> jvmOptions,
            String mainClass,
            List<String> args,
            Map<String, String> env,
            Path log)
            throws IOException {
        // The prefix belongs to the command: a restart (ProcessSupervisor) runs it again as
        // recorded,
        // in the same namespace.
        List<String> javaCommand = new ArrayList<>(prefix);
        javaCommand.add(javaExe);
        javaCommand.addAll(jvmOptions);
        javaCommand.add("-cp");
        javaCommand.add(String.join(File.pathSeparator, classpath));
        javaCommand.add(mainClass);
        javaCommand.addAll(args);
        return start(name, javaCommand, workDir, detach, env, log);
    }

    /**
     * Starts a command line, stdout and stderr appended to {@code log}.
     *
     * @param detach in a new session (see {@link #startJava})
     */
    static ChildProcess start(
            String name,
            List<String> javaCommand,
            Path workDir,
            boolean detach,
            Map<String, String> env,
            Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        if (detach && Files.isExecutable(SETSID)) {
            // setsid execs in place (a ProcessBuilder child never leads its group), so the PID
            // stays the java's.
            command.add(SETSID.toString());
        }
        command.addAll(javaCommand);
        Files.createDirectories(log.getParent());
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        Files.writeString(
                log,
                "# " + String.join(" ", command) + "\n",
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().putAll(env);
        return new ChildProcess(name, pb.start(), log, logStart, javaCommand, env);
    }

    long pid() {
        return process.pid();
    }

    /** Waits until a line of the log matches, failing early when the process dies. */
    String awaitLogLine(Predicate<String> ready, Duration timeout)
            throws IOException, InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            Optional<String> line = readLog().stream().filter(ready).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            checkAlive();
            Thread.sleep(200);
        }
        throw new IOException(
                name
                        + " was not ready within "
                        + timeout.toSeconds()
                        + " s; log "
                        + log
                        + ":\n"
                        + tail(15));
    }

    void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw new IOException(
                    name
                            + " exited with code "
                            + process.exitValue()
                            + "; log "
                            + log
                            + ":\n"
                            + tail(25)
                            + detailTail(25));
        }
    }

    /** The file the process logs to beyond its output; quoted when it exits early. */
    void detailLog(Path file) {
        this.detailLog = file;
    }

    /** The last lines of the detail log, headed by its name; empty without one. */
    private String detailTail(int lines) {
        Path file = detailLog;
        if (file == null || !Files.exists(file)) {
            return "";
        }
        try {
            return "\nlog "
                    + file
                    + ":\n"
                    + lastLines(Files.readAllLines(file, StandardCharsets.ISO_8859_1), lines);
        } catch (IOException e) {
            return "\nlog " + file + " unreadable: " + e.getMessage();
        }
    }

    /** This process's lines of its log (not those of earlier runs appended to the same file). */
    private List<String> readLog() throws IOException {
        if (!Files.exists(log)) {
            return List.of();
        }
        byte[] all = Files.readAllBytes(log);
        int from = (int) Math.min(logStart, all.length);
        return new String(all, from, all.length - from, StandardCharsets.ISO_8859_1)
                .lines()
                .toList();
    }

    /** The last lines of the log, for error messages. */
    String tail(int lines) {
        try {
            return lastLines(readLog(), lines);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** The last {@code lines} of {@code all}, joined by newlines. */
    private static String lastLines(List<String> all, int lines) {
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** SIGTERM to a process and its descendants (children first); returns them all. */
    static List<ProcessHandle> terminateTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(root);
        all.forEach(ProcessHandle::destroy);
        return all;
    }

    /** SIGKILL to a process and its descendants. */
    static void killTree(ProcessHandle root) {
        root.descendants().forEach(ProcessHandle::destroyForcibly);
        root.destroyForcibly();
    }

    /** Waits for the processes to exit; kills those still alive after {@code grace}. */
    static void awaitExit(List<ProcessHandle> processes, Duration grace) {
        long until = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : processes) {
            long left = until - System.nanoTime();
            try {
                if (left > 0) {
                    h.onExit().get(left, java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            } catch (Exception e) {
                // Timed out or interrupted: killed below.
            }
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }
}
