package io.coedge.sidecar.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coedge.oip.InferRequest;
import io.coedge.oip.InferResult;
import io.coedge.sidecar.testutils.DelayModels;
import io.coedge.sidecar.testutils.RunningSidecar;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single-frame figure no request refreshes (here: a slow "warm-up" written into the window) is
 * re-measured by the sidecar itself while the accelerator is idle, and never while it is busy.
 * Delay models: every run takes the time the test sets, on any machine.
 */
class ReprofileITCase {
    /** Keeps the accelerator busy until cancelled; variable dims, so it has no probe of its own. */
    private static final long BUSY_US = 60_000_000;

    /** Takes 20 ms per run. */
    private static final long STEADY_US = 20_000;

    /** Takes 1.5 s per run: its probes are long enough for a request to arrive during one. */
    private static final long SLOW_US = 1_500_000;

    /** The stale figure: as if the warm-up had met a contended CPU. */
    private static final long STALE_NANOS = 30_000_000_000L;

    private static final long REPROFILE_AFTER_MS = 300;

    @TempDir static Path repo;
    static DelayModels.DelayModel busy;
    static DelayModels.DelayModel steady;
    static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        busy = DelayModels.write(repo, "busy", new long[] {-1}, 0, BUSY_US, 0, 0);
        steady = DelayModels.write(repo, "steady", new long[] {4}, 4, STEADY_US, 0, 0);
        DelayModels.write(repo, "slow", new long[] {4}, 0, SLOW_US, 0, 0);
        sidecar = RunningSidecar.start(repo, b -> b.reprofileAfterMillis(REPROFILE_AFTER_MS));
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    @Test
    void aStaleSingleFrameFigureIsReMeasuredWhileTheAcceleratorIsIdle() {
        var profile = sidecar.instance("steady").profile();
        for (int i = 0; i < 10; i++) {
            profile.record(1, STALE_NANOS);
        }
        assertThat(profile.estimateMedianNanos(1)).isEqualTo(STALE_NANOS);
        long before = sidecar.server.metrics().reprofileCount("steady");
        long requests = sidecar.server.metrics().successCount("steady");

        await("the stale figure is re-measured")
                .atMost(Duration.ofSeconds(60))
                .until(() -> profile.estimateMedianNanos(1) < STALE_NANOS);

        assertThat(profile.estimateMedianNanos(1)).isBetween(STEADY_US * 1000, STALE_NANOS / 10);
        assertThat(sidecar.server.metrics().reprofileCount("steady") - before)
                .isGreaterThanOrEqualTo(5);
        assertThat(sidecar.server.metrics().successCount("steady"))
                .as("probes are not requests")
                .isEqualTo(requests);
        assertThat(sidecar.server.metrics().reprofileCount("busy"))
                .as("a model without fixed input dims or a warm-up sample has no probe")
                .isZero();
    }

    /**
     * A probe is not a busy accelerator for admission: a request arriving during one is judged on
     * its median (it waits for one run at most), so a slow p99 in its window does not refuse it.
     * Proven by a request that waited at least a second in the queue: it arrived during a probe of
     * "slow", the only run that long.
     */
    @Test
    void aRequestArrivingDuringAProbeIsStillJudgedOnItsMedian() throws Exception {
        var profile = sidecar.instance("steady").profile();
        boolean arrivedDuringALongProbe = false;
        for (int attempt = 0; attempt < 20 && !arrivedDuringALongProbe; attempt++) {
            profile.record(1, STALE_NANOS);
            assertThat(profile.estimateNanos(1)).isEqualTo(STALE_NANOS);
            await("a probe runs")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> !sidecar.server.scheduler().idle());

            InferResult r =
                    sidecar.client
                            .infer(
                                    InferRequest.builder("steady")
                                            .input(steady.input(1, 0))
                                            .timeout(Duration.ofSeconds(20))
                                            .build())
                            .get(60, TimeUnit.SECONDS);

            arrivedDuringALongProbe = r.queueMicros() >= 1_000_000;
        }
        assertThat(arrivedDuringALongProbe).isTrue();
    }

    @Test
    void aBusyAcceleratorIsNotProbed() throws Exception {
        CompletableFuture<InferResult> hold = sidecar.holdAccelerator(busy);
        try {
            await("a probe that ran as the call arrived has reported")
                    .pollDelay(Duration.ofMillis(200))
                    .until(() -> true);
            long probes = sidecar.server.metrics().reprofileCount("steady");

            await("no probe while a request runs, over ten re-profiling ages")
                    .pollDelay(Duration.ofMillis(10 * REPROFILE_AFTER_MS))
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> true);

            assertThat(sidecar.server.metrics().reprofileCount("steady")).isEqualTo(probes);
        } finally {
            hold.cancel(true);
        }
    }
}
