package io.coedge.sidecar.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.coedge.oip.InferRequest;
import io.coedge.oip.InferResult;
import io.coedge.sidecar.testutils.DelayModels;
import io.coedge.sidecar.testutils.RunningSidecar;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request at an idle accelerator is judged on its model's median, not its p99: one slow run in
 * the window does not refuse it (it starts at once, delaying nobody). While the accelerator is
 * busy, the p99 still refuses it. Delay models: every run takes the time the test sets, on any
 * machine; the slow run is recorded into the model's window directly.
 */
class IdleAdmissionITCase {
    /** Keeps the accelerator busy until cancelled; no warm-up profile, no deadline. */
    private static final long BUSY_US = 60_000_000;

    /** Takes 50 ms per call. */
    private static final long STEADY_US = 50_000;

    /** The slow run recorded into the window: far above every deadline below. */
    private static final long SLOW_RUN_NANOS = 30_000_000_000L;

    @TempDir static Path repo;
    static DelayModels.DelayModel busy;
    static DelayModels.DelayModel steady;
    static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        busy = DelayModels.write(repo, "busy", new long[] {-1}, 0, BUSY_US, 0, 0);
        steady = DelayModels.write(repo, "steady", new long[] {4}, 0, STEADY_US, 0, 0);
        sidecar = RunningSidecar.start(repo);
        sidecar.instance("steady").profile().record(1, SLOW_RUN_NANOS);
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    @Test
    void anIdleAcceleratorAdmitsARequestItsMedianMeetsThoughItsP99DoesNot() throws Exception {
        // The other test's call, cancelled, may still be ending.
        await("the accelerator is idle")
                .atMost(Duration.ofSeconds(60))
                .until(() -> sidecar.server.scheduler().idle());
        var profile = sidecar.instance("steady").profile();
        assertThat(profile.estimateNanos(1)).isEqualTo(SLOW_RUN_NANOS);
        assertThat(profile.estimateMedianNanos(1)).isLessThan(SLOW_RUN_NANOS);

        InferResult r =
                sidecar.client
                        .infer(steadyCall().timeout(Duration.ofSeconds(20)).build())
                        .get(60, TimeUnit.SECONDS);

        assertThat(r.outputs()).isNotEmpty();
        assertThat(r.computeMicros()).isGreaterThanOrEqualTo(STEADY_US);
    }

    @Test
    void aBusyAcceleratorStillRefusesOnTheP99() throws Exception {
        CompletableFuture<InferResult> hold = sidecar.holdAccelerator(busy);
        try {
            CompletableFuture<InferResult> refused =
                    sidecar.client.infer(steadyCall().timeout(Duration.ofSeconds(20)).build());
            assertThatThrownBy(() -> refused.get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("needs about");
        } finally {
            hold.cancel(true);
        }
    }

    private static InferRequest.Builder steadyCall() {
        return InferRequest.builder("steady").input(steady.input(1, 0));
    }
}
