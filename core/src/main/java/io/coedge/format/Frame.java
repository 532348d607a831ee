package io.coedge.format;

/**
 * A validated frame: headers parsed, image format and size known from its header (not yet decoded).
 * Times are epoch milliseconds.
 *
 * @param id frame identity: {@code camera#sequence}, or {@code topic/partition@offset} without a
 *     sequence
 * @param camera camera id (the record key)
 * @param sequence per-camera sequence number, or -1 when the producer sent none
 * @param task task id
 * @param origin node the camera is attached to
 * @param captureTs capture time
 * @param deadlineMs relative deadline
 * @param format image encoding
 * @param width image width declared by its header
 * @param height image height declared by its header
 * @param image the encoded image
 * @param source where the record came from, {@code topic/partition@offset}
 */
public record Frame(
        String id,
        String camera,
        long sequence,
        String task,
        String origin,
        long captureTs,
        long deadlineMs,
        ImageFormat format,
        int width,
        int height,
        byte[] image,
        String source) {

    /** Absolute deadline, epoch milliseconds. */
    public long deadlineTs() {
        return captureTs + deadlineMs;
    }
}
