package io.coedge.sidecar.scheduling;

import io.coedge.sidecar.metrics.SidecarMetrics;
import io.coedge.sidecar.runtime.ModelInstance;
import io.coedge.sidecar.runtime.ModelRegistry;
import io.grpc.Status;
import java.util.Collections;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-measures single frames that grew stale. A latency window keeps each batch size's figure from
 * its last runs until that size runs again, and a model the dispatcher keeps away from this node
 * because its figure is high never runs here again: the figure of a contended warm-up (all of a
 * testbed's sidecars warm up at once) then stays for good. Measured on the testbed: node1's
 * yolo-small stayed at its warm-up 285 ms while it ran in 44-50 ms elsewhere on the same share, and
 * the dispatcher moved tasks away and back at the dwell's pace.
 *
 * <p>So, each {@link #tick()}, while the accelerator is idle (nothing queued, nothing running), the
 * model whose single-frame figure is oldest, if older than {@code maxAgeNanos}, gets one
 * single-frame run on its probe inputs ({@link ModelInstance#probe()}), queued behind any request
 * that arrives meanwhile; the scheduler records its duration as any other run's. Single frames
 * only: they are the cheapest probe, and the dispatcher bounds every batch by its frames run one by
 * one ({@code LatencyProfile.atMostSingles}); larger sizes are refreshed by the runs that use them.
 * A request arriving during a probe waits for at most one single-frame run.
 */
public final class Reprofiler {
    private static final Logger LOG = LoggerFactory.getLogger(Reprofiler.class);

    private final ModelRegistry registry;
    private final EdfScheduler scheduler;
    private final SidecarMetrics metrics;
    private final LongSupplier nanoClock;
    private final long maxAgeNanos;

    /** Models whose probe failed once: not probed again (their real requests still run). */
    private final Set<ModelInstance> failed = Collections.newSetFromMap(new ConcurrentHashMap<>());

    public Reprofiler(
            ModelRegistry registry,
            EdfScheduler scheduler,
            SidecarMetrics metrics,
            LongSupplier nanoClock,
            long maxAgeNanos) {
        if (maxAgeNanos <= 0) {
            throw new IllegalArgumentException("maxAgeNanos must be > 0, got " + maxAgeNanos);
        }
        this.registry = registry;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        this.maxAgeNanos = maxAgeNanos;
    }

    /**
     * Queues at most one probe, for the ready model with the oldest single-frame figure older than
     * the maximum age, if the accelerator is idle.
     *
     * @return the model probed, or null
     */
    public ModelInstance tick() {
        if (!scheduler.idle()) {
            return null;
        }
        long now = nanoClock.getAsLong();
        ModelInstance stalest = null;
        long oldest = Long.MAX_VALUE;
        for (ModelInstance m : registry.instances()) {
            if (!m.ready() || failed.contains(m) || !m.canProbe()) {
                continue;
            }
            OptionalLong last = m.profile().lastRecordedNanos(1);
            long at = last.isPresent() ? last.getAsLong() : Long.MIN_VALUE;
            if ((last.isEmpty() || now - at > maxAgeNanos) && at < oldest) {
                oldest = at;
                stalest = m;
            }
        }
        if (stalest == null) {
            return null;
        }
        ModelInstance model = stalest;
        ScheduledRequest probe =
                new ScheduledRequest(
                        model,
                        1,
                        ScheduledRequest.NO_DEADLINE,
                        Long.MAX_VALUE,
                        new ScheduledRequest.Work() {
                            @Override
                            public void execute() throws Exception {
                                model.probe();
                            }

                            @Override
                            public void succeed(long queueNanos, long computeNanos) {
                                metrics.reprofiled(model.name(), model.version());
                                LOG.debug(
                                        "re-measured model '{}' at batch size 1: {} us",
                                        model.name(),
                                        computeNanos / 1000);
                            }

                            @Override
                            public void fail(Status status, String reason) {
                                if (status.getCode() != Status.Code.UNAVAILABLE) {
                                    failed.add(model);
                                    LOG.warn(
                                            "re-measuring model '{}' failed, not tried again: {}",
                                            model.name(),
                                            reason);
                                }
                            }
                        },
                        true);
        return scheduler.submitIfIdle(probe) ? model : null;
    }
}
