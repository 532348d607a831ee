package io.coedge.operators.batch;

import io.coedge.format.DeadLetter;
import io.coedge.format.ErrorCode;
import io.coedge.format.Frame;
import io.coedge.format.FrameHeaders;
import io.coedge.format.FrameResult;
import io.coedge.format.RawRecord;
import io.coedge.operators.dispatch.RoutedFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The records a node batcher emits for a frame: its one result, or its one dead letter (the
 * dispatcher's result for a frame it sheds at its origin too).
 */
public final class FrameResults {
    private FrameResults() {}

    /** The result of a frame that ran in a batch: OK when emitted by its deadline, else LATE. */
    static FrameResult ran(
            RoutedFrame routed, String model, String node, BatchOutcome outcome, long emitMs) {
        Frame frame = routed.frame();
        BatchOutcome.Output out = outcome.outputs().get(frame.id());
        boolean inTime = emitMs <= frame.deadlineTs();
        return new FrameResult(
                frame.id(),
                frame.camera(),
                frame.sequence() < 0 ? null : frame.sequence(),
                frame.source(),
                frame.task(),
                model,
                node,
                frame.origin(),
                outcome.outputs().size(),
                inTime ? FrameResult.Status.OK : FrameResult.Status.LATE,
                null,
                frame.captureTs(),
                routed.dispatchTs(),
                outcome.inferenceStartMs(),
                outcome.inferenceEndMs(),
                emitMs,
                emitMs - frame.captureTs(),
                frame.deadlineTs(),
                frame.deadlineMs(),
                inTime,
                out.detections(),
                out.classes());
    }

    /** The result of a frame that did not run (shed, refused, failed). */
    static FrameResult unrun(
            RoutedFrame routed,
            String model,
            String node,
            FrameResult.Status status,
            String reason,
            long emitMs) {
        return unrun(routed.frame(), routed.dispatchTs(), model, node, status, reason, emitMs);
    }

    /**
     * The result of a frame that did not run, by the frame and when it was dispatched: also the
     * dispatcher's, for a frame it sheds at its origin.
     */
    public static FrameResult unrun(
            Frame frame,
            long dispatchTs,
            String model,
            String node,
            FrameResult.Status status,
            String reason,
            long emitMs) {
        return new FrameResult(
                frame.id(),
                frame.camera(),
                frame.sequence() < 0 ? null : frame.sequence(),
                frame.source(),
                frame.task(),
                model,
                node,
                frame.origin(),
                0,
                status,
                reason,
                frame.captureTs(),
                dispatchTs,
                null,
                null,
                emitMs,
                emitMs - frame.captureTs(),
                frame.deadlineTs(),
                frame.deadlineMs(),
                false,
                null,
                null);
    }

    /**
     * The record as the camera sent it (the headers rebuilt from the frame), refused for its image
     * data.
     */
    static DeadLetter deadLetter(Frame frame, ErrorCode code, String detail) {
        List<RawRecord.Header> headers = new ArrayList<>();
        headers.add(header(FrameHeaders.TASK, frame.task()));
        headers.add(header(FrameHeaders.TIMESTAMP, Long.toString(frame.captureTs())));
        headers.add(header(FrameHeaders.DEADLINE_MS, Long.toString(frame.deadlineMs())));
        headers.add(header(FrameHeaders.ORIGIN, frame.origin()));
        if (frame.sequence() >= 0) {
            headers.add(header(FrameHeaders.SEQUENCE, Long.toString(frame.sequence())));
        }
        return new DeadLetter(
                frame.source(),
                frame.camera().getBytes(StandardCharsets.UTF_8),
                frame.image(),
                headers,
                code,
                detail);
    }

    private static RawRecord.Header header(String name, String value) {
        return new RawRecord.Header(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
