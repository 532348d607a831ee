package io.coedge.jobs.analytics;

import java.util.Map;

/**
 * Objects one camera saw per label over one window (detection tasks only).
 *
 * @param kind always {@code camera-objects}
 * @param frames frames of the camera that ran in the window
 * @param objects detections per label, summed over those frames
 */
public record CameraObjectCounts(
        String kind,
        String camera,
        String task,
        long windowStart,
        long windowEnd,
        long frames,
        Map<String, Long> objects) {}
