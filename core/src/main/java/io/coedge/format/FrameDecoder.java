package io.coedge.format;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.TaskSpec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Validates a raw frame record against the frame format (docs/FORMATS.md) and the catalog. Never
 * throws on bad input: every problem becomes a {@link DecodeResult.Rejected} with a specific {@link
 * ErrorCode}, which the job writes to the dead-letter topic.
 */
public final class FrameDecoder {
    private final Catalog catalog;
    private final DecoderLimits limits;

    public FrameDecoder(Catalog catalog, DecoderLimits limits) {
        this.catalog = catalog;
        this.limits = limits;
    }

    /**
     * @param record the record as read from Kafka
     * @param nowMs current time, epoch milliseconds, to refuse capture times from the future
     */
    public DecodeResult decode(RawRecord record, long nowMs) {
        String source = record.topic() + "/" + record.partition() + "@" + record.offset();
        if (record.key() == null || record.key().length == 0) {
            return reject(ErrorCode.EMPTY_KEY, "record " + source + " has no key");
        }
        String camera = utf8(record.key());
        if (camera == null) {
            return reject(
                    ErrorCode.BAD_KEY_ENCODING,
                    "key bytes " + ImageProbe.hex(record.key(), 16) + " are not UTF-8");
        }
        Map<String, byte[]> headers = new HashMap<>();
        for (RawRecord.Header h : record.headers()) {
            if (h.key() != null
                    && h.key().startsWith("coedge.")
                    && headers.put(h.key(), h.value()) != null) {
                return reject(
                        ErrorCode.DUPLICATE_HEADER,
                        "header " + h.key() + " appears more than once");
            }
        }

        byte[] taskBytes = headers.get(FrameHeaders.TASK);
        if (taskBytes == null) {
            return reject(ErrorCode.MISSING_TASK, "header " + FrameHeaders.TASK + " is required");
        }
        String taskId = utf8(taskBytes);
        if (taskId == null || taskId.isBlank()) {
            return reject(
                    ErrorCode.BAD_TASK, "header " + FrameHeaders.TASK + " is empty or not UTF-8");
        }
        TaskSpec task = catalog.task(taskId).orElse(null);
        if (task == null) {
            return reject(ErrorCode.UNKNOWN_TASK, "task '" + taskId + "' is not in the catalog");
        }

        byte[] tsBytes = headers.get(FrameHeaders.TIMESTAMP);
        if (tsBytes == null) {
            return reject(
                    ErrorCode.MISSING_TIMESTAMP,
                    "header " + FrameHeaders.TIMESTAMP + " is required");
        }
        long captureTs = decimal(tsBytes);
        if (captureTs < 0) {
            return reject(
                    ErrorCode.BAD_TIMESTAMP,
                    "header " + FrameHeaders.TIMESTAMP + " is '" + printable(tsBytes) + "'");
        }
        if (captureTs > nowMs + limits.maxClockSkewMs()) {
            return reject(
                    ErrorCode.FUTURE_TIMESTAMP,
                    "capture time "
                            + captureTs
                            + " is "
                            + (captureTs - nowMs)
                            + " ms ahead of now; at most "
                            + limits.maxClockSkewMs()
                            + " ms of clock skew is accepted");
        }

        long deadlineMs = task.deadlineMs();
        byte[] deadlineBytes = headers.get(FrameHeaders.DEADLINE_MS);
        if (deadlineBytes != null) {
            deadlineMs = decimal(deadlineBytes);
            if (deadlineMs <= 0 || deadlineMs > limits.maxDeadlineMs()) {
                return reject(
                        ErrorCode.BAD_DEADLINE,
                        "header "
                                + FrameHeaders.DEADLINE_MS
                                + " is '"
                                + printable(deadlineBytes)
                                + "'; expected 1 to "
                                + limits.maxDeadlineMs());
            }
        }

        String origin = task.origin();
        byte[] originBytes = headers.get(FrameHeaders.ORIGIN);
        if (originBytes != null) {
            origin = utf8(originBytes);
            if (origin == null || catalog.node(origin).isEmpty()) {
                return reject(
                        ErrorCode.BAD_ORIGIN,
                        "header "
                                + FrameHeaders.ORIGIN
                                + " is '"
                                + printable(originBytes)
                                + "', not a node of the catalog");
            }
        }

        long sequence = -1;
        byte[] seqBytes = headers.get(FrameHeaders.SEQUENCE);
        if (seqBytes != null) {
            sequence = decimal(seqBytes);
            if (sequence < 0) {
                return reject(
                        ErrorCode.BAD_SEQUENCE,
                        "header " + FrameHeaders.SEQUENCE + " is '" + printable(seqBytes) + "'");
            }
        }

        byte[] value = record.value();
        if (value == null || value.length == 0) {
            return reject(ErrorCode.EMPTY_VALUE, "record " + source + " has an empty value");
        }
        if (value.length > limits.maxValueBytes()) {
            return reject(
                    ErrorCode.OVERSIZE_VALUE,
                    value.length + " bytes; at most " + limits.maxValueBytes());
        }
        ImageProbe.Probe probe = ImageProbe.probe(value);
        if (probe instanceof ImageProbe.Bad bad) {
            return reject(bad.code(), bad.detail());
        }
        ImageProbe.Ok image = (ImageProbe.Ok) probe;
        long pixels = (long) image.width() * image.height();
        if (pixels > limits.maxPixels()) {
            return reject(
                    ErrorCode.IMAGE_TOO_LARGE,
                    image.format()
                            + " declares "
                            + image.width()
                            + "x"
                            + image.height()
                            + " = "
                            + pixels
                            + " pixels; at most "
                            + limits.maxPixels());
        }

        String id = sequence >= 0 ? camera + "#" + sequence : source;
        return new DecodeResult.Accepted(
                new Frame(
                        id,
                        camera,
                        sequence,
                        task.id(),
                        origin,
                        captureTs,
                        deadlineMs,
                        image.format(),
                        image.width(),
                        image.height(),
                        value,
                        source));
    }

    private static DecodeResult reject(ErrorCode code, String detail) {
        return new DecodeResult.Rejected(code, detail);
    }

    /** Strict UTF-8, or null when the bytes are not valid UTF-8. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** A non-negative decimal of at most 18 digits, or -1. */
    static long decimal(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length > 18) {
            return -1;
        }
        long v = 0;
        for (byte b : bytes) {
            if (b < '0' || b > '9') {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    private static String printable(byte[] bytes) {
        String text = utf8(bytes);
        if (text == null) {
            return "non-UTF-8 bytes " + ImageProbe.hex(bytes, 16);
        }
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
