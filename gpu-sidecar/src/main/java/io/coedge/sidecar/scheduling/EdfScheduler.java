package io.coedge.sidecar.scheduling;

import io.coedge.sidecar.runtime.ModelInstance;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accelerator's queue: at most {@code concurrency} executions at a time; waiting requests of
 * every model and caller ordered by deadline (earliest first). A request that cannot finish by its
 * deadline, given its model's current latency estimate, is refused on arrival and shed from the
 * queue as soon as its latest start time passes.
 *
 * <p>The estimate is the p99 of the model's recent runs, except for a request that arrives at an
 * idle accelerator (nothing queued, a free execution slot; a re-profiling probe, {@link
 * Reprofiler}, does not count): it starts at once and delays nobody, so it is judged on the median,
 * and a miss costs no more than the refusal would. Without that, one slow run above a task's
 * deadline in a model's window of ten refused every later request of the task for good, since no
 * run came to push it out (measured on the testbed: a 519 ms p99 from warm-up against a 500 ms
 * deadline, every frame of the task refused while the median was 141 ms).
 */
public final class EdfScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EdfScheduler.class);
    public static final String TIMEOUT_MESSAGE = "Request timeout expired";
    public static final String QUEUE_FULL_MESSAGE = "Exceeds maximum queue size";

    private static final Comparator<ScheduledRequest> EDF =
            Comparator.comparingLong((ScheduledRequest r) -> r.deadlineNanos)
                    .thenComparingLong(r -> r.priority)
                    .thenComparingLong(r -> r.sequence);

    private final LongSupplier nanoClock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    private final PriorityQueue<ScheduledRequest> queue = new PriorityQueue<>(EDF);
    private final ScheduledExecutorService shedder;

    /** Writes responses, so that the accelerator starts the next request instead. */
    private final ExecutorService responder;

    private final List<Thread> workers = new ArrayList<>();
    private long nextSequence;
    private final int concurrency;

    /** Requests executing now; guarded by {@link #lock}. */
    private int running;

    /**
     * Of the queued and the running requests, the re-profiling probes; guarded by {@link #lock}.
     */
    private int probesQueued;

    private int probesRunning;

    private volatile boolean closed;

    public EdfScheduler(int concurrency, LongSupplier nanoClock) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
        }
        this.nanoClock = nanoClock;
        this.concurrency = concurrency;
        ScheduledThreadPoolExecutor timers =
                new ScheduledThreadPoolExecutor(1, r -> daemon(r, "coedge-shedder"));
        // Most requests start in time and cancel their timer: drop it then, not at its due time.
        timers.setRemoveOnCancelPolicy(true);
        this.shedder = timers;
        this.responder = Executors.newSingleThreadExecutor(r -> daemon(r, "coedge-responder"));
        for (int i = 0; i < concurrency; i++) {
            Thread t = daemon(this::workLoop, "coedge-executor-" + i);
            workers.add(t);
            t.start();
        }
    }

    /** Admits the request or refuses it at once with RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED. */
    public void submit(ScheduledRequest request) throws StatusException {
        ModelInstance model = request.model;
        long now = nanoClock.getAsLong();
        boolean idle;
        lock.lock();
        try {
            // A probe delays an arrival by one single-frame run at most: it does not make the
            // accelerator busy for admission.
            idle = queue.size() == probesQueued && running - probesRunning < concurrency;
        } finally {
            lock.unlock();
        }
        request.onMedian = idle;
        long estimate = estimate(request);
        if (request.deadlineNanos != ScheduledRequest.NO_DEADLINE
                && now + estimate > request.deadlineNanos) {
            throw refusal(
                    Status.DEADLINE_EXCEEDED,
                    TIMEOUT_MESSAGE
                            + ": model '"
                            + model.name()
                            + "' needs about "
                            + estimate / 1000
                            + " us for batch size "
                            + request.batchSize
                            + " but the deadline is "
                            + (request.deadlineNanos - now) / 1000
                            + " us away");
        }
        lock.lock();
        try {
            if (closed) {
                throw refusal(Status.UNAVAILABLE, "sidecar is shutting down");
            }
            int maxQueue = model.spec().maxQueueSize();
            if (maxQueue > 0 && model.queued().get() >= maxQueue) {
                throw refusal(
                        Status.RESOURCE_EXHAUSTED,
                        QUEUE_FULL_MESSAGE + " " + maxQueue + " of model '" + model.name() + "'");
            }
            request.sequence = nextSequence++;
            request.enqueuedNanos = now;
            model.queued().incrementAndGet();
            queue.add(request);
            nonEmpty.signal();
        } finally {
            lock.unlock();
        }
        if (request.deadlineNanos != ScheduledRequest.NO_DEADLINE) {
            long latestStart = request.deadlineNanos - estimate;
            request.shedTimer =
                    shedder.schedule(
                            () -> shedIfStillQueued(request),
                            Math.max(0, latestStart - now),
                            TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Queues a request only if the accelerator is idle (nothing queued, nothing running), for work
     * that must delay nobody: the sidecar's re-profiling probes. It gets no shed timer; pass {@link
     * ScheduledRequest#NO_DEADLINE} so that any request arriving meanwhile sorts before it.
     *
     * @return whether the request was queued
     */
    public boolean submitIfIdle(ScheduledRequest request) {
        lock.lock();
        try {
            if (closed || !idleLocked()) {
                return false;
            }
            request.sequence = nextSequence++;
            request.enqueuedNanos = nanoClock.getAsLong();
            request.model.queued().incrementAndGet();
            queue.add(request);
            if (request.probe) {
                probesQueued++;
            }
            nonEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Nothing queued and nothing running. */
    public boolean idle() {
        lock.lock();
        try {
            return idleLocked();
        } finally {
            lock.unlock();
        }
    }

    /** {@link #idle()}; the caller holds {@link #lock}. */
    private boolean idleLocked() {
        return queue.isEmpty() && running == 0;
    }

    /** The caller went away: drop the request if it waits, stop it if it runs. */
    public void cancel(ScheduledRequest request) {
        if (removeIfQueued(request)) {
            return;
        }
        if (request.state.get() == ScheduledRequest.RUNNING) {
            request.work.terminate();
        }
    }

    public int queueLength() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void shedIfStillQueued(ScheduledRequest request) {
        if (removeIfQueued(request)) {
            request.work.fail(
                    Status.DEADLINE_EXCEEDED,
                    TIMEOUT_MESSAGE
                            + ": request for model '"
                            + request.model.name()
                            + "' could not start in time to meet its deadline");
        }
    }

    private boolean removeIfQueued(ScheduledRequest request) {
        if (!request.state.compareAndSet(ScheduledRequest.QUEUED, ScheduledRequest.DONE)) {
            return false;
        }
        lock.lock();
        try {
            queue.remove(request);
        } finally {
            lock.unlock();
        }
        request.model.queued().decrementAndGet();
        cancelTimer(request);
        return true;
    }

    private void workLoop() {
        while (!closed) {
            ScheduledRequest request;
            lock.lock();
            try {
                while (queue.isEmpty() && !closed) {
                    nonEmpty.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                request = queue.poll();
                running++;
                if (request.probe) {
                    probesQueued--;
                    probesRunning++;
                }
            } finally {
                lock.unlock();
            }
            try {
                if (!request.state.compareAndSet(
                        ScheduledRequest.QUEUED, ScheduledRequest.RUNNING)) {
                    continue; // shed or cancelled meanwhile; already accounted for
                }
                request.model.queued().decrementAndGet();
                cancelTimer(request);
                execute(request);
            } finally {
                lock.lock();
                try {
                    running--;
                    if (request.probe) {
                        probesRunning--;
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** The latency a request is judged on: its model's median when admitted idle, else its p99. */
    private static long estimate(ScheduledRequest request) {
        var profile = request.model.profile();
        return request.onMedian
                ? profile.estimateMedianNanos(request.batchSize)
                : profile.estimateNanos(request.batchSize);
    }

    private void execute(ScheduledRequest request) {
        long start = nanoClock.getAsLong();
        long estimate = estimate(request);
        if (request.deadlineNanos != ScheduledRequest.NO_DEADLINE
                && start + estimate > request.deadlineNanos) {
            request.state.set(ScheduledRequest.DONE);
            request.work.fail(
                    Status.DEADLINE_EXCEEDED,
                    TIMEOUT_MESSAGE
                            + ": request for model '"
                            + request.model.name()
                            + "' reached the accelerator too late to meet its deadline");
            return;
        }
        try {
            request.work.execute();
            long computeNanos = nanoClock.getAsLong() - start;
            request.model.profile().record(request.batchSize, computeNanos);
            request.state.set(ScheduledRequest.DONE);
            long queueNanos = start - request.enqueuedNanos;
            responder.execute(() -> request.work.succeed(queueNanos, computeNanos));
        } catch (Exception | LinkageError e) {
            request.state.set(ScheduledRequest.DONE);
            LOG.debug("execution of model '{}' failed", request.model.name(), e);
            request.work.fail(
                    Status.INTERNAL,
                    "execution of model '" + request.model.name() + "' failed: " + e.getMessage());
        }
    }

    private static void cancelTimer(ScheduledRequest request) {
        var timer = request.shedTimer;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private static StatusException refusal(Status status, String message) {
        return status.withDescription(message).asException();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        List<ScheduledRequest> left;
        lock.lock();
        try {
            closed = true;
            left = new ArrayList<>(queue);
            nonEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        for (ScheduledRequest r : left) {
            if (removeIfQueued(r)) {
                r.work.fail(Status.UNAVAILABLE, "sidecar is shutting down");
            }
        }
        shedder.shutdownNow();
        for (Thread t : workers) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        responder.shutdown(); // responses of finished runs still go out
        try {
            responder.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
