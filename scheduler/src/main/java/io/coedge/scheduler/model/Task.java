package io.coedge.scheduler.model;

import java.util.Objects;

/**
 * One deep-learning task: a model applied to the streams of {@code cameras} cameras attached to the
 * {@code origin} node, each producing {@code fps} frames per second, every frame due {@code
 * deadlineMicros} after capture. {@code inputBytes} is what must be shipped per frame if the task
 * runs elsewhere.
 */
public record Task(
        String id,
        Model model,
        String origin,
        int cameras,
        double fps,
        long deadlineMicros,
        long inputBytes) {

    public Task {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(origin, "origin");
        if (cameras < 1) {
            throw new IllegalArgumentException("task " + id + " needs at least one camera");
        }
        if (!(fps > 0)) {
            throw new IllegalArgumentException("task " + id + " needs a positive fps");
        }
        if (deadlineMicros <= 0) {
            throw new IllegalArgumentException("task " + id + " needs a positive deadline");
        }
        if (inputBytes < 0) {
            throw new IllegalArgumentException("task " + id + " input size must not be negative");
        }
    }

    /** Frames per second over all cameras. */
    public double frameRate() {
        return fps * cameras;
    }

    public Task withFps(double newFps) {
        return new Task(id, model, origin, cameras, newFps, deadlineMicros, inputBytes);
    }
}
