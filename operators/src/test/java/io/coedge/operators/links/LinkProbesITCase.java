package io.coedge.operators.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.format.NodeStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;

/**
 * Two nodes' link probes on loopback (real sockets): each measures its link to the other from the
 * address the other announces, a peer that announces a dead address gives no measurement and no
 * error, and close releases the server's port and every probe thread.
 */
class LinkProbesITCase {
    @Test
    void twoNodesMeasureEachOtherAndCloseReleasesEverything() throws Exception {
        Map<String, String> announced = new ConcurrentHashMap<>();
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        announced.put("c", "127.0.0.1:" + dead);
        var settings = new LinkProbes.Settings(100, 64 << 10, "127.0.0.1");
        LinkProbes a = LinkProbes.start("a", settings, () -> Map.copyOf(announced), () -> 1L);
        LinkProbes b = LinkProbes.start("b", settings, () -> Map.copyOf(announced), () -> 2L);
        String aAddress = a.address();
        try {
            assertThat(aAddress).startsWith("127.0.0.1:");
            announced.put("a", aAddress);
            announced.put("b", b.address());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> a.links().containsKey("b") && b.links().containsKey("a"));
            NodeStatus.LinkStatus ab = a.links().get("b");
            assertThat(ab).as("a's measurement of a -> b").isNotNull();
            assertThat(ab.mbps()).isPositive();
            assertThat(ab.measuredAtMs()).isEqualTo(1L);
            assertThat(ab.samples()).isPositive();
            assertThat(b.links().get("a").measuredAtMs()).isEqualTo(2L);
            assertThat(a.links()).doesNotContainKeys("a", "c");
        } finally {
            a.close();
            b.close();
        }
        String port = aAddress.substring(aAddress.indexOf(':') + 1);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)), 1000);
            throw new AssertionError("a's probe server still accepts after close");
        } catch (ConnectException expected) {
            // closed
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(probeThreads()).as("probe threads").isZero());
    }

    /**
     * A peer that takes every byte and never answers (a link whose queue holds the probe back
     * indefinitely): once the link was measured, a round that cannot finish is ended at its
     * deadline and publishes what at most got through, instead of leaving the last figure in force.
     */
    @Test
    void aRoundThatCannotFinishPublishesWhatAtMostGotThroughInsteadOfTheLastFigure()
            throws Exception {
        Map<String, String> announced = new ConcurrentHashMap<>();
        var settings = new LinkProbes.Settings(100, 64 << 10, "127.0.0.1");
        long[] clock = {1};
        LinkProbes b = LinkProbes.start("b", settings, Map::of, () -> 0L);
        LinkProbes a = LinkProbes.start("a", settings, () -> Map.copyOf(announced), () -> clock[0]);
        try (ServerSocket stall = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread sink = new Thread(() -> swallow(stall), "stalling-probe-peer");
            sink.setDaemon(true);
            sink.start();
            announced.put("b", b.address());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> a.links().containsKey("b"));
            double measured = a.links().get("b").mbps();
            clock[0] = 2;
            announced.put("b", "127.0.0.1:" + stall.getLocalPort());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> LinkProbes.latest("a", "b", 2, 0) != null);
            NodeStatus.LinkStatus bound = LinkProbes.latest("a", "b", 2, 0);
            // Not even the warm-up's answer came: fewer than its 32 KiB crossed in the deadline.
            assertThat(bound.mbps())
                    .as("the bound after a round that could not finish (measured %s)", measured)
                    .isLessThanOrEqualTo(
                            LinkProbes.WARMUP_BYTES * 8 / (LinkProbes.MIN_ROUND_DEADLINE_MS * 1e3))
                    .isLessThan(measured);
        } finally {
            a.close();
            b.close();
        }
    }

    /**
     * One peer whose probe server takes every byte and never answers (a link so congested that a
     * round to it takes until its deadline, 20 s for a first round) and one that answers: the
     * rounds to the second keep their own pace meanwhile, so a restored link is seen while another
     * link is still down.
     */
    @Test
    void aStalledLinkDoesNotHoldBackTheRoundsToAnotherPeer() throws Exception {
        Map<String, String> announced = new ConcurrentHashMap<>();
        var settings = new LinkProbes.Settings(100, 64 << 10, "127.0.0.1");
        LinkProbes b = LinkProbes.start("b", settings, Map::of, () -> 0L);
        LinkProbes a = LinkProbes.start("a", settings, () -> Map.copyOf(announced), () -> 1L);
        try (ServerSocket stall = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread sink = new Thread(() -> swallow(stall), "stalling-probe-peer");
            sink.setDaemon(true);
            sink.start();
            // Both announced at once, the stalled one first in any order the prober may take.
            announced.put("c", "127.0.0.1:" + stall.getLocalPort());
            announced.put("b", b.address());
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(
                            () -> {
                                NodeStatus.LinkStatus ab = a.links().get("b");
                                assertThat(ab)
                                        .as("a's rounds to b while its round to c hangs")
                                        .isNotNull();
                                assertThat(ab.samples())
                                        .as("rounds to b")
                                        .isGreaterThanOrEqualTo(3);
                            });
            assertThat(a.links())
                    .as("c never answered: nothing measured to it")
                    .doesNotContainKey("c");
        } finally {
            a.close();
            b.close();
        }
    }

    /**
     * Two peers whose servers answer each payload 30 ms after it arrived: the rounds to them take
     * turns (never two payloads in flight at once), so links sharing one uplink would not be
     * measured against each other.
     */
    @Test
    void roundsToTwoPeersTakeTurns() throws Exception {
        Map<String, String> announced = new ConcurrentHashMap<>();
        var settings = new LinkProbes.Settings(100, 64 << 10, "127.0.0.1");
        java.util.concurrent.atomic.AtomicInteger inFlight =
                new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger mostInFlight =
                new java.util.concurrent.atomic.AtomicInteger();
        Map<String, java.util.concurrent.atomic.AtomicInteger> rounds = new ConcurrentHashMap<>();
        LinkProbes a = LinkProbes.start("a", settings, () -> Map.copyOf(announced), () -> 1L);
        try (ServerSocket b = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
                ServerSocket c = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            for (Map.Entry<String, ServerSocket> peer : Map.of("b", b, "c", c).entrySet()) {
                rounds.put(peer.getKey(), new java.util.concurrent.atomic.AtomicInteger());
                Thread t =
                        new Thread(
                                () ->
                                        answerLate(
                                                peer.getValue(),
                                                rounds.get(peer.getKey()),
                                                inFlight,
                                                mostInFlight),
                                "late-probe-peer-" + peer.getKey());
                t.setDaemon(true);
                t.start();
            }
            announced.put("b", "127.0.0.1:" + b.getLocalPort());
            announced.put("c", "127.0.0.1:" + c.getLocalPort());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> rounds.get("b").get() >= 3 && rounds.get("c").get() >= 3);
            assertThat(mostInFlight.get()).as("payloads in flight at once").isEqualTo(1);
        } finally {
            a.close();
        }
    }

    /**
     * Serves probe rounds as the real server does, but answers each payload 30 ms after it arrived,
     * counting the rounds (connections) and the payloads in flight across every such server.
     */
    private static void answerLate(
            ServerSocket server,
            java.util.concurrent.atomic.AtomicInteger rounds,
            java.util.concurrent.atomic.AtomicInteger inFlight,
            java.util.concurrent.atomic.AtomicInteger mostInFlight) {
        byte[] buffer = new byte[64 << 10];
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                rounds.incrementAndGet();
                java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                while (true) {
                    int length = in.readInt();
                    int now = inFlight.incrementAndGet();
                    mostInFlight.accumulateAndGet(now, Math::max);
                    try {
                        for (int left = length; left > 0; ) {
                            int n = in.read(buffer, 0, Math.min(buffer.length, left));
                            if (n < 0) {
                                throw new IOException("closed");
                            }
                            left -= n;
                        }
                        Thread.sleep(30);
                    } finally {
                        // Before the answer: the prober's next payload can only follow it.
                        inFlight.decrementAndGet();
                    }
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                }
            } catch (IOException | InterruptedException e) {
                // the round ended, or the server closed
            }
        }
    }

    /** Accepts connections and reads whatever comes, never answering. */
    private static void swallow(ServerSocket server) {
        byte[] buffer = new byte[64 << 10];
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                while (in.read(buffer) >= 0) {
                    // taken, never answered
                }
            } catch (IOException e) {
                // the prober ended the round, or the server closed
            }
        }
    }

    @Test
    void probingIsOffUnlessConfiguredAndBindsTheTaskManagersOwnAddress() {
        Configuration conf = new Configuration();
        assertThat(LinkProbes.start("a", LinkProbes.Settings.of(conf))).isNull();
        conf.set(TaskManagerOptions.HOST, "10.77.0.1");
        assertThat(LinkProbes.Settings.of(conf).bindHost()).isEqualTo("10.77.0.1");
        conf.set(TaskManagerOptions.BIND_HOST, "0.0.0.0");
        assertThat(LinkProbes.Settings.of(conf).bindHost()).isEqualTo("10.77.0.1");
        conf.set(TaskManagerOptions.BIND_HOST, "10.77.0.2");
        assertThat(LinkProbes.Settings.of(conf).bindHost()).isEqualTo("10.77.0.2");
        assertThat(LinkProbes.Settings.of(new Configuration()).bindHost()).isEqualTo("127.0.0.1");
    }

    private static long probeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("coedge-link-probe"))
                .count();
    }
}
