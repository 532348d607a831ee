package io.coedge.benchmarks;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.catalog.LinkSpec;
import io.coedge.catalog.NodeSpec;
import io.coedge.catalog.TaskSpec;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.JobArguments;
import io.coedge.deploy.testbed.Testbed;
import io.coedge.deploy.testbed.TestbedState;
import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import io.coedge.topics.TopicsConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * {@code coedge bench live-link --testbed}: one job on the testbed while links change under it. The
 * testbed comes up from a catalog ({@code cluster up --testbed}), one coedge/coedge job runs with
 * one camera producer per origin node in the node's namespace, and at {@code dropAt} after the
 * cameras' first frame the given links (both directions) are shaped down; at {@code restoreAt} they
 * get the catalog's bandwidth back; the cameras stop at {@code duration}. A {@link LiveLinkProbe}
 * in the backbone follows the frames, results and dead letters while it runs.
 *
 * <p>Per frame it keeps its capture and dispatch times, the node that ran (or shed) it and its
 * outcome; the moves of each task are where consecutive frames of the task (in dispatch order) ran
 * on different nodes: the results carry the executing node, and the dispatcher routes every frame
 * of a task to the task's assigned node, so that is where its assignment changes are visible. From
 * these, DMR per window of capture time and for each change the time until DMR is back under 10%
 * for good (three windows at least) and the moves per task until the next change ({@link
 * #analyse}).
 */
public final class LiveLinkBench {

    /** DMR under this is "back". */
    public static final double THRESHOLD = 0.10;

    /** Windows under the threshold that must follow for DMR to count as back. */
    public static final int STAY_WINDOWS = 3;

    /** A link to shape down: {@code A:B=MBPS}, both directions. */
    public record Drop(String a, String b, double mbps) {
        public static Drop parse(String spec) {
            int colon = spec.indexOf(':');
            int eq = spec.indexOf('=');
            if (colon <= 0 || eq < colon + 2 || eq == spec.length() - 1) {
                throw new IllegalArgumentException(
                        "--drop must be NODE:NODE=MBPS (e.g. edge-1:edge-2=5), was '" + spec + "'");
            }
            String a = spec.substring(0, colon).trim();
            String b = spec.substring(colon + 1, eq).trim();
            double mbps;
            try {
                mbps = Double.parseDouble(spec.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--drop " + spec + ": '" + spec.substring(eq + 1) + "' is not a number");
            }
            if (!(mbps > 0) || Double.isInfinite(mbps)) {
                throw new IllegalArgumentException(
                        "--drop " + spec + ": the bandwidth must be positive");
            }
            if (a.equals(b)) {
                throw new IllegalArgumentException(
                        "--drop " + spec + ": a link joins two different nodes");
            }
            return new Drop(a, b, mbps);
        }
    }

    /** A change of the testbed while the job runs, {@code atMs} after the cameras' first frame. */
    public record Change(long atMs, String kind, String what) {}

    /**
     * One frame: capture time (ms after the cameras' first frame), dispatch time (ms, same origin;
     * null when it never reached the dispatcher), the node that ran or shed it, and its outcome:
     * {@code ok}, {@code late}, {@code shed} (a DROPPED result), {@code error}, {@code dead} (a
     * dead letter) or {@code none} (no result).
     */
    public record FrameRecord(
            String id, String task, long captureMs, Long dispatchMs, String node, String outcome) {
        public boolean missed() {
            return !outcome.equals("ok");
        }
    }

    /** DMR over the frames captured in {@code [startMs, endMs)}; NaN without frames. */
    public record Window(long startMs, long endMs, Map<String, Long> outcomes, long frames) {
        public long missed() {
            return frames - outcomes.getOrDefault("ok", 0L);
        }

        public double dmr() {
            return frames == 0 ? Double.NaN : (double) missed() / frames;
        }
    }

    /** A task's frames changed node at {@code atMs} (the first frame dispatched to the new one). */
    public record Move(String task, String from, String to, long atMs) {}

    /**
     * What followed a change until the next one: the time until DMR was back under {@link
     * #THRESHOLD} for good (the end of the last window at or over it, provided {@link
     * #STAY_WINDOWS} windows under it follow before the next change; 0 when no window was over it;
     * -1 when it was not back in time), the highest window DMR, and the moves of each task.
     */
    public record ChangeRow(
            Change change,
            long untilMs,
            long recoveryMs,
            double peakDmr,
            int windowsOver,
            Map<String, Integer> movesPerTask) {
        public int maxMoves() {
            return movesPerTask.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        }
    }

    /** Totals of a run: every frame must end in exactly one result or one dead letter. */
    public record Totals(
            long frames,
            long results,
            long distinctResults,
            long deadLetters,
            long lost,
            long duplicates) {
        public boolean exactlyOne() {
            return lost == 0 && duplicates == 0;
        }
    }

    /** Everything a run reports. */
    public record Report(
            String catalog,
            String pair,
            long windowMs,
            long durationMs,
            Instant startedAt,
            List<Window> windows,
            List<Move> moves,
            List<ChangeRow> changes,
            Totals totals,
            Map<String, Map<String, Long>> framesByTaskAndNode,
            Map<String, Long> shedByReason) {}

    // ---------------------------------------------------------------------------------------
    // The computation (pure functions)

    /** Each frame's record from the frames seen, their results and dead letters. */
    static List<FrameRecord> frames(
            Map<String, Long> captureMs,
            Map<String, String> taskOfCamera,
            List<FrameResult> results,
            Set<String> dead,
            long t0) {
        Map<String, FrameResult> first = new HashMap<>();
        for (FrameResult r : results) {
            first.putIfAbsent(r.frameId(), r);
        }
        List<FrameRecord> out = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>(captureMs.keySet());
        ids.addAll(first.keySet());
        for (String id : ids) {
            FrameResult r = first.get(id);
            Long capture = captureMs.get(id);
            long at = (capture != null ? capture : r.captureTs()) - t0;
            if (r != null) {
                out.add(
                        new FrameRecord(
                                id,
                                r.task(),
                                r.captureTs() - t0,
                                r.dispatchTs() == null ? null : r.dispatchTs() - t0,
                                r.node(),
                                outcome(r.status())));
            } else {
                out.add(
                        new FrameRecord(
                                id,
                                taskOfCamera.getOrDefault(
                                        id.substring(0, Math.max(0, id.lastIndexOf('#'))), "-"),
                                at,
                                null,
                                null,
                                dead.contains(id) ? "dead" : "none"));
            }
        }
        out.sort(Comparator.comparingLong(FrameRecord::captureMs));
        return out;
    }

    static String outcome(FrameResult.Status status) {
        return switch (status) {
            case OK -> "ok";
            case LATE -> "late";
            case DROPPED -> "shed";
            case ERROR -> "error";
        };
    }

    /** The frames in windows of {@code windowMs} of capture time over {@code [0, durationMs)}. */
    public static List<Window> windows(List<FrameRecord> frames, long windowMs, long durationMs) {
        int n = (int) Math.max(1, (durationMs + windowMs - 1) / windowMs);
        List<Map<String, Long>> outcomes = new ArrayList<>();
        long[] counts = new long[n];
        for (int i = 0; i < n; i++) {
            outcomes.add(new TreeMap<>());
        }
        for (FrameRecord f : frames) {
            int i = (int) Math.min(n - 1, Math.max(0, f.captureMs() / windowMs));
            counts[i]++;
            outcomes.get(i).merge(f.outcome(), 1L, Long::sum);
        }
        List<Window> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Window(i * windowMs, (i + 1) * windowMs, outcomes.get(i), counts[i]));
        }
        return out;
    }

    /**
     * Every task's moves: in dispatch order, a frame that ran on another node than the task's
     * previous frame. Frames without a dispatch time or a node (dead letters, frames never
     * dispatched) are left out.
     */
    public static List<Move> moves(List<FrameRecord> frames) {
        Map<String, List<FrameRecord>> byTask = new TreeMap<>();
        for (FrameRecord f : frames) {
            if (f.dispatchMs() != null && f.node() != null) {
                byTask.computeIfAbsent(f.task(), t -> new ArrayList<>()).add(f);
            }
        }
        List<Move> out = new ArrayList<>();
        byTask.forEach(
                (task, list) -> {
                    list.sort(
                            Comparator.comparingLong(FrameRecord::dispatchMs)
                                    .thenComparingLong(FrameRecord::captureMs));
                    for (int i = 1; i < list.size(); i++) {
                        String was = list.get(i - 1).node();
                        String now = list.get(i).node();
                        if (!now.equals(was)) {
                            out.add(new Move(task, was, now, list.get(i).dispatchMs()));
                        }
                    }
                });
        out.sort(Comparator.comparingLong(Move::atMs));
        return out;
    }

    /**
     * For the run's start (a row at 0: the first plans) and each change: the interval until the
     * next change (or {@code durationMs}), the time until DMR is back under {@link #THRESHOLD} for
     * good, the highest window DMR, and the moves per task in the interval ({@code tasks}: every
     * task of the catalog, 0 when it did not move).
     */
    public static List<ChangeRow> changeRows(
            List<Change> changes,
            List<Window> windows,
            List<Move> moves,
            List<String> tasks,
            long durationMs) {
        List<Change> all = new ArrayList<>();
        all.add(new Change(0, "start", "cameras start, first plans"));
        all.addAll(changes);
        all.sort(Comparator.comparingLong(Change::atMs));
        List<ChangeRow> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Change c = all.get(i);
            long until = i + 1 < all.size() ? all.get(i + 1).atMs() : durationMs;
            Map<String, Integer> perTask = new TreeMap<>();
            tasks.forEach(t -> perTask.put(t, 0));
            for (Move m : moves) {
                if (m.atMs() >= c.atMs() && m.atMs() < until) {
                    perTask.merge(m.task(), 1, Integer::sum);
                }
            }
            double peak = Double.NaN;
            int over = 0;
            long lastOverEnd = -1;
            int underAfter = 0;
            boolean last = i + 1 == all.size();
            for (Window w : windows) {
                // the windows that end in (c, until]: a window straddling a change belongs to the
                // change it ends after (its frames are mostly that change's), so a drop's first
                // window does not count against the phase before it; the last phase keeps the
                // windows that end after the run's duration.
                if (w.endMs() <= c.atMs()
                        || (!last && w.endMs() > until)
                        || Double.isNaN(w.dmr())) {
                    continue;
                }
                peak = Double.isNaN(peak) ? w.dmr() : Math.max(peak, w.dmr());
                if (w.dmr() >= THRESHOLD) {
                    over++;
                    lastOverEnd = w.endMs();
                    underAfter = 0;
                } else {
                    underAfter++;
                }
            }
            long recovery;
            if (over == 0) {
                recovery = 0;
            } else if (underAfter >= STAY_WINDOWS) {
                recovery = Math.max(0, lastOverEnd - c.atMs());
            } else {
                recovery = -1;
            }
            out.add(new ChangeRow(c, until, recovery, peak, over, perTask));
        }
        return out;
    }

    /** Totals: frames, results (distinct), dead letters, frames with neither, duplicates. */
    static Totals totals(long framesSeen, List<FrameResult> results, Set<String> dead) {
        Set<String> distinct = new java.util.HashSet<>();
        long duplicates = 0;
        for (FrameResult r : results) {
            if (!distinct.add(r.frameId())) {
                duplicates++;
            }
        }
        long both = dead.stream().filter(distinct::contains).count();
        long ended = distinct.size() + dead.size() - both;
        return new Totals(
                framesSeen,
                results.size(),
                distinct.size(),
                dead.size(),
                Math.max(0, framesSeen - ended),
                duplicates + both);
    }

    /** The report from what the probe saw; {@code t0} is the cameras' first frame. */
    public static Report analyse(
            String catalog,
            String pair,
            List<String> tasks,
            Map<String, Long> captureMs,
            Map<String, String> taskOfCamera,
            List<FrameResult> results,
            Set<String> dead,
            long t0,
            List<Change> changes,
            long windowMs,
            long durationMs) {
        List<FrameRecord> frames = frames(captureMs, taskOfCamera, results, dead, t0);
        List<Window> windows = windows(frames, windowMs, durationMs);
        List<Move> moves = moves(frames);
        Map<String, Map<String, Long>> where = new TreeMap<>();
        for (FrameRecord f : frames) {
            where.computeIfAbsent(f.task(), t -> new TreeMap<>())
                    .merge(f.node() == null ? "-" : f.node(), 1L, Long::sum);
        }
        return new Report(
                catalog,
                pair,
                windowMs,
                durationMs,
                Instant.ofEpochMilli(t0),
                windows,
                moves,
                changeRows(changes, windows, moves, tasks, durationMs),
                totals(captureMs.size(), results, dead),
                where,
                shedByReason(results));
    }

    /**
     * The shed frames (DROPPED results, each frame once) by their reason's code, the part before
     * its first colon: {@code LINK_BACKLOG} at the origin's dispatcher, {@code
     * DEADLINE_UNREACHABLE} or {@code OVERLOAD_SHED} at a node, ...; "-" without a reason.
     */
    static Map<String, Long> shedByReason(List<FrameResult> results) {
        Map<String, Long> out = new TreeMap<>();
        Set<String> seen = new java.util.HashSet<>();
        for (FrameResult r : results) {
            if (seen.add(r.frameId()) && r.status() == FrameResult.Status.DROPPED) {
                String reason = r.reason();
                int colon = reason == null ? -1 : reason.indexOf(':');
                out.merge(
                        reason == null ? "-" : colon < 0 ? reason : reason.substring(0, colon),
                        1L,
                        Long::sum);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------
    // The report files

    /** One line per window: its time, frames, outcomes and DMR. */
    public static String csv(Report report) {
        StringBuilder sb =
                new StringBuilder(
                        "window_start_s,window_end_s,frames,ok,late,shed,error,dead,none,dmr\n");
        for (Window w : report.windows()) {
            Map<String, Long> o = w.outcomes();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%.1f,%.1f,%d,%d,%d,%d,%d,%d,%d,%s%n",
                            w.startMs() / 1000.0,
                            w.endMs() / 1000.0,
                            w.frames(),
                            o.getOrDefault("ok", 0L),
                            o.getOrDefault("late", 0L),
                            o.getOrDefault("shed", 0L),
                            o.getOrDefault("error", 0L),
                            o.getOrDefault("dead", 0L),
                            o.getOrDefault("none", 0L),
                            Double.isNaN(w.dmr())
                                    ? ""
                                    : String.format(Locale.ROOT, "%.4f", w.dmr())));
        }
        return sb.toString();
    }

    /** The two figures per change, the moves and the totals. */
    public static String markdown(Report report) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Live link change on the testbed\n\n");
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Catalog `%s`, %s, cameras from %s for %.0f s, DMR per %.1f s window of"
                                + " capture time; back = under %.0f%% from the end of the last"
                                + " window at or over it, with at least %d windows under it"
                                + " before the next change.%n%n",
                        report.catalog(),
                        report.pair(),
                        report.startedAt(),
                        report.durationMs() / 1000.0,
                        report.windowMs() / 1000.0,
                        THRESHOLD * 100,
                        STAY_WINDOWS));
        sb.append(
                "| change | at s | until s | back under 10% after s | peak window DMR |"
                        + " windows >= 10% | moves per task | max moves per task |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (ChangeRow r : report.changes()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %.1f | %.1f | %s | %s | %d | %s | %d |%n",
                            r.change().kind() + ": " + r.change().what(),
                            r.change().atMs() / 1000.0,
                            r.untilMs() / 1000.0,
                            r.recoveryMs() < 0
                                    ? "not back"
                                    : String.format(Locale.ROOT, "%.1f", r.recoveryMs() / 1000.0),
                            Double.isNaN(r.peakDmr()) ? "-" : PipelineBench.percent(r.peakDmr()),
                            r.windowsOver(),
                            r.movesPerTask().toString(),
                            r.maxMoves()));
        }
        Totals t = report.totals();
        long ok = 0;
        long all = 0;
        for (Window w : report.windows()) {
            ok += w.outcomes().getOrDefault("ok", 0L);
            all += w.frames();
        }
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nTotals: %d frames, %d results (%d distinct), %d dead letters, %d"
                                + " without either, %d duplicated; exactly one result or dead"
                                + " letter per frame: **%s**. DMR over the run %s.%n%n",
                        t.frames(),
                        t.results(),
                        t.distinctResults(),
                        t.deadLetters(),
                        t.lost(),
                        t.duplicates(),
                        t.exactlyOne() ? "yes" : "no",
                        all == 0 ? "-" : PipelineBench.percent((double) (all - ok) / all)));
        sb.append("Where each task's frames ran: ")
                .append(report.framesByTaskAndNode())
                .append("\n\n");
        sb.append("Shed frames by reason: ")
                .append(report.shedByReason().isEmpty() ? "none" : report.shedByReason())
                .append("\n\n");
        sb.append("Moves (first frame dispatched to the new node):\n\n");
        if (report.moves().isEmpty()) {
            sb.append("- none\n");
        }
        for (Move m : report.moves()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "- %.1f s: %s %s -> %s%n",
                            m.atMs() / 1000.0,
                            m.task(),
                            m.from(),
                            m.to()));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------
    // The run

    private final Path work;
    private final Path jobJar;
    private final Consumer<String> progress;
    private final TestbedJobs jobs;

    /**
     * @param models the sidecars' model repository; generated models when it is empty
     * @param cliMain the CLI's main class, run in the nodes' namespaces as {@code coedge produce}
     */
    public LiveLinkBench(
            Path work, Path models, Path jobJar, String cliMain, Consumer<String> progress) {
        this.work = work;
        this.jobJar = jobJar;
        this.progress = progress;
        this.jobs = new TestbedJobs(models, cliMain, progress);
    }

    /** What a run is asked to do. */
    public record Plan(
            Path catalog,
            String dispatch,
            String batch,
            List<Drop> drops,
            Duration dropAt,
            Duration restoreAt,
            Duration duration,
            Duration window,
            Path images) {
        public Plan {
            drops = List.copyOf(drops);
            if (drops.isEmpty()) {
                throw new IllegalArgumentException("give at least one --drop NODE:NODE=MBPS");
            }
            if (window.toMillis() <= 0) {
                throw new IllegalArgumentException("--window must be positive");
            }
            if (dropAt.isNegative()
                    || restoreAt.compareTo(dropAt) <= 0
                    || duration.compareTo(restoreAt) <= 0) {
                throw new IllegalArgumentException(
                        "times must be 0 <= --drop-at < --restore-at < --duration, were "
                                + dropAt.toSeconds()
                                + " s, "
                                + restoreAt.toSeconds()
                                + " s, "
                                + duration.toSeconds()
                                + " s");
            }
        }
    }

    /**
     * Brings the testbed up, runs the job with the plan's changes and returns the report; the
     * testbed and every process started are removed on every path (an exception, Ctrl-C).
     */
    public Report run(Plan plan) throws Exception {
        Testbed.checkPrivileges();
        if (!Files.isRegularFile(jobJar)) {
            throw new IOException("no job jar at " + jobJar + " (mvn -pl jobs -am package)");
        }
        Catalog catalog = CatalogText.read(plan.catalog()).parse();
        List<String> nodes = catalog.nodes().stream().map(NodeSpec::id).toList();
        for (Drop d : plan.drops()) {
            for (String n : List.of(d.a(), d.b())) {
                if (!nodes.contains(n)) {
                    throw new IllegalArgumentException(
                            "--drop names node '"
                                    + n
                                    + "', which the catalog does not have (nodes: "
                                    + String.join(", ", nodes)
                                    + ")");
                }
            }
        }
        Path dir = Files.createDirectories(work.resolve("live-link"));
        return jobs.onTestbed(
                catalog,
                plan.catalog(),
                dir,
                "coedge-live-link-stop",
                (c, testbed) ->
                        runJob(
                                plan,
                                catalog,
                                nodes,
                                testbed,
                                c.state().kafkaBootstrap(),
                                c.session()));
    }

    /** What the probe has reported so far. */
    private static final class Seen {
        final Map<String, Long> captureMs = new LinkedHashMap<>();
        final List<FrameResult> results = new ArrayList<>();
        final Set<String> dead = new LinkedHashSet<>();
        boolean ended;
    }

    private Report runJob(
            Plan plan,
            Catalog catalog,
            List<String> nodes,
            TestbedState testbed,
            String kafka,
            FlinkSession rest)
            throws Exception {
        Path logs = work.resolve("live-link").resolve("logs");
        TopicsConfig topics = TopicsConfig.prefixed("live", nodes.size());
        long maxDeadline =
                catalog.tasks().stream().mapToLong(TaskSpec::deadlineMs).max().orElse(1000);
        TestbedJobs.Probe probe =
                jobs.startProbe(
                        testbed,
                        LiveLinkProbe.class,
                        kafka,
                        "live",
                        nodes,
                        maxDeadline,
                        logs.resolve("probe.log"));
        String catalogFile = plan.catalog().toAbsolutePath().toString();
        String jobId =
                rest.submit(
                        jobJar,
                        JobArguments.ENTRY_CLASS,
                        TestbedJobs.jobArgs(
                                catalogFile,
                                kafka,
                                plan.dispatch(),
                                plan.batch(),
                                topics,
                                "coedge-live-link"),
                        m -> {});
        Seen seen = new Seen();
        List<Change> changes = new ArrayList<>();
        long t0;
        try {
            rest.awaitRunning(jobId, Duration.ofMinutes(2));
            progress.accept("job " + jobId + " running; waiting for every node to report healthy");
            probe.expect("healthy");
            Thread reader = follow(probe.out(), seen);
            List<Process> producers =
                    jobs.startCameras(
                            testbed,
                            catalog,
                            catalogFile,
                            plan.duration(),
                            1,
                            kafka,
                            topics,
                            plan.images(),
                            origin -> logs.resolve("produce-" + origin + ".log"));
            progress.accept(
                    "cameras started on "
                            + String.join(", ", TestbedJobs.origins(catalog))
                            + "; waiting for the first frame");
            t0 = awaitFirstFrame(seen, Duration.ofMinutes(3));
            long dropAt = t0 + plan.dropAt().toMillis();
            long restoreAt = t0 + plan.restoreAt().toMillis();
            long endAt = t0 + plan.duration().toMillis();
            tick(seen, t0, dropAt, plan.window().toMillis(), changes);
            for (Drop d : plan.drops()) {
                Testbed.setLink(testbed, d.a(), d.b(), d.mbps(), null);
                Testbed.setLink(testbed, d.b(), d.a(), d.mbps(), null);
            }
            String dropped = describe(plan.drops(), null);
            changes.add(new Change(System.currentTimeMillis() - t0, "drop", dropped));
            progress.accept(
                    String.format(
                            Locale.ROOT,
                            "t=%.1f s: dropped %s",
                            (System.currentTimeMillis() - t0) / 1000.0,
                            dropped));
            tick(seen, t0, restoreAt, plan.window().toMillis(), changes);
            for (Drop d : plan.drops()) {
                Testbed.setLink(testbed, d.a(), d.b(), catalogMbps(catalog, d.a(), d.b()), null);
                Testbed.setLink(testbed, d.b(), d.a(), catalogMbps(catalog, d.b(), d.a()), null);
            }
            String restored = describe(plan.drops(), catalog);
            changes.add(new Change(System.currentTimeMillis() - t0, "restore", restored));
            progress.accept(
                    String.format(
                            Locale.ROOT,
                            "t=%.1f s: restored %s",
                            (System.currentTimeMillis() - t0) / 1000.0,
                            restored));
            tick(seen, t0, endAt, plan.window().toMillis(), changes);
            TestbedJobs.awaitCameras(producers, 180, logs);
            progress.accept("cameras done; reading the last results");
            probe.done();
            reader.join(Duration.ofMillis(maxDeadline).toMillis() + 120_000);
            synchronized (seen) {
                if (!seen.ended) {
                    throw new IOException(
                            "the Kafka probe in the backbone ended early (see " + logs + ")");
                }
            }
        } finally {
            probe.process().destroy();
            jobs.cancel(rest, jobId);
        }
        synchronized (seen) {
            return analyse(
                    plan.catalog().toString(),
                    plan.dispatch() + "/" + plan.batch(),
                    catalog.tasks().stream().map(TaskSpec::id).toList(),
                    seen.captureMs,
                    taskOfCamera(catalog),
                    seen.results,
                    seen.dead,
                    t0,
                    changes,
                    plan.window().toMillis(),
                    plan.duration().toMillis());
        }
    }

    static Map<String, String> taskOfCamera(Catalog catalog) {
        Map<String, String> out = new HashMap<>();
        for (TaskSpec t : catalog.tasks()) {
            t.cameras().forEach(c -> out.put(c, t.id()));
        }
        return out;
    }

    private static String describe(List<Drop> drops, Catalog catalog) {
        List<String> parts = new ArrayList<>();
        for (Drop d : drops) {
            double mbps = catalog == null ? d.mbps() : catalogMbps(catalog, d.a(), d.b());
            parts.add(d.a() + "<->" + d.b() + " " + TestbedSweep.format(mbps) + " Mbit/s");
        }
        return String.join(", ", parts);
    }

    /** The catalog's bandwidth from {@code a} to {@code b}. */
    static double catalogMbps(Catalog catalog, String a, String b) {
        for (LinkSpec l : catalog.links()) {
            if (l.from().equals(a) && l.to().equals(b)) {
                return l.bandwidthMbps();
            }
        }
        throw new IllegalArgumentException("no link " + a + " -> " + b + " in the catalog");
    }

    /** Reads the probe's lines into {@code seen} until its {@code end}. */
    private Thread follow(BufferedReader out, Seen seen) {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                String line;
                                while ((line = out.readLine()) != null) {
                                    if (line.equals("end")) {
                                        synchronized (seen) {
                                            seen.ended = true;
                                        }
                                        return;
                                    }
                                    take(line, seen);
                                }
                            } catch (IOException e) {
                                // the probe was stopped
                            }
                        },
                        "coedge-live-link-probe");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void take(String line, Seen seen) throws IOException {
        synchronized (seen) {
            if (line.startsWith("frame ")) {
                String[] f = line.split(" ");
                seen.captureMs.put(f[1], Long.parseLong(f[2]));
            } else if (line.startsWith("result ")) {
                FrameResult r =
                        ResultCodec.fromJson(line.substring(7).getBytes(StandardCharsets.UTF_8));
                seen.results.add(r);
            } else if (line.startsWith("dead ")) {
                seen.dead.add(line.substring(5).trim());
            }
        }
    }

    private static long awaitFirstFrame(Seen seen, Duration timeout)
            throws IOException, InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            synchronized (seen) {
                if (!seen.captureMs.isEmpty()) {
                    return seen.captureMs.values().stream()
                            .mapToLong(Long::longValue)
                            .min()
                            .getAsLong();
                }
            }
            Thread.sleep(100);
        }
        throw new IOException("no frame reached Kafka within " + timeout.toSeconds() + " s");
    }

    /** Waits until {@code untilMs}, with a progress line every 10 s: frames, results, DMR. */
    private void tick(Seen seen, long t0, long untilMs, long windowMs, List<Change> changes)
            throws InterruptedException {
        long next = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < untilMs) {
            Thread.sleep(Math.max(1, Math.min(untilMs, next) - System.currentTimeMillis()));
            if (System.currentTimeMillis() >= next && System.currentTimeMillis() < untilMs) {
                next += 10_000;
                long now = System.currentTimeMillis() - t0;
                synchronized (seen) {
                    // the last complete window whose frames have had their deadline's time
                    long from = Math.max(0, now - 2_000 - windowMs);
                    long frames = 0;
                    long ok = 0;
                    for (FrameResult r : seen.results) {
                        long at = r.captureTs() - t0;
                        if (at >= from && at < from + windowMs) {
                            frames++;
                            ok += r.status() == FrameResult.Status.OK ? 1 : 0;
                        }
                    }
                    progress.accept(
                            String.format(
                                    Locale.ROOT,
                                    "t=%.0f s: %d frames, %d results so far; DMR of the results"
                                            + " captured at %.0f-%.0f s: %s",
                                    now / 1000.0,
                                    seen.captureMs.size(),
                                    seen.results.size(),
                                    from / 1000.0,
                                    (from + windowMs) / 1000.0,
                                    frames == 0
                                            ? "-"
                                            : PipelineBench.percent(
                                                    (double) (frames - ok) / frames)));
                }
            }
        }
    }

    /**
     * JPEGs of noise of {@code width} x {@code height} (400x300: about 74 KB, the size of a
     * 2560x1440 camera frame, but cheap to decode), for {@code produce --images}.
     */
    public static Path noiseImages(Path dir, int width, int height) throws IOException {
        Files.createDirectories(dir);
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < 3; i++) {
            Path file = dir.resolve("noise-" + i + ".jpg");
            if (Files.isRegularFile(file)) {
                continue;
            }
            java.awt.image.BufferedImage image =
                    new java.awt.image.BufferedImage(
                            width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    image.setRGB(x, y, random.nextInt(1 << 24));
                }
            }
            javax.imageio.ImageIO.write(image, "jpg", file.toFile());
        }
        return dir;
    }
}
