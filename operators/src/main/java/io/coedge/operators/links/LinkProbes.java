package io.coedge.operators.links;

import io.coedge.format.NodeStatus.LinkStatus;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's link measurements (docs/ARCHITECTURE.md "Measured links"): a {@link LinkProbeServer}
 * on the node's own address, announced in its status, and rounds that every {@link
 * Settings#intervalMs}, to each peer that announced a probe address ({@link LinkPeers}), time a
 * warm-up payload (untimed: it empties a shaper's token bucket and opens TCP's window), then a
 * small and a large one, each until its one-byte answer; {@link LinkEstimate} turns the two times
 * into payload Mbit/s and a fixed part. A round costs {@code warmup + small + large} bytes per peer
 * (176 KiB by default), and the next round to the peer waits at least {@link #DUTY_FACTOR} times as
 * long as the last one took, so probes take at most about 5% of a slow link's time. Each peer's
 * rounds keep their own schedule, on their own thread: a slow or stalled link (a round may take up
 * to {@link #FIRST_ROUND_DEADLINE_MS}) neither holds back nor spaces out the rounds to the others.
 * Rounds still take turns where they can (a round waits up to {@link #OVERLAP_WAIT_MS} for
 * another's to end), so links sharing an uplink are not measured against each other. A round that
 * does not finish within its deadline ({@link #roundDeadlineMs}) is ended, and what at most got
 * through in that time becomes the link's newest round ({@link LinkEstimate#atMost}): a link too
 * congested for a probe to cross is published as slow, not left at its last figure. Any other probe
 * error is no measurement, logged once per peer; nothing here fails the job.
 */
public final class LinkProbes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LinkProbes.class);

    /**
     * How often a node probes its links, milliseconds; 0 (the default) turns probing off. The
     * testbed sets 5000: there the links are real and shaped; on loopback (a MiniCluster, a plain
     * process cluster) they are not, and the catalog's links are the ones meant.
     */
    public static final ConfigOption<Long> INTERVAL_MS =
            ConfigOptions.key("coedge.link-probe.interval-ms").longType().defaultValue(0L);

    /** The large probe payload, bytes; the small one is an eighth of it. */
    public static final ConfigOption<Integer> LARGE_BYTES =
            ConfigOptions.key("coedge.link-probe.bytes").intType().defaultValue(128 << 10);

    /** The wait before a round that confirms a drop below what a link's frames need. */
    static final long CONFIRM_MS = 1_000;

    /** A round's link time times this is the least wait before the next round. */
    static final int DUTY_FACTOR = 10;

    /**
     * The duty cap never spaces rounds further apart than this (or the interval, if longer): a
     * round that could not finish publishes an upper bound, which behind a full queue can be a tiny
     * fraction of the link (0.13 Mbit/s on a 3 Mbit/s link), and ten times its link time spaced the
     * next round by 31 s, so a restored link went unseen for half a minute.
     */
    static final long MAX_DUTY_WAIT_MS = 10_000;

    /**
     * Untimed bytes first: more than a shaper's burst (tbf's 16 KiB on the testbed), so both timed
     * payloads start with an empty token bucket and an open TCP window.
     */
    static final int WARMUP_BYTES = 32 << 10;

    static final int MIN_LARGE_BYTES = 32 << 10;
    static final long TARGET_LARGE_MS = 100;
    static final int CONNECT_TIMEOUT_MS = 2_000;

    /**
     * How long a round waits for another peer's round to end before it runs beside it: longer than
     * a round on a working link takes (68-176 KiB: 0.6 s at 2 Mbit/s).
     */
    static final long OVERLAP_WAIT_MS = 2_000;

    /** A round's deadline with nothing measured yet, and the most any round may take. */
    static final long FIRST_ROUND_DEADLINE_MS = 20_000;

    /** The least a round may take before what got through is published as the link's figure. */
    static final long MIN_ROUND_DEADLINE_MS = 2_000;

    /** A round may take this many times what its bytes take at the link's newest round. */
    static final int DEADLINE_FACTOR = 8;

    /**
     * @param intervalMs rounds at most this often (0: off)
     * @param largeBytes the large payload; the small one is an eighth
     * @param bindHost the node's own address: the server listens there and probes leave from it
     */
    public record Settings(long intervalMs, int largeBytes, String bindHost) {
        public Settings {
            if (intervalMs < 0
                    || largeBytes < MIN_LARGE_BYTES
                    || largeBytes > LinkProbeServer.MAX_PAYLOAD) {
                throw new IllegalArgumentException(
                        "link probes need an interval >= 0 ms and 32 KiB to 8 MiB of payload, were "
                                + intervalMs
                                + " ms and "
                                + largeBytes
                                + " bytes");
            }
        }

        /**
         * From a TaskManager's configuration: {@link #INTERVAL_MS}, {@link #LARGE_BYTES}, and the
         * TaskManager's own address (its bind host, else its host, else 127.0.0.1; a wildcard bind
         * host gives way to the host, which is what peers can reach).
         */
        public static Settings of(Configuration taskManager) {
            String bind = taskManager.get(TaskManagerOptions.BIND_HOST);
            String host = taskManager.get(TaskManagerOptions.HOST);
            String own =
                    bind != null && !bind.isBlank() && !bind.equals("0.0.0.0") && !bind.equals("::")
                            ? bind
                            : host != null && !host.isBlank() ? host : "127.0.0.1";
            return new Settings(taskManager.get(INTERVAL_MS), taskManager.get(LARGE_BYTES), own);
        }

        int smallBytes() {
            return largeBytes / 8;
        }
    }

    /**
     * The probes running in this JVM by node (one per TaskManager on a cluster, every node's in a
     * MiniCluster, where probing is off): the dispatcher on the same TaskManager reads its node's
     * newest measurements here, without waiting for its statuses to come round through Kafka and
     * its own input ({@link #latest}).
     */
    private static final Map<String, LinkProbes> RUNNING = new ConcurrentHashMap<>();

    private final String node;
    private final Settings settings;
    private final Supplier<Map<String, String>> peers;
    private final LongSupplier clockMs;
    private final LinkProbeServer server;

    /**
     * Starts each peer's rounds when it announces itself, schedules each peer's next round, and
     * ends a round at its deadline.
     */
    private final ScheduledExecutorService timer;

    /**
     * Runs the rounds, one at a time per peer; peers' rounds take turns ({@link #oneAtATime}) and
     * run side by side only when one waits longer than {@link #OVERLAP_WAIT_MS}.
     */
    private final ExecutorService rounds;

    /** The peers whose rounds are scheduled (a peer that stops announcing itself leaves). */
    private final Set<String> probing = ConcurrentHashMap.newKeySet();

    /**
     * Held by the round under way, so that rounds to different peers do not overlap where they need
     * not: links that share one uplink ({@code sharedAs}) would each measure half of it. A round
     * waits at most {@link #OVERLAP_WAIT_MS} for it, so a stalled link's round (up to {@link
     * #FIRST_ROUND_DEADLINE_MS}) does not hold the others back.
     */
    private final Semaphore oneAtATime = new Semaphore(1);

    private final Map<String, LinkEstimate> estimates = new ConcurrentHashMap<>();
    private final Map<String, LinkDemand> sent = new ConcurrentHashMap<>();

    /**
     * Per peer, the sample count of the estimate when a rise was last judged (its round thread).
     */
    private final Map<String, Integer> risesJudged = new ConcurrentHashMap<>();

    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    /**
     * Per peer, the rounds in a row whose payloads were too small to time ({@link
     * LinkEstimate#fromTwoSizes} empty): each doubles the next round's payload ({@link
     * #largeBytes(int, LinkEstimate, int)}).
     */
    private final Map<String, Integer> unresolved = new ConcurrentHashMap<>();

    private volatile boolean closed;

    /** The probe connections open now, closed by {@link #close()} so no read outlives it. */
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private LinkProbes(
            String node,
            Settings settings,
            Supplier<Map<String, String>> peers,
            LongSupplier clockMs)
            throws IOException {
        this.node = node;
        this.settings = settings;
        this.peers = peers;
        this.clockMs = clockMs;
        this.server = new LinkProbeServer(settings.bindHost(), node);
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "coedge-link-probe-" + node);
                            t.setDaemon(true);
                            return t;
                        });
        this.rounds =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, "coedge-link-probe-" + node + "-round");
                            t.setDaemon(true);
                            return t;
                        });
        timer.scheduleWithFixedDelay(
                this::discover,
                settings.intervalMs(),
                settings.intervalMs(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Starts probing for {@code node}, or returns null when probing is off or its server cannot
     * listen (logged: the node then publishes no measurement and the dispatcher keeps the catalog's
     * links).
     */
    public static LinkProbes start(String node, Settings settings) {
        return start(node, settings, LinkPeers::all, System::currentTimeMillis);
    }

    static LinkProbes start(
            String node,
            Settings settings,
            Supplier<Map<String, String>> peers,
            LongSupplier clockMs) {
        if (settings.intervalMs() == 0) {
            return null;
        }
        try {
            LinkProbes probes = new LinkProbes(node, settings, peers, clockMs);
            RUNNING.put(node, probes);
            LOG.info(
                    "node {} measures its links every {} ms from {}",
                    node,
                    settings.intervalMs(),
                    probes.address());
            return probes;
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "node {} cannot listen for link probes on {}; it publishes no link"
                            + " measurements: {}",
                    node,
                    settings.bindHost(),
                    e.toString());
            return null;
        }
    }

    /**
     * The newest round {@code node}'s probes in this JVM measured on its link to {@code peer}, when
     * it ended at most {@code maxAgeMs} before {@code nowMs}; else null (no probes here, none yet,
     * or too old).
     */
    public static LinkStatus latest(String node, String peer, long nowMs, long maxAgeMs) {
        LinkProbes probes = RUNNING.get(node);
        LinkEstimate e = probes == null ? null : probes.estimates.get(peer);
        LinkStatus last = e == null ? null : e.latest();
        return last != null && nowMs - last.measuredAtMs() <= maxAgeMs ? last : null;
    }

    /**
     * Records that {@code node}'s dispatcher let {@code bytes} of a frame onto its link to {@code
     * peer} at {@code nowMs} (nothing when no probes run for the node in this JVM): a round that
     * finds the link short of what is sent over it is confirmed a second later ({@link
     * LinkEstimate#shortOf}).
     */
    public static void sent(String node, String peer, long bytes, long nowMs) {
        LinkProbes probes = RUNNING.get(node);
        if (probes != null) {
            probes.sent.computeIfAbsent(peer, k -> new LinkDemand()).add(bytes, nowMs);
        }
    }

    /** {@code host:port} of this node's probe server, what its status announces. */
    public String address() {
        return server.address();
    }

    /** What each link to a peer gave, by peer: the latest medians. */
    public Map<String, LinkStatus> links() {
        Map<String, LinkStatus> out = new LinkedHashMap<>();
        estimates.forEach(
                (peer, e) -> {
                    LinkStatus s = e.status();
                    if (s != null) {
                        out.put(peer, s);
                    }
                });
        return out;
    }

    /** Starts the rounds to each peer that announced itself and has none scheduled. */
    private void discover() {
        try {
            for (String peer : peers.get().keySet()) {
                if (!closed && !peer.equals(node) && probing.add(peer)) {
                    run(peer);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("node {}: looking up its link peers failed: {}", node, e.toString());
        }
    }

    private void run(String peer) {
        try {
            rounds.execute(() -> round(peer));
        } catch (RejectedExecutionException e) {
            probing.remove(peer); // closing
        }
    }

    /**
     * One round to {@code peer}, then the next one scheduled by what it found: its own link's pace,
     * whatever the other links do. A peer no longer announced leaves until it is again.
     */
    private void round(String peer) {
        long delayMs = settings.intervalMs();
        try {
            String address = peers.get().get(peer);
            if (closed || address == null) {
                probing.remove(peer);
                return;
            }
            boolean alone = oneAtATime.tryAcquire(OVERLAP_WAIT_MS, TimeUnit.MILLISECONDS);
            long started = System.nanoTime();
            boolean again;
            try {
                again = probe(peer, address);
            } finally {
                if (alone) {
                    oneAtATime.release();
                }
            }
            boolean rose = rose(peer);
            double tookMs = (System.nanoTime() - started) / 1e6;
            double linkMs = nextRoundMs(peer, tookMs, rose);
            if (again) {
                // Its bytes crossed faster than the estimate says, or queued: at most what it took.
                linkMs = Math.min(linkMs, tookMs);
            }
            boolean soon = shortOfDemand(peer) | rose | again;
            delayMs = nextRoundDelayMs(settings.intervalMs(), linkMs, soon);
            if (LOG.isDebugEnabled()) {
                LinkEstimate e = estimates.get(peer);
                LOG.debug(
                        "node {}: link to {}: newest round {}, median {}; next round in {} ms",
                        node,
                        peer,
                        e == null ? null : e.latest(),
                        e == null ? null : e.status(),
                        delayMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (RuntimeException e) {
            LOG.warn("node {}: a link probe round to {} failed: {}", node, peer, e.toString());
        } finally {
            if (!closed && probing.contains(peer)) {
                try {
                    timer.schedule(() -> run(peer), delayMs, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    probing.remove(peer); // closing
                }
            }
        }
    }

    /** Whether the newest round to {@code peer} is short of what the dispatcher sends there. */
    private boolean shortOfDemand(String peer) {
        LinkEstimate e = estimates.get(peer);
        LinkDemand d = sent.get(peer);
        boolean isShort = e != null && d != null && e.shortOf(d.mbps(clockMs.getAsLong()));
        if (isShort) {
            LOG.info(
                    "node {}: the link to {} measured {} Mbit/s, short of the {} Mbit/s sent over"
                            + " it; measuring again in {} ms",
                    node,
                    peer,
                    String.format("%.2f", e.latest().mbps()),
                    String.format("%.2f", d.mbps(clockMs.getAsLong())),
                    CONFIRM_MS);
        }
        return isShort;
    }

    /** Whether the newest round to {@code peer} carries again what the link was recently sent. */
    private boolean rose(String peer) {
        LinkEstimate e = estimates.get(peer);
        LinkDemand d = sent.get(peer);
        LinkStatus now = e == null ? null : e.status();
        if (now == null || d == null) {
            return false;
        }
        // Only a round that added a sample can be a rise: a disturbed round (no sample) leaves the
        // newest figure as it was, and judging it again would re-probe every second.
        Integer judged = risesJudged.put(peer, now.samples());
        if (judged != null && judged == now.samples()) {
            return false;
        }
        double recent = d.peakMbps(clockMs.getAsLong());
        boolean rose = e.rose(recent);
        if (rose) {
            LOG.info(
                    "node {}: the link to {} measured {} Mbit/s, back over what its frames needed"
                            + " lately ({} Mbit/s sent at most); measuring again in {} ms",
                    node,
                    peer,
                    String.format("%.2f", e.latest().mbps()),
                    String.format("%.2f", recent),
                    CONFIRM_MS);
        }
        return rose;
    }

    /**
     * When the next round starts: {@code intervalMs} later, or {@link #CONFIRM_MS} when a link's
     * newest round is short of what is sent over it ({@link LinkEstimate#shortOf}) or rose well
     * above the rounds before it ({@link LinkEstimate#rose}: a restored link) or was too short to
     * time with a payload that can still grow (a link much faster than its estimate), so the change
     * reaches the published median (and the plan) one short round later instead of a full interval;
     * in both cases at least {@link #DUTY_FACTOR} times the round's link time, the probes' cap on a
     * slow link, but never more than {@link #MAX_DUTY_WAIT_MS} (or the interval, if longer).
     */
    static long nextRoundDelayMs(long intervalMs, double linkMs, boolean soon) {
        long base = soon ? Math.min(intervalMs, CONFIRM_MS) : intervalMs;
        return Math.min(
                Math.max(base, Math.round(linkMs * DUTY_FACTOR)),
                Math.max(intervalMs, MAX_DUTY_WAIT_MS));
    }

    /**
     * The link time the next round to {@code peer} takes at its latest estimate (its bytes over the
     * estimated rate: the median, or the newest round when it {@linkplain #rose rose}), or what
     * this round took when there is none: the next round waits {@link #DUTY_FACTOR} times that. By
     * the estimate rather than by the elapsed time, so a probe slowed by frames sharing the link
     * does not postpone the round that would see the change.
     */
    private double nextRoundMs(String peer, double tookMs, boolean rose) {
        LinkEstimate e = estimates.get(peer);
        LinkStatus median = e == null ? null : e.status();
        if (median == null) {
            return tookMs;
        }
        // A link that came back carries the round's bytes at its newest figure, not at the
        // median of its slow rounds (which would space the confirming round by the drop's pace).
        return roundLinkMs(
                largeBytes(settings.largeBytes(), e, unresolved.getOrDefault(peer, 0)),
                rose ? e.latest().mbps() : median.mbps());
    }

    /** Milliseconds a round's bytes (warm-up, small, large) take at {@code mbps}. */
    static double roundLinkMs(int largeBytes, double mbps) {
        return (WARMUP_BYTES + largeBytes + largeBytes / 8) * 8 / (mbps * 1000);
    }

    /**
     * One round to {@code peer}: its figure, or an upper bound when it cannot finish (see the class
     * comment). Returns whether the next round is due a second later rather than an interval: this
     * one was too short to time with a payload under the configured size (the link is faster than
     * its estimate says, a restored link: the next has twice the payload), or its small payload
     * queued behind a backlog ({@link LinkEstimate#queued}: left out).
     */
    private boolean probe(String peer, String address) {
        int colon = address.lastIndexOf(':');
        LinkEstimate estimate = estimates.get(peer);
        LinkEstimate.Sample last = estimate == null ? null : estimate.last();
        int largeBytes =
                largeBytes(settings.largeBytes(), estimate, unresolved.getOrDefault(peer, 0));
        int smallBytes = largeBytes / 8;
        long deadlineMs = roundDeadlineMs(last, largeBytes);
        AtomicBoolean expired = new AtomicBoolean();
        long t0 = System.nanoTime();
        long answered = 0;
        int pending = WARMUP_BYTES;
        Socket s = new Socket();
        open.add(s);
        ScheduledFuture<?> watchdog =
                timer.schedule(
                        () -> {
                            expired.set(true);
                            closeQuietly(s);
                        },
                        deadlineMs,
                        TimeUnit.MILLISECONDS);
        try (s) {
            if (closed) {
                return false;
            }
            s.bind(new InetSocketAddress(InetAddress.getByName(settings.bindHost()), 0));
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) deadlineMs);
            s.connect(
                    new InetSocketAddress(
                            address.substring(0, colon),
                            Integer.parseInt(address.substring(colon + 1))),
                    (int) Math.min(CONNECT_TIMEOUT_MS, deadlineMs));
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            InputStream in = s.getInputStream();
            byte[] payload = new byte[largeBytes];
            timed(out, in, payload, WARMUP_BYTES);
            answered += WARMUP_BYTES;
            pending = smallBytes;
            long small = timed(out, in, payload, smallBytes);
            answered += smallBytes;
            pending = largeBytes;
            long large = timed(out, in, payload, largeBytes);
            Optional<LinkEstimate.Sample> sample =
                    LinkEstimate.fromTwoSizes(smallBytes, small, largeBytes, large);
            if (sample.isPresent()) {
                unresolved.remove(peer);
                LinkEstimate e = estimates.computeIfAbsent(peer, k -> new LinkEstimate());
                if (e.addUnlessQueued(sample.get(), clockMs.getAsLong())) {
                    return false;
                }
                LOG.info(
                        "node {}: a probe round to {} read {} Mbit/s with a fixed part of {} ms"
                                + " (usually {} ms): its small payload waited behind bytes"
                                + " already on the link; measuring again in {} ms",
                        node,
                        peer,
                        String.format("%.2f", sample.get().mbps()),
                        sample.get().latencyMicros() / 1000,
                        e.status().latencyMicros() / 1000,
                        CONFIRM_MS);
                return true;
            }
            unresolved.merge(peer, 1, (a, b) -> Math.min(a + b, 8));
            return largeBytes < settings.largeBytes();
        } catch (IOException | RuntimeException e) {
            if (closed) {
                return false;
            }
            long elapsed = System.nanoTime() - t0;
            if (expired.get() || e instanceof SocketTimeoutException) {
                unfinished(peer, deadlineMs, answered, pending, elapsed, last);
            } else if (reported.add(peer)) {
                LOG.warn(
                        "node {} cannot probe its link to {} at {} (no measurement until it"
                                + " can): {}",
                        node,
                        peer,
                        address,
                        e.toString());
            }
        } finally {
            watchdog.cancel(false);
            open.remove(s);
        }
        return false;
    }

    /**
     * A round to {@code peer} that did not finish within its deadline: what at most got through
     * ({@link LinkEstimate#atMost}) becomes the link's newest round when it is below the last one,
     * so a link too congested for a probe to cross (a drop with the frames' backlog on it) is
     * published as slow instead of keeping its last figure. The median needs a second low round,
     * which {@link LinkEstimate#shortOf} asks for a second later.
     */
    private void unfinished(
            String peer,
            long deadlineMs,
            long answered,
            int pending,
            long elapsedNanos,
            LinkEstimate.Sample last) {
        LinkEstimate.atMost(answered, pending, elapsedNanos, last)
                .ifPresentOrElse(
                        bound -> {
                            estimates
                                    .computeIfAbsent(peer, k -> new LinkEstimate())
                                    .add(bound, clockMs.getAsLong());
                            LOG.info(
                                    "node {}: a probe round to {} did not finish within {} ms"
                                            + " ({} of {} bytes answered): the link gave at most"
                                            + " {} Mbit/s (last round {} Mbit/s)",
                                    node,
                                    peer,
                                    deadlineMs,
                                    answered,
                                    answered + pending,
                                    String.format("%.3f", bound.mbps()),
                                    String.format("%.2f", last.mbps()));
                        },
                        () -> {
                            if (reported.add(peer)) {
                                LOG.warn(
                                        "node {}: a probe round to {} did not finish within {}"
                                                + " ms (no measurement from it)",
                                        node,
                                        peer,
                                        deadlineMs);
                            }
                        });
    }

    /**
     * How long a round to a peer may take: {@link #DEADLINE_FACTOR} times what its bytes take at
     * the link's newest round, at least {@link #MIN_ROUND_DEADLINE_MS} (scheduling and a lost
     * segment's retransmission fit in it), at most {@link #FIRST_ROUND_DEADLINE_MS}, which is also
     * the first round's, with nothing to go by.
     */
    static long roundDeadlineMs(LinkEstimate.Sample last, int largeBytes) {
        if (last == null || !(last.mbps() > 0)) {
            return FIRST_ROUND_DEADLINE_MS;
        }
        double expectedMs = roundLinkMs(largeBytes, last.mbps());
        return Math.min(
                FIRST_ROUND_DEADLINE_MS,
                Math.max(MIN_ROUND_DEADLINE_MS, Math.round(expectedMs * DEADLINE_FACTOR)));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /**
     * The large payload for a link: what crosses it in about {@link #TARGET_LARGE_MS} at its last
     * estimate, between {@link #MIN_LARGE_BYTES} and the configured size (that size before any
     * estimate), so a slow link is not filled with probes and is measured as often as a fast one.
     * The estimate is the faster of the median and the newest round: a link that came back is timed
     * with a payload its new speed can resolve, not one sized for the drop (32 KiB on a link back
     * at 100 Mbit/s took no longer than 4 KiB in five rounds in a row, which gave no figure for 25
     * s). Each round in a row too short to time ({@code unresolvedRounds}) doubles it, up to the
     * configured size.
     */
    static int largeBytes(int configured, LinkEstimate estimate, int unresolvedRounds) {
        LinkStatus median = estimate == null ? null : estimate.status();
        if (median == null) {
            return configured;
        }
        double mbps = Math.max(median.mbps(), estimate.latest().mbps());
        long bytes = Math.round(mbps * 1e6 / 8 * TARGET_LARGE_MS / 1000);
        bytes = Math.max(MIN_LARGE_BYTES, bytes) << Math.min(Math.max(unresolvedRounds, 0), 8);
        return (int) Math.min(configured, bytes);
    }

    /** Nanoseconds from the first byte of {@code length} bytes written to their answer read. */
    private static long timed(DataOutputStream out, InputStream in, byte[] payload, int length)
            throws IOException {
        long t0 = System.nanoTime();
        out.writeInt(length);
        out.write(payload, 0, Math.min(length, payload.length));
        for (int left = length - payload.length; left > 0; left -= payload.length) {
            out.write(payload, 0, Math.min(left, payload.length));
        }
        out.flush();
        if (in.read() < 0) {
            throw new IOException("the probe server closed the connection");
        }
        return System.nanoTime() - t0;
    }

    @Override
    public void close() {
        closed = true;
        RUNNING.remove(node, this);
        timer.shutdownNow();
        rounds.shutdownNow();
        open.forEach(LinkProbes::closeQuietly);
        server.close();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
            rounds.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
