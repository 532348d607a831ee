package io.coedge.operators.batch;

import io.coedge.format.ErrorCode;
import io.coedge.format.FrameResult;
import java.util.List;
import java.util.Map;

/**
 * What came back for one batch, computed off the task thread and applied on it.
 *
 * @param outputs per frame id, the post-processed output (detections or classes) of frames that ran
 * @param rejected per frame id, why pre-processing refused its image: a dead letter ({@code
 *     CORRUPT_IMAGE}, {@code IMAGE_TOO_LARGE}) or an {@code ERROR} ({@code OUT_OF_MEMORY}); the
 *     rest of the batch ran
 * @param failure for frames that did not run: the status and reason, or null when the call
 *     succeeded
 * @param inferenceStartMs when the sidecar call was sent
 * @param inferenceEndMs when its answer arrived
 */
public record BatchOutcome(
        Map<String, Output> outputs,
        Map<String, Rejected> rejected,
        Failure failure,
        long inferenceStartMs,
        long inferenceEndMs) {

    /**
     * Every frame of the batch an {@code ERROR} with this code, for a failure the executor did not
     * classify.
     */
    static BatchOutcome failed(ErrorCode code, Throwable error) {
        long now = System.currentTimeMillis();
        return new BatchOutcome(
                Map.of(),
                Map.of(),
                new Failure(FrameResult.Status.ERROR, code, String.valueOf(error)),
                now,
                now);
    }

    public record Output(
            List<FrameResult.Detection> detections, List<FrameResult.ClassScore> classes) {}

    public record Failure(FrameResult.Status status, ErrorCode code, String detail) {}

    /** One frame that pre-processing refused, and why. */
    public record Rejected(ErrorCode code, String detail) {
        /**
         * Whether the image itself is at fault (a dead letter, the record kept); otherwise the node
         * was ({@code OUT_OF_MEMORY}: an {@code ERROR} result).
         */
        public boolean deadLetter() {
            return code != ErrorCode.OUT_OF_MEMORY;
        }
    }
}
