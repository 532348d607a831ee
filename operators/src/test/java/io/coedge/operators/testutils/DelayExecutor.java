package io.coedge.operators.testutils;

import io.coedge.format.FrameResult;
import io.coedge.oip.ModelProfile;
import io.coedge.operators.batch.BatchOutcome;
import io.coedge.operators.batch.InferenceExecutor;
import io.coedge.operators.batch.QueuedFrame;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An inference executor that takes exactly the time the test sets for each batch and returns an
 * empty output per frame (Triton's qa tests use delay models the same way): timing behaviour of the
 * batcher is tested against it, never against how fast a real model runs on the test machine. A
 * failing one answers every batch with the failure the test sets. Its sidecar reports a profile
 * equal to the delay at every batch size.
 */
public final class DelayExecutor implements InferenceExecutor {
    /** Every batch each executor created in this JVM ran, as "model-index x size". */
    public static final List<String> BATCHES = new CopyOnWriteArrayList<>();

    private final long delayMillis;
    private final BatchOutcome.Failure failure;
    private final List<String> models;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "delay-executor");
                        t.setDaemon(true);
                        return t;
                    });

    private DelayExecutor(Context context, long delayMillis, BatchOutcome.Failure failure) {
        this.delayMillis = delayMillis;
        this.failure = failure;
        this.models = context.catalog().models().stream().map(m -> m.name()).toList();
    }

    /** Batches that take {@code delayMillis} each. */
    public static Factory taking(long delayMillis) {
        return context -> new DelayExecutor(context, delayMillis, null);
    }

    /** Batches that fail after {@code delayMillis} with the given outcome. */
    public static Factory failing(long delayMillis, BatchOutcome.Failure failure) {
        return context -> new DelayExecutor(context, delayMillis, failure);
    }

    @Override
    public SidecarView view() {
        Map<String, ModelProfile> profiles = new LinkedHashMap<>();
        TreeMap<Integer, Long> micros = new TreeMap<>(Map.of(1, delayMillis * 1000));
        for (String m : models) {
            profiles.put(m, new ModelProfile(m, micros, micros, 0, "cpu", 8));
        }
        return new SidecarView(true, "", "cpu", profiles);
    }

    @Override
    public CompletableFuture<BatchOutcome> run(
            int model, List<QueuedFrame> frames, long deadlineMicros) {
        BATCHES.add(model + "x" + frames.size());
        CompletableFuture<BatchOutcome> done = new CompletableFuture<>();
        long start = System.currentTimeMillis();
        timer.schedule(
                () -> {
                    Map<String, BatchOutcome.Output> outputs = new LinkedHashMap<>();
                    if (failure == null) {
                        for (QueuedFrame f : frames) {
                            outputs.put(
                                    f.id(),
                                    new BatchOutcome.Output(
                                            List.<FrameResult.Detection>of(), null));
                        }
                    }
                    done.complete(
                            new BatchOutcome(
                                    outputs, Map.of(), failure, start, System.currentTimeMillis()));
                },
                delayMillis,
                TimeUnit.MILLISECONDS);
        return done;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
