package io.coedge.format;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The one result every frame ends in (schema: {@code schemas/result.schema.json}). Times are epoch
 * milliseconds; the inference times are null when the frame never reached the sidecar.
 *
 * @param frameId frame identity ({@link Frame#id()})
 * @param camera camera id
 * @param sequence per-camera sequence, null when the producer sent none
 * @param source where the frame was read, {@code topic/partition@offset}
 * @param task task id
 * @param model model that ran (or would have run) the frame
 * @param node node that ran (or shed) the frame; for a frame shed at its origin because its link
 *     could not carry it by its deadline ({@code LINK_BACKLOG}), the node it was for
 * @param origin node the camera is attached to
 * @param batchSize size of the batch the frame ran in; 0 when it did not run
 * @param status what happened
 * @param reason why, for {@code DROPPED} and {@code ERROR}; an {@link ErrorCode} name or a
 *     scheduler reason followed by detail
 * @param captureTs capture time (from the frame)
 * @param dispatchTs when the dispatcher routed the frame to its node
 * @param inferenceStartTs when its batch was sent to the sidecar
 * @param inferenceEndTs when its batch's answer came back
 * @param emitTs when this result was written
 * @param latencyMs {@code emitTs - captureTs}
 * @param deadlineTs absolute deadline
 * @param deadlineMs relative deadline
 * @param deadlineMet whether the result was emitted by the deadline with status OK
 * @param detections detected objects (detection models), in source-frame pixels
 * @param classes top-k classes (classification models)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FrameResult(
        String frameId,
        String camera,
        Long sequence,
        String source,
        String task,
        String model,
        String node,
        String origin,
        int batchSize,
        Status status,
        String reason,
        long captureTs,
        Long dispatchTs,
        Long inferenceStartTs,
        Long inferenceEndTs,
        long emitTs,
        long latencyMs,
        long deadlineTs,
        long deadlineMs,
        boolean deadlineMet,
        List<Detection> detections,
        List<ClassScore> classes) {

    /** What happened to a frame. */
    public enum Status {
        /** Ran and finished by its deadline. */
        OK,
        /** Ran but finished after its deadline. */
        LATE,
        /** Shed because it could not meet its deadline. */
        DROPPED,
        /** Could not be run; {@code reason} says why. */
        ERROR
    }

    /** A detected object; box corners in source-frame pixels. */
    public record Detection(
            String label, int classId, double score, double x1, double y1, double x2, double y2) {}

    /** A class and its softmax probability. */
    public record ClassScore(String label, int classId, double score) {}
}
