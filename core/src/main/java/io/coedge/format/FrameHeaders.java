package io.coedge.format;

/** Names of the Kafka record headers that carry a frame's metadata (docs/FORMATS.md). */
public final class FrameHeaders {
    /** Task id, required. */
    public static final String TASK = "coedge.task";

    /** Capture time, epoch milliseconds as decimal text, required. */
    public static final String TIMESTAMP = "coedge.ts";

    /** Relative deadline in milliseconds from capture, optional (default: the task's). */
    public static final String DEADLINE_MS = "coedge.deadline.ms";

    /** Edge node the camera is attached to, optional (default: the task's origin). */
    public static final String ORIGIN = "coedge.origin";

    /** Per-camera sequence number, optional; with the camera it identifies the frame. */
    public static final String SEQUENCE = "coedge.frame";

    /** Dead letters: short machine-readable error code ({@link ErrorCode}). */
    public static final String ERROR = "coedge.error";

    /** Dead letters: human-readable detail of the error. */
    public static final String ERROR_DETAIL = "coedge.error.detail";

    private FrameHeaders() {}
}
