package io.coedge.format;

/**
 * Bounds the frame decoder enforces.
 *
 * @param maxValueBytes largest accepted image, in bytes
 * @param maxPixels largest accepted width x height declared by an image header
 * @param maxClockSkewMs how far in the future a capture time may be before it is refused
 * @param maxDeadlineMs largest accepted relative deadline
 */
public record DecoderLimits(
        long maxValueBytes, long maxPixels, long maxClockSkewMs, long maxDeadlineMs)
        implements java.io.Serializable {

    /** 16 MiB images, 8K UHD pixels, one minute of skew, one hour of deadline. */
    public static DecoderLimits defaults() {
        return new DecoderLimits(16L << 20, 7680L * 4320L, 60_000L, 3_600_000L);
    }
}
