package io.coedge.scheduler.sim;

import io.coedge.scheduler.batch.BatchPolicy;
import io.coedge.scheduler.dispatch.DispatchPolicy;
import io.coedge.scheduler.dispatch.LinkGate;
import io.coedge.scheduler.dispatch.Replanner;
import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.Clock;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.Model;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import io.coedge.scheduler.node.Batch;
import io.coedge.scheduler.node.NodeActions;
import io.coedge.scheduler.node.NodeEngine;
import io.coedge.stats.Latencies;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Discrete-event simulator for one scenario and one (dispatch, batch) pair, running the very code
 * the Flink job runs: each node is a {@link NodeEngine} (the node batcher's engine) and the
 * dispatcher is a {@link Replanner} around the dispatch policy (the Flink dispatcher's rules).
 * Deterministic for the scenario seed: every camera draws its jitter from its own {@link
 * SplittableRandom} split from the seed (so all policy pairs see the very same frames) and
 * execution noise comes from another split. Simulated time starts at 0 and is in microseconds; no
 * wall clock is read.
 *
 * <p>A frame is captured, routed by the assignment in force, shipped over the origin-&gt;node link
 * if it runs elsewhere (FIFO per link, or per shared transmitter for links {@code sharedAs} one
 * name: it starts serialising when the transmitter is free, then takes size/bandwidth + latency;
 * one that would arrive after its deadline is shed at its origin instead, the dispatcher's {@link
 * LinkGate}), and handed to its node's engine. What the engine starts, the simulated node runs as
 * the pipeline does: the node's overhead before the call on its CPU, then the accelerator in FIFO
 * order (the engine keeps at most two batches there and sends the next just before the running one
 * ends), then the overhead after it; the completion goes back to the engine, which learns the
 * node's real overhead from it as the batcher does. After the scenario duration no new frames are
 * captured and the run drains, so every frame ends OK, LATE or DROPPED.
 *
 * <p>Each node's sidecar times its runs and reports, as the real one does, the median and p99 of
 * the last ten runs per batch size; every {@link Scenario.Pipeline#statusIntervalMicros()} each
 * node's engine reads them and the node reports its status: the typical profiles of its engine (the
 * sidecar's median, or its p99 scaled by what the node observed, plus the overhead it measured)
 * times its service factor ({@link io.coedge.scheduler.node.NodeEngine#planningProfile}) and its
 * health. Nodes on one {@link Scenario.Host} share its cores. The dispatcher re-plans on a status
 * when the {@link Replanner} says a plan is due (rate limit, health change, dwell), exactly as the
 * Flink dispatcher does; scenario changes are therefore seen at the next status, and several
 * changes at one time cost one re-plan. A moved task's queued frames finish where they are.
 */
public final class Simulator {

    private final Scenario scenario;
    private final DispatchPolicy dispatch;
    private final BatchPolicy batch;

    public Simulator(Scenario scenario, DispatchPolicy dispatch, BatchPolicy batch) {
        this.scenario = scenario;
        this.dispatch = dispatch;
        this.batch = batch;
    }

    public SimResult run() {
        return run(ProgressListener.NONE);
    }

    public SimResult run(ProgressListener progress) {
        return new Run(progress).execute();
    }

    private static final int CAPTURE = 0;
    private static final int ARRIVE = 1;
    private static final int DONE = 2;
    private static final int TIMER = 3;
    private static final int CHANGE = 4;
    private static final int STATUS = 5;
    private static final int READY = 6;
    private static final int EXEC_END = 7;

    /** All mutable state of one run. */
    private final class Run {
        private final ProgressListener progress;
        private final int nodes;
        private final int models;
        private final int tasks;
        private final List<NodeProfile> nodeProfiles;
        private final List<Link> links;
        private final List<Task> taskList;
        private final Map<String, String> originOfTask = new HashMap<>();

        private final int[] taskModel;
        private final int[] taskOrigin;
        private final long[] taskDeadline;
        private final long[] taskBytes;
        private final double[] taskBasePeriod;
        private final double[] fpsScale;
        private final long[] taskJitter;

        private final int[] camTask;
        private final double[] camNominal;
        private final SplittableRandom[] camRng;
        private final SplittableRandom noiseRng;

        /** Draws each frame's capture-to-dispatcher time when the pipeline gives measured ones. */
        private final SplittableRandom ingestRng;

        private final long[] ingestSamples;

        private final EventQueue events = new EventQueue(1024);
        private final Frames frames = new Frames(1024);

        /** The simulated time: the engines' clock. */
        private long now;

        private final NodeEngine[] engines;
        private final NodeActions[] actions;
        private final Scenario.Overhead[] overhead;
        private final LatencyProfile[] actual;

        /** What each node's sidecar measured of each model ([node * models + model]). */
        private final SidecarWindow[] windows;

        /**
         * The batch each node's accelerator runs (a pending index), or -1; batches waiting for it,
         * FIFO.
         */
        private final int[] running;

        private final java.util.ArrayDeque<Integer>[] accelQueue;

        /** Host index of each node, or -1 when the node has its accelerator to itself. */
        private final int[] hostOf;

        private final int[][] hostNodes;
        private final double[] hostCores;
        private final int[] hostActive;
        private final long[] hostSettled;
        private final long[] busyMicros;
        private final long[] timerAt;

        /** Batches in flight, by event argument, with their node; recycled through a free list. */
        private Batch[] pending = new Batch[64];

        private int[] pendingNode = new int[64];
        private int[] pendingFree = new int[64];

        /**
         * Work left of each pending batch, in microseconds of the accelerator to itself; its
         * expected end.
         */
        private double[] pendingWork = new double[64];

        private long[] pendingEnd = new long[64];
        private long[] pendingExecStart = new long[64];
        private int pendingFreeCount;
        private int pendingUsed;

        private final long[] linkBandwidth;
        private final long[] linkLatency;

        /** The origins' send queues, one per transmitter: the dispatcher's {@link LinkGate}. */
        private final LinkGate linkGate;

        /**
         * The transmitter each directed link sends on: its own, or the first link shared under its
         * name.
         */
        private final int[] linkSegment;

        private Topology topology;
        private final Replanner replanner;
        private Replanner.State replanState = Replanner.State.initial();
        private final Set<String> heard = new HashSet<>();
        private Assignment assignment = Assignment.EMPTY;
        private final int[] route;
        private int replans;
        private int moves;
        private final TimeSeries series;

        private long generated;
        private long ok;
        private long late;
        private long dropped;

        /** End-to-end latency of completed frames, microseconds. */
        private final Latencies latency = new Latencies();

        private final long[] batchHistogram;
        private long lastEventTime;

        Run(ProgressListener progress) {
            this.progress = progress;
            this.topology = scenario.topology();
            this.nodeProfiles = new ArrayList<>(topology.nodes());
            this.links = new ArrayList<>(topology.links());
            this.taskList = new ArrayList<>(topology.tasks());
            this.nodes = nodeProfiles.size();
            this.models = topology.models().size();
            this.tasks = taskList.size();
            SplittableRandom root = new SplittableRandom(scenario.seed());
            this.noiseRng = root.split();
            this.replanner = new Replanner(dispatch, scenario.pipeline().replan());

            taskModel = new int[tasks];
            taskOrigin = new int[tasks];
            taskDeadline = new long[tasks];
            taskBytes = new long[tasks];
            taskBasePeriod = new double[tasks];
            fpsScale = new double[tasks];
            taskJitter = new long[tasks];
            int cams = 0;
            for (int t = 0; t < tasks; t++) {
                Task task = taskList.get(t);
                taskModel[t] = topology.modelIndex(task.model());
                taskOrigin[t] = topology.nodeIndex(task.origin());
                taskDeadline[t] = task.deadlineMicros();
                taskBytes[t] = task.inputBytes();
                taskBasePeriod[t] = 1e6 / task.fps();
                fpsScale[t] = 1.0;
                taskJitter[t] = scenario.tasks().get(t).jitterMicros();
                originOfTask.put(task.id(), task.origin());
                cams += task.cameras();
            }
            camTask = new int[cams];
            camNominal = new double[cams];
            camRng = new SplittableRandom[cams];
            int k = 0;
            for (int t = 0; t < tasks; t++) {
                for (int c = 0; c < taskList.get(t).cameras(); c++) {
                    camTask[k] = t;
                    camRng[k] = root.split();
                    k++;
                }
            }
            ingestRng = root.split();
            ingestSamples =
                    scenario.pipeline().ingestSamplesMicros().stream()
                            .mapToLong(Long::longValue)
                            .toArray();

            actual = new LatencyProfile[nodes * models];
            windows = new SidecarWindow[nodes * models];
            engines = new NodeEngine[nodes];
            actions = new NodeActions[nodes];
            overhead = new Scenario.Overhead[nodes];
            int maxBatch = 1;
            Clock clock = () -> now;
            for (int n = 0; n < nodes; n++) {
                NodeProfile np = nodeProfiles.get(n);
                overhead[n] = scenario.pipeline().overheadOf(np.name());
                int[] sizes = new int[models];
                for (int m = 0; m < models; m++) {
                    LatencyProfile p = np.profiles().get(topology.models().get(m));
                    sizes[m] = p == null ? 1 : p.maxBatch();
                    maxBatch = Math.max(maxBatch, sizes[m]);
                    windows[n * models + m] = new SidecarWindow(sizes[m]);
                }
                Scenario.Overhead o = overhead[n];
                NodeEngine.Settings settings =
                        NodeEngine.Settings.defaults()
                                .withBounds(Integer.MAX_VALUE, Long.MAX_VALUE)
                                .withAllowances(
                                        o.batchMicros(), o.frameMicros() + o.postFrameMicros());
                engines[n] = new NodeEngine(batch, sizes, settings, clock);
                actions[n] = new Node(n);
                refreshProfiles(n);
            }
            batchHistogram = new long[maxBatch + 1];
            running = new int[nodes];
            Arrays.fill(running, -1);
            @SuppressWarnings("unchecked")
            java.util.ArrayDeque<Integer>[] q = new java.util.ArrayDeque[nodes];
            accelQueue = q;
            for (int n = 0; n < nodes; n++) {
                accelQueue[n] = new java.util.ArrayDeque<>();
            }
            hostOf = new int[nodes];
            Arrays.fill(hostOf, -1);
            List<Scenario.Host> hosts = scenario.pipeline().hosts();
            hostNodes = new int[hosts.size()][];
            hostCores = new double[hosts.size()];
            hostActive = new int[hosts.size()];
            hostSettled = new long[hosts.size()];
            for (int h = 0; h < hosts.size(); h++) {
                hostCores[h] = hosts.get(h).cores();
                hostNodes[h] =
                        hosts.get(h).nodes().stream().mapToInt(topology::nodeIndex).toArray();
                for (int n : hostNodes[h]) {
                    hostOf[n] = h;
                }
            }
            busyMicros = new long[nodes];
            timerAt = new long[nodes];
            Arrays.fill(timerAt, -1);

            linkBandwidth = new long[nodes * nodes];
            linkLatency = new long[nodes * nodes];
            linkGate = new LinkGate(nodes * nodes);
            linkSegment = new int[nodes * nodes];
            Map<String, Integer> shared = new HashMap<>();
            for (int i = 0; i < linkSegment.length; i++) {
                linkSegment[i] = i;
            }
            for (Link l : links) {
                int idx = topology.nodeIndex(l.from()) * nodes + topology.nodeIndex(l.to());
                linkBandwidth[idx] = l.bandwidthBitsPerSecond();
                linkLatency[idx] = l.latencyMicros();
                if (l.sharedAs() != null) {
                    Integer first = shared.putIfAbsent(l.sharedAs(), idx);
                    linkSegment[idx] = first == null ? idx : first;
                }
            }
            route = new int[tasks];
            series = new TimeSeries(scenario.durationMicros(), nodes);
        }

        /**
         * The node's real speed now (its profiles stretched by background load). Until the node's
         * sidecar has timed real runs of a model it reports what its warm-up measured: the profile
         * as its median and the profile x (1 + execNoise) as its p99; from then on what it
         * measured.
         */
        private void refreshProfiles(int n) {
            NodeProfile np = nodeProfiles.get(n);
            for (int m = 0; m < models; m++) {
                LatencyProfile eff = np.effectiveProfile(topology.models().get(m));
                actual[n * models + m] = eff;
                if (eff != null && windows[n * models + m].isEmpty()) {
                    double spread = 1 + scenario.execNoise();
                    engines[n].sidecarProfile(m, eff, spread == 1 ? eff : eff.scaled(spread));
                }
            }
        }

        /**
         * Each node's batcher reads its sidecar's latest profiles, as the Flink batcher does at
         * each status.
         */
        private void readSidecars() {
            for (int n = 0; n < nodes; n++) {
                for (int m = 0; m < models; m++) {
                    SidecarWindow w = windows[n * models + m];
                    LatencyProfile eff = actual[n * models + m];
                    if (eff != null && !w.isEmpty()) {
                        engines[n].sidecarProfile(
                                m, w.median(eff.maxBatch()), w.p99(eff.maxBatch()));
                    }
                }
            }
        }

        SimResult execute() {
            status();
            Assignment initial = assignment;
            for (int k = 0; k < camTask.length; k++) {
                double period = taskBasePeriod[camTask[k]];
                camNominal[k] = camRng[k].nextDouble() * period;
                events.push(captureTime(k), CAPTURE, k);
            }
            for (int i = 0; i < scenario.changes().size(); i++) {
                events.push(scenario.changes().get(i).atMicros(), CHANGE, i);
            }
            long duration = scenario.durationMicros();
            long interval = scenario.pipeline().statusIntervalMicros();
            if (interval < duration) {
                events.push(interval, STATUS, 0);
            }
            long step = Math.max(1, duration / 20);
            long nextReport = step;
            while (!events.isEmpty()) {
                now = events.peekTime();
                int type = events.peekType();
                int arg = events.peekArg();
                events.pop();
                lastEventTime = now;
                if (now >= nextReport) {
                    progress.update(Math.min(now, duration), duration, generated);
                    while (nextReport <= now) {
                        nextReport += step;
                    }
                }
                switch (type) {
                    case CAPTURE -> capture(arg);
                    case ARRIVE -> arrive(arg);
                    case DONE -> done(arg);
                    case READY -> ready(arg);
                    case EXEC_END -> {
                        if (pendingEnd[arg] == now) {
                            execEnded(arg);
                        }
                    }
                    case TIMER -> {
                        if (timerAt[arg] == now) {
                            timerAt[arg] = -1;
                            engines[arg].timerFired(actions[arg]);
                        }
                    }
                    case CHANGE -> change(scenario.changes().get(arg));
                    case STATUS -> {
                        status();
                        if (now + interval < duration) {
                            events.push(now + interval, STATUS, 0);
                        }
                    }
                    default -> throw new IllegalStateException("unknown event " + type);
                }
            }
            progress.update(duration, duration, generated);
            return result(initial);
        }

        private long captureTime(int k) {
            long jitter = taskJitter[camTask[k]];
            double j = jitter == 0 ? 0 : (camRng[k].nextDouble() * 2 - 1) * jitter;
            return Math.max(0, (long) (camNominal[k] + j));
        }

        private void capture(int k) {
            int t = camTask[k];
            generated++;
            int slot = frames.allocate();
            frames.capture[slot] = now;
            frames.deadline[slot] = now + taskDeadline[t];
            frames.task[slot] = t;
            int node = route[t];
            frames.node[slot] = node;
            int origin = taskOrigin[t];
            long ingest =
                    ingestSamples.length == 0
                            ? scenario.pipeline().ingestMicros()
                            : ingestSamples[ingestRng.nextInt(ingestSamples.length)];
            if (node == origin) {
                if (ingest == 0) {
                    arrive(slot);
                } else {
                    events.push(now + ingest, ARRIVE, slot);
                }
            } else {
                int l = origin * nodes + node;
                LinkGate.Verdict v =
                        linkGate.offer(
                                linkSegment[l],
                                now + ingest,
                                taskBytes[t],
                                linkBandwidth[l],
                                linkLatency[l],
                                frames.deadline[slot]);
                if (v.admitted()) {
                    events.push(v.arrivalMicros(), ARRIVE, slot);
                } else {
                    // Shed at its origin, as the Flink dispatcher does: it would arrive too late.
                    actions[origin].refuse(slot, taskModel[t], null);
                }
            }
            camNominal[k] += taskBasePeriod[t] / fpsScale[t];
            if (camNominal[k] < scenario.durationMicros()) {
                events.push(Math.max(now, captureTime(k)), CAPTURE, k);
            }
        }

        private void arrive(int slot) {
            int node = frames.node[slot];
            int t = frames.task[slot];
            engines[node].arrive(
                    slot, taskModel[t], frames.deadline[slot], taskBytes[t], actions[node]);
        }

        /**
         * The batch reached its node's accelerator: it runs now, or after the batches before it.
         */
        private void ready(int idx) {
            int n = pendingNode[idx];
            if (running[n] < 0) {
                begin(n, idx);
            } else {
                accelQueue[n].addLast(idx);
            }
        }

        private void begin(int n, int idx) {
            pendingExecStart[idx] = now;
            int h = hostOf[n];
            if (h < 0) {
                running[n] = idx;
                pendingEnd[idx] = now + (long) pendingWork[idx];
                events.push(pendingEnd[idx], EXEC_END, idx);
                return;
            }
            settle(h);
            running[n] = idx;
            hostActive[h]++;
            reschedule(h);
        }

        private void execEnded(int idx) {
            int n = pendingNode[idx];
            running[n] = -1;
            pendingEnd[idx] = -1;
            long exec = now - pendingExecStart[idx];
            busyMicros[n] += exec;
            windows[n * models + pending[idx].model()].record(pending[idx].size(), exec);
            series.busy(n, pendingExecStart[idx], exec);
            int h = hostOf[n];
            if (h >= 0) {
                settle(h);
                hostActive[h]--;
                reschedule(h);
            }
            long after = overhead[n].after(pending[idx].size());
            if (after == 0) {
                done(idx);
            } else {
                events.push(now + after, DONE, idx);
            }
            Integer next = accelQueue[n].pollFirst();
            if (next != null) {
                begin(n, next);
            }
        }

        /**
         * Processor sharing: the batches running on a host's nodes progress at min(1, cores /
         * running) each.
         */
        private void settle(int h) {
            double rate = hostActive[h] == 0 ? 1 : Math.min(1.0, hostCores[h] / hostActive[h]);
            long dt = now - hostSettled[h];
            for (int n : hostNodes[h]) {
                if (running[n] >= 0) {
                    pendingWork[running[n]] = Math.max(0, pendingWork[running[n]] - dt * rate);
                }
            }
            hostSettled[h] = now;
        }

        private void reschedule(int h) {
            double rate = hostActive[h] == 0 ? 1 : Math.min(1.0, hostCores[h] / hostActive[h]);
            for (int n : hostNodes[h]) {
                int idx = running[n];
                if (idx >= 0) {
                    pendingEnd[idx] = now + Math.max(0, (long) Math.ceil(pendingWork[idx] / rate));
                    events.push(pendingEnd[idx], EXEC_END, idx);
                }
            }
        }

        private void done(int idx) {
            Batch b = pending[idx];
            int node = pendingNode[idx];
            pending[idx] = null;
            pendingFree[pendingFreeCount++] = idx;
            for (long h : b.handles()) {
                int slot = (int) h;
                long lat = now - frames.capture[slot];
                latency.record(lat);
                boolean inTime = now <= frames.deadline[slot];
                if (inTime) {
                    ok++;
                } else {
                    late++;
                }
                series.frame(frames.capture[slot], inTime);
                frames.free(slot);
            }
            engines[node].finished(b, b.size(), true, actions[node]);
        }

        /** One node's side of the engine: what its actions do in simulated time. */
        private final class Node implements NodeActions {
            private final int n;

            Node(int n) {
                this.n = n;
            }

            @Override
            public void start(Batch b) {
                int size = b.size();
                LatencyProfile p = actual[n * models + b.model()];
                double noise =
                        scenario.execNoise() == 0
                                ? 1.0
                                : 1.0 + scenario.execNoise() * (noiseRng.nextDouble() * 2 - 1);
                Scenario.SlowRuns slow = scenario.execSlow();
                if (slow.share() > 0 && noiseRng.nextDouble() < slow.share()) {
                    noise *= slow.factor();
                }
                long exec = Math.max(1, Math.round(p.latencyMicros(size) * noise));
                batchHistogram[size]++;
                int idx = pendingFreeCount > 0 ? pendingFree[--pendingFreeCount] : pendingUsed++;
                if (idx == pending.length) {
                    int cap = idx * 2;
                    pending = Arrays.copyOf(pending, cap);
                    pendingNode = Arrays.copyOf(pendingNode, cap);
                    pendingFree = Arrays.copyOf(pendingFree, cap);
                    pendingWork = Arrays.copyOf(pendingWork, cap);
                    pendingEnd = Arrays.copyOf(pendingEnd, cap);
                    pendingExecStart = Arrays.copyOf(pendingExecStart, cap);
                }
                pending[idx] = b;
                pendingNode[idx] = n;
                pendingWork[idx] = exec;
                pendingEnd[idx] = -1;
                long before = overhead[n].before(size);
                if (before == 0) {
                    ready(idx);
                } else {
                    events.push(now + before, READY, idx);
                }
            }

            @Override
            public void shed(long handle, int model, Shed why) {
                drop((int) handle);
            }

            @Override
            public void refuse(long handle, int model, String reason) {
                drop((int) handle);
            }

            private void drop(int slot) {
                dropped++;
                series.frame(frames.capture[slot], false);
                frames.free(slot);
            }

            @Override
            public void timer(long atMicros) {
                long at = Math.max(now + 1, atMicros);
                if (timerAt[n] != at) {
                    timerAt[n] = at;
                    events.push(at, TIMER, n);
                }
            }
        }

        private void change(Scenario.Change c) {
            if (c instanceof Scenario.LinkChange lc) {
                for (int dir = 0; dir < (lc.bothWays() ? 2 : 1); dir++) {
                    String from = dir == 0 ? lc.from() : lc.to();
                    String to = dir == 0 ? lc.to() : lc.from();
                    for (int i = 0; i < links.size(); i++) {
                        Link l = links.get(i);
                        if (l.from().equals(from) && l.to().equals(to)) {
                            Link nl =
                                    l.with(
                                            lc.bandwidthBitsPerSecond() > 0
                                                    ? lc.bandwidthBitsPerSecond()
                                                    : l.bandwidthBitsPerSecond(),
                                            lc.latencyMicros() >= 0
                                                    ? lc.latencyMicros()
                                                    : l.latencyMicros());
                            links.set(i, nl);
                            int idx = topology.nodeIndex(from) * nodes + topology.nodeIndex(to);
                            linkBandwidth[idx] = nl.bandwidthBitsPerSecond();
                            linkLatency[idx] = nl.latencyMicros();
                        }
                    }
                }
            } else if (c instanceof Scenario.NodeChange nc) {
                int n = topology.nodeIndex(nc.node());
                NodeProfile np = nodeProfiles.get(n);
                nodeProfiles.set(
                        n,
                        new NodeProfile(
                                np.name(),
                                np.profiles(),
                                nc.load() >= 0 ? nc.load() : np.load(),
                                nc.healthy()));
                refreshProfiles(n);
            } else if (c instanceof Scenario.TaskRateChange tc) {
                int t = topology.taskIndex(tc.task());
                fpsScale[t] = tc.fpsScale();
                Task base = scenario.tasks().get(t).task();
                taskList.set(t, base.withFps(base.fps() * tc.fpsScale()));
            }
            topology = new Topology(nodeProfiles, links, taskList);
        }

        /**
         * Every node reports (what its engine plans with, its health) and the dispatcher re-plans
         * if the re-planner says a plan is due, as the Flink dispatcher does on the nodes'
         * statuses.
         */
        private void status() {
            readSidecars();
            List<NodeProfile> reported = new ArrayList<>(nodes);
            Set<String> overloaded = new HashSet<>();
            for (int n = 0; n < nodes; n++) {
                NodeProfile np = nodeProfiles.get(n);
                if (engines[n].overloaded()) {
                    overloaded.add(np.name());
                }
                Map<Model, LatencyProfile> profiles = new HashMap<>();
                for (int m = 0; m < models; m++) {
                    if (actual[n * models + m] != null) {
                        profiles.put(topology.models().get(m), engines[n].planningProfile(m));
                    }
                }
                reported.add(new NodeProfile(np.name(), profiles, 0, np.healthy()));
                heard.add(np.name());
            }
            Topology view = new Topology(reported, links, taskList);
            Replanner.Outcome outcome =
                    replanner.onStatus(replanState, view, originOfTask, heard, 0, now, overloaded);
            replanState = outcome.state();
            if (outcome.policyFailure() != null) {
                throw new IllegalStateException(
                        dispatch.name()
                                + " could not plan: "
                                + outcome.policyFailure().getMessage(),
                        outcome.policyFailure());
            }
            if (!outcome.planned()) {
                return;
            }
            if (replans++ > 0) {
                moves += outcome.moves().size();
            }
            for (Replanner.Move m : outcome.moves()) {
                series.move(now, m.task(), m.from(), m.to());
            }
            assignment = new Assignment(replanState.assignment());
            applyRoutes();
        }

        private void applyRoutes() {
            for (int t = 0; t < tasks; t++) {
                int n = topology.nodeIndex(assignment.nodeOf(taskList.get(t).id()));
                if (n != taskOrigin[t] && linkBandwidth[taskOrigin[t] * nodes + n] == 0) {
                    throw new IllegalStateException(
                            dispatch.name()
                                    + " placed task "
                                    + taskList.get(t).id()
                                    + " on "
                                    + nodeProfiles.get(n).name()
                                    + ", unreachable from its origin");
                }
                if (actual[n * models + taskModel[t]] == null) {
                    throw new IllegalStateException(
                            dispatch.name()
                                    + " placed task "
                                    + taskList.get(t).id()
                                    + " on "
                                    + nodeProfiles.get(n).name()
                                    + ", which has no profile for model "
                                    + taskList.get(t).model());
                }
                route[t] = n;
            }
        }

        private SimResult result(Assignment initial) {
            double seconds = scenario.durationMicros() / 1e6;
            long horizon = Math.max(scenario.durationMicros(), lastEventTime);
            List<Double> util = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int n = 0; n < nodes; n++) {
                util.add(horizon == 0 ? 0.0 : (double) busyMicros[n] / horizon);
                names.add(nodeProfiles.get(n).name());
            }
            List<Long> hist = new ArrayList<>();
            for (long h : batchHistogram) {
                hist.add(h);
            }
            if (ok + late + dropped != generated || frames.inUse() != 0) {
                throw new IllegalStateException(
                        "frame accounting broken: generated "
                                + generated
                                + ", ok "
                                + ok
                                + ", late "
                                + late
                                + ", dropped "
                                + dropped
                                + ", still held "
                                + frames.inUse());
            }
            return new SimResult(
                    scenario.name(),
                    dispatch.name(),
                    batch.name(),
                    generated,
                    ok,
                    late,
                    dropped,
                    latency.percentile(0.50) / 1000.0,
                    latency.percentile(0.95) / 1000.0,
                    latency.percentile(0.99) / 1000.0,
                    (ok + late) / seconds,
                    ok / seconds,
                    names,
                    util,
                    hist,
                    initial,
                    assignment,
                    Math.max(0, replans - 1),
                    moves,
                    latency,
                    series.build(names));
        }
    }

    /** Frame slots in parallel primitive arrays, recycled through a free list. */
    static final class Frames {
        long[] capture;
        long[] deadline;
        int[] task;
        int[] node;
        private int[] free;
        private int freeCount;
        private int used;
        private int live;

        Frames(int capacity) {
            capture = new long[capacity];
            deadline = new long[capacity];
            task = new int[capacity];
            node = new int[capacity];
            free = new int[capacity];
        }

        int allocate() {
            live++;
            if (freeCount > 0) {
                return free[--freeCount];
            }
            if (used == capture.length) {
                int cap = used * 2;
                capture = Arrays.copyOf(capture, cap);
                deadline = Arrays.copyOf(deadline, cap);
                task = Arrays.copyOf(task, cap);
                node = Arrays.copyOf(node, cap);
                free = Arrays.copyOf(free, cap);
            }
            return used++;
        }

        void free(int slot) {
            live--;
            free[freeCount++] = slot;
        }

        int inUse() {
            return live;
        }
    }
}
