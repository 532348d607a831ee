package io.coedge.catalog;

import java.util.List;

/**
 * A deep-learning task: one model over a set of camera streams, every frame with a deadline.
 *
 * @param id task id, carried by every frame in the {@code coedge.task} header
 * @param model model name (a {@link ModelSpec#name()})
 * @param cameras camera ids whose frames belong to this task
 * @param fps frames per second per camera
 * @param deadlineMs relative deadline of each frame, from capture, in milliseconds
 * @param origin node the cameras are attached to
 * @param frameWidth width of the frames the cameras send
 * @param frameHeight height of the frames the cameras send
 * @param inputBytes typical size of one encoded frame, what shipping it to another node costs
 */
public record TaskSpec(
        String id,
        String model,
        List<String> cameras,
        double fps,
        long deadlineMs,
        String origin,
        int frameWidth,
        int frameHeight,
        long inputBytes) {}
