package io.coedge.scheduler.sim;

import io.coedge.scheduler.batch.BatchDecision;
import io.coedge.scheduler.batch.BatchPolicy;
import io.coedge.scheduler.batch.ModelQueues;
import io.coedge.scheduler.dispatch.DispatchPolicy;
import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.LatencyProfile;
import io.coedge.scheduler.model.Link;
import io.coedge.scheduler.model.NodeProfile;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Discrete-event simulator for one scenario and one (dispatch, batch) pair. Deterministic for the
 * scenario seed: every camera draws its jitter from its own {@link SplittableRandom} split from the
 * seed (so all policy pairs see the very same frames) and execution noise comes from another split.
 * Simulated time starts at 0 and is in microseconds; no wall clock is read.
 *
 * <p>A frame is captured, routed by the current assignment, shipped over the origin-&gt;node link if
 * it runs elsewhere (FIFO per link: it starts serialising when the link is free, then takes
 * size/bandwidth + latency), queued at the node by deadline, and handed to the batch policy, which is
 * asked whenever a frame arrives at an idle accelerator, the accelerator finishes, or a requested
 * timer fires. After the scenario duration no new frames are captured and the run drains, so every
 * frame ends OK, LATE or DROPPED.
 *
 * <p>Policies plan with the noise model's worst case (the load-stretched profile x (1 + execNoise) x
 * the slow-run factor), a p99-style estimate; the profile itself is the typical run. With {@link
 * Scenario#shedWhileBusy()} a frame that arrives while its node is busy also asks the policy at once,
 * with the running batch's predicted end by the typical and by the pessimistic estimate as the free
 * times, and only shed decisions apply then (what the Flink batcher does).
 *
 * <p>Hot-path state lives in primitive arrays: a binary-heap event queue of packed long keys, frame
 * slots recycled through a free list, and one deadline-ordered int heap per (node, model).
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

    /** All mutable state of one run. */
    private final class Run {
        private final ProgressListener progress;
        private final int nodes;
        private final int models;
        private final int tasks;
        private final List<NodeProfile> nodeProfiles;
        private final List<Link> links;
        private final List<Task> taskList;

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

        private final EventQueue events = new EventQueue(1024);
        private final Frames frames = new Frames(1024);

        private final SlotHeap[][] queues;
        private final NodeQueues[] views;
        private final LatencyProfile[] actual;
        private final List<List<LatencyProfile>> planning = new ArrayList<>();
        private final boolean[] busy;
        /** When the running batch of each node ends by the typical and by the pessimistic estimate. */
        private final long[] typicalEnd;
        private final long[] worstEnd;
        private final int[][] running;
        private final int[] runningCount;
        private final long[] busyMicros;
        private final long[] timerAt;

        private final long[] linkBandwidth;
        private final long[] linkLatency;
        private final long[] linkFree;

        private Topology topology;
        private Assignment assignment;
        private final int[] route;
        private int replans;
        private int moves;

        private long generated;
        private long ok;
        private long late;
        private long dropped;
        private final LatencyHistogram latency = new LatencyHistogram();
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

            queues = new SlotHeap[nodes][models];
            views = new NodeQueues[nodes];
            for (int n = 0; n < nodes; n++) {
                for (int m = 0; m < models; m++) {
                    queues[n][m] = new SlotHeap(frames);
                }
                views[n] = new NodeQueues(queues[n]);
            }
            actual = new LatencyProfile[nodes * models];
            for (int n = 0; n < nodes; n++) {
                planning.add(null);
                refreshProfiles(n);
            }
            int maxBatch = 1;
            for (LatencyProfile p : actual) {
                if (p != null) {
                    maxBatch = Math.max(maxBatch, p.maxBatch());
                }
            }
            batchHistogram = new long[maxBatch + 1];
            busy = new boolean[nodes];
            typicalEnd = new long[nodes];
            worstEnd = new long[nodes];
            running = new int[nodes][maxBatch];
            runningCount = new int[nodes];
            busyMicros = new long[nodes];
            timerAt = new long[nodes];
            Arrays.fill(timerAt, -1);

            linkBandwidth = new long[nodes * nodes];
            linkLatency = new long[nodes * nodes];
            linkFree = new long[nodes * nodes];
            for (Link l : links) {
                int idx = topology.nodeIndex(l.from()) * nodes + topology.nodeIndex(l.to());
                linkBandwidth[idx] = l.bandwidthBitsPerSecond();
                linkLatency[idx] = l.latencyMicros();
            }
            route = new int[tasks];
        }

        private void refreshProfiles(int n) {
            NodeProfile np = nodeProfiles.get(n);
            LatencyProfile[] plan = new LatencyProfile[models];
            double worst = (1 + scenario.execNoise()) * scenario.execSlow().worstFactor();
            for (int m = 0; m < models; m++) {
                LatencyProfile eff = np.effectiveProfile(topology.models().get(m));
                actual[n * models + m] = eff;
                plan[m] = eff == null ? null : (worst == 1 ? eff : eff.scaled(worst));
            }
            planning.set(n, Collections.unmodifiableList(Arrays.asList(plan)));
        }

        SimResult execute() {
            assignment = dispatch.plan(topology, Assignment.EMPTY);
            Assignment initial = assignment;
            applyRoutes();
            for (int k = 0; k < camTask.length; k++) {
                double period = taskBasePeriod[camTask[k]];
                camNominal[k] = camRng[k].nextDouble() * period;
                events.push(captureTime(k), CAPTURE, k);
            }
            for (int i = 0; i < scenario.changes().size(); i++) {
                events.push(scenario.changes().get(i).atMicros(), CHANGE, i);
            }
            long duration = scenario.durationMicros();
            long step = Math.max(1, duration / 20);
            long nextReport = step;
            while (!events.isEmpty()) {
                long now = events.peekTime();
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
                    case CAPTURE -> capture(now, arg);
                    case ARRIVE -> arrive(now, arg);
                    case DONE -> done(now, arg);
                    case TIMER -> {
                        if (timerAt[arg] == now) {
                            timerAt[arg] = -1;
                            if (!busy[arg]) {
                                schedule(now, arg);
                            }
                        }
                    }
                    case CHANGE -> change(scenario.changes().get(arg));
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

        private void capture(long now, int k) {
            int t = camTask[k];
            generated++;
            int slot = frames.allocate();
            frames.capture[slot] = now;
            frames.deadline[slot] = now + taskDeadline[t];
            frames.task[slot] = t;
            int node = route[t];
            frames.node[slot] = node;
            int origin = taskOrigin[t];
            if (node == origin) {
                arrive(now, slot);
            } else {
                int l = origin * nodes + node;
                long start = Math.max(now, linkFree[l]);
                long serialise = (long) Math.ceil(taskBytes[t] * 8.0 * 1e6 / linkBandwidth[l]);
                linkFree[l] = start + serialise;
                events.push(start + serialise + linkLatency[l], ARRIVE, slot);
            }
            camNominal[k] += taskBasePeriod[t] / fpsScale[t];
            if (camNominal[k] < scenario.durationMicros()) {
                events.push(Math.max(now, captureTime(k)), CAPTURE, k);
            }
        }

        private void arrive(long now, int slot) {
            int node = frames.node[slot];
            frames.arrival[slot] = now;
            queues[node][taskModel[frames.task[slot]]].push(slot);
            if (!busy[node]) {
                schedule(now, node);
            } else if (scenario.shedWhileBusy()) {
                shedWhileBusy(now, node);
            }
        }

        /** While a batch runs: let the policy shed what it finds hopeless after it; nothing else happens. */
        private void shedWhileBusy(long now, int node) {
            while (true) {
                BatchDecision d = batch.decide(now, Math.max(now, typicalEnd[node]), Math.max(now, worstEnd[node]), views[node],
                        planning.get(node));
                if (!(d instanceof BatchDecision.Shed s)) {
                    return;
                }
                frames.free(queues[node][s.model()].pop());
                dropped++;
            }
        }

        private void schedule(long now, int node) {
            List<LatencyProfile> plan = planning.get(node);
            NodeQueues view = views[node];
            while (true) {
                BatchDecision d = batch.decide(now, now, now, view, plan);
                if (d instanceof BatchDecision.Shed s) {
                    int slot = queues[node][s.model()].pop();
                    dropped++;
                    frames.free(slot);
                    continue;
                }
                if (d instanceof BatchDecision.Run r) {
                    SlotHeap q = queues[node][r.model()];
                    int b = Math.min(r.batchSize(), q.size());
                    LatencyProfile p = actual[node * models + r.model()];
                    b = Math.min(b, p.maxBatch());
                    int[] run = running[node];
                    for (int i = 0; i < b; i++) {
                        run[i] = q.pop();
                    }
                    runningCount[node] = b;
                    double noise = scenario.execNoise() == 0 ? 1.0 : 1.0 + scenario.execNoise() * (noiseRng.nextDouble() * 2 - 1);
                    Scenario.SlowRuns slow = scenario.execSlow();
                    if (slow.share() > 0 && noiseRng.nextDouble() < slow.share()) {
                        noise *= slow.factor();
                    }
                    long exec = Math.max(1, Math.round(p.latencyMicros(b) * noise));
                    typicalEnd[node] = now + p.latencyMicros(b);
                    worstEnd[node] = now + plan.get(r.model()).latencyMicros(b);
                    busy[node] = true;
                    busyMicros[node] += exec;
                    batchHistogram[b]++;
                    events.push(now + exec, DONE, node);
                    return;
                }
                if (d instanceof BatchDecision.WaitUntil w) {
                    long at = Math.max(now + 1, w.timeMicros());
                    if (timerAt[node] != at) {
                        timerAt[node] = at;
                        events.push(at, TIMER, node);
                    }
                    return;
                }
                return;
            }
        }

        private void done(long now, int node) {
            int[] run = running[node];
            for (int i = 0; i < runningCount[node]; i++) {
                int slot = run[i];
                long lat = now - frames.capture[slot];
                latency.record(lat);
                if (now <= frames.deadline[slot]) {
                    ok++;
                } else {
                    late++;
                }
                frames.free(slot);
            }
            runningCount[node] = 0;
            busy[node] = false;
            schedule(now, node);
        }

        private void change(Scenario.Change c) {
            if (c instanceof Scenario.LinkChange lc) {
                for (int dir = 0; dir < (lc.bothWays() ? 2 : 1); dir++) {
                    String from = dir == 0 ? lc.from() : lc.to();
                    String to = dir == 0 ? lc.to() : lc.from();
                    for (int i = 0; i < links.size(); i++) {
                        Link l = links.get(i);
                        if (l.from().equals(from) && l.to().equals(to)) {
                            Link nl = new Link(from, to, lc.bandwidthBitsPerSecond() > 0 ? lc.bandwidthBitsPerSecond() : l.bandwidthBitsPerSecond(),
                                    lc.latencyMicros() >= 0 ? lc.latencyMicros() : l.latencyMicros());
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
                nodeProfiles.set(n, new NodeProfile(np.name(), np.profiles(), nc.load() >= 0 ? nc.load() : np.load(), nc.healthy()));
            } else if (c instanceof Scenario.TaskRateChange tc) {
                int t = topology.taskIndex(tc.task());
                fpsScale[t] = tc.fpsScale();
                Task base = scenario.tasks().get(t).task();
                taskList.set(t, base.withFps(base.fps() * tc.fpsScale()));
            }
            topology = new Topology(nodeProfiles, links, taskList);
            for (int n = 0; n < nodes; n++) {
                refreshProfiles(n);
            }
            Assignment next = dispatch.plan(topology, assignment);
            replans++;
            moves += next.movesFrom(assignment);
            assignment = next;
            applyRoutes();
        }

        private void applyRoutes() {
            for (int t = 0; t < tasks; t++) {
                int n = topology.nodeIndex(assignment.nodeOf(taskList.get(t).id()));
                if (n != taskOrigin[t] && linkBandwidth[taskOrigin[t] * nodes + n] == 0) {
                    throw new IllegalStateException(dispatch.name() + " placed task " + taskList.get(t).id()
                            + " on " + nodeProfiles.get(n).name() + ", unreachable from its origin");
                }
                if (actual[n * models + taskModel[t]] == null) {
                    throw new IllegalStateException(dispatch.name() + " placed task " + taskList.get(t).id()
                            + " on " + nodeProfiles.get(n).name() + ", which has no profile for model " + taskList.get(t).model());
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
                throw new IllegalStateException("frame accounting broken: generated " + generated + ", ok " + ok + ", late " + late
                        + ", dropped " + dropped + ", still held " + frames.inUse());
            }
            return new SimResult(scenario.name(), dispatch.name(), batch.name(), generated, ok, late, dropped,
                    latency.quantileMillis(0.50), latency.quantileMillis(0.95), latency.quantileMillis(0.99),
                    (ok + late) / seconds, ok / seconds, names, util, hist, initial, assignment, replans, moves, latency);
        }
    }

    /** Frame slots in parallel primitive arrays, recycled through a free list. */
    static final class Frames {
        long[] capture;
        long[] deadline;
        long[] arrival;
        int[] task;
        int[] node;
        private int[] free;
        private int freeCount;
        private int used;
        private int live;

        Frames(int capacity) {
            capture = new long[capacity];
            deadline = new long[capacity];
            arrival = new long[capacity];
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
                arrival = Arrays.copyOf(arrival, cap);
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

    /** Min-heap of frame slots by (deadline, slot). */
    static final class SlotHeap {
        private final Frames frames;
        private int[] heap = new int[16];
        private int size;

        SlotHeap(Frames frames) {
            this.frames = frames;
        }

        int size() {
            return size;
        }

        int peek() {
            return heap[0];
        }

        private boolean less(int a, int b) {
            long da = frames.deadline[a];
            long db = frames.deadline[b];
            return da < db || (da == db && a < b);
        }

        void push(int slot) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!less(slot, heap[parent])) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = slot;
        }

        int pop() {
            int top = heap[0];
            int last = heap[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                int right = child + 1;
                if (right < size && less(heap[right], heap[child])) {
                    child = right;
                }
                if (!less(heap[child], last)) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            if (size > 0) {
                heap[i] = last;
            }
            return top;
        }
    }

    /** The batch policy's view of one node's queues. */
    private static final class NodeQueues implements ModelQueues {
        private final SlotHeap[] heaps;

        NodeQueues(SlotHeap[] heaps) {
            this.heaps = heaps;
        }

        @Override
        public int modelCount() {
            return heaps.length;
        }

        @Override
        public int size(int model) {
            return heaps[model].size();
        }

        @Override
        public long headDeadline(int model) {
            SlotHeap h = heaps[model];
            return h.frames.deadline[h.peek()];
        }

        @Override
        public long headArrival(int model) {
            SlotHeap h = heaps[model];
            return h.frames.arrival[h.peek()];
        }
    }
}
