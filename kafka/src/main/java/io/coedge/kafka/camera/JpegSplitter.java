package io.coedge.kafka.camera;

import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;

/**
 * Splits a byte stream of concatenated JPEG images (what {@code ffmpeg -f image2pipe -c:v mjpeg}
 * writes) into one array per image, incrementally: feed it whatever the pipe returned, it calls
 * back once per complete image.
 *
 * <p>An image runs from its SOI marker ({@code FF D8}) to its EOI marker ({@code FF D9}). The
 * splitter follows the marker segments by their lengths rather than searching for {@code FF D9}, so
 * an EOI inside a segment (an EXIF thumbnail) does not cut an image short; inside entropy-coded
 * data {@code FF 00} (stuffing) and {@code FF D0..D7} (restart markers) are data, as in ITU T.81.
 * Bytes outside images, and a malformed image (a byte where a marker must be), are skipped and
 * counted ({@link #skippedBytes()}). It is our own small state machine (no library splits a JPEG
 * stream without decoding it) and is unit-tested.
 */
public final class JpegSplitter {
    private enum State {
        SEEK_FF,
        SEEK_D8,
        MARKER_FF,
        MARKER_CODE,
        LENGTH_HIGH,
        LENGTH_LOW,
        SEGMENT,
        ENTROPY,
        ENTROPY_FF
    }

    private final Consumer<byte[]> sink;
    private final int maxImageBytes;
    private final ByteArrayOutputStream image = new ByteArrayOutputStream(1 << 18);
    private State state = State.SEEK_FF;
    private int code;
    private int remaining;
    private long skipped;
    private long images;

    /**
     * @param sink called with each complete image
     * @param maxImageBytes an image larger than this is an error (a stream that is not JPEG)
     */
    public JpegSplitter(Consumer<byte[]> sink, int maxImageBytes) {
        this.sink = sink;
        this.maxImageBytes = maxImageBytes;
    }

    /** Bytes that were not part of any image (before an SOI). */
    public long skippedBytes() {
        return skipped;
    }

    /** Images emitted so far. */
    public long images() {
        return images;
    }

    /** True when the bytes fed so far end inside an image. */
    public boolean inImage() {
        return state != State.SEEK_FF && state != State.SEEK_D8;
    }

    /**
     * Feeds bytes.
     *
     * @throws IllegalStateException when an image grows beyond the limit
     */
    public void feed(byte[] buffer, int offset, int length) {
        int end = offset + length;
        int runStart = offset; // bytes [runStart, i) belong to the current image
        for (int i = offset; i < end; i++) {
            int b = buffer[i] & 0xFF;
            switch (state) {
                case SEEK_FF -> {
                    if (b == 0xFF) {
                        state = State.SEEK_D8;
                    } else {
                        skipped++;
                    }
                }
                case SEEK_D8 -> {
                    if (b == 0xD8) {
                        image.reset();
                        image.write(0xFF);
                        runStart = i;
                        state = State.MARKER_FF;
                    } else if (b != 0xFF) {
                        skipped += 2;
                        state = State.SEEK_FF;
                    } else {
                        skipped++;
                    }
                }
                case MARKER_FF -> {
                    if (b != 0xFF) {
                        runStart = resync(runStart, i);
                    } else {
                        state = State.MARKER_CODE;
                    }
                }
                case MARKER_CODE -> {
                    if (b == 0xFF) {
                        // fill byte
                    } else if (b == 0xD9) {
                        runStart = emit(buffer, runStart, i + 1);
                    } else if ((b >= 0xD0 && b <= 0xD7) || b == 0x01 || b == 0xD8) {
                        state = State.MARKER_FF;
                    } else {
                        code = b;
                        state = State.LENGTH_HIGH;
                    }
                }
                case LENGTH_HIGH -> {
                    remaining = b << 8;
                    state = State.LENGTH_LOW;
                }
                case LENGTH_LOW -> {
                    remaining = (remaining | b) - 2;
                    if (remaining < 0) {
                        runStart = resync(runStart, i);
                    } else {
                        state = remaining > 0 ? State.SEGMENT : afterSegment();
                    }
                }
                case SEGMENT -> {
                    // skip the rest of the segment in one step
                    int take = Math.min(remaining, end - i);
                    remaining -= take;
                    i += take - 1;
                    if (remaining == 0) {
                        state = afterSegment();
                    }
                }
                case ENTROPY -> {
                    if (b == 0xFF) {
                        state = State.ENTROPY_FF;
                    }
                }
                case ENTROPY_FF -> {
                    if (b == 0x00 || (b >= 0xD0 && b <= 0xD7)) {
                        state = State.ENTROPY;
                    } else if (b == 0xD9) {
                        runStart = emit(buffer, runStart, i + 1);
                    } else if (b != 0xFF) {
                        // a marker between scans (DHT, SOS of a progressive image, ...)
                        code = b;
                        state = State.LENGTH_HIGH;
                    }
                }
            }
            if (inImage() && image.size() + (i + 1 - runStart) > maxImageBytes) {
                throw new IllegalStateException(
                        "an image in the stream exceeds " + maxImageBytes + " bytes");
            }
        }
        if (inImage()) {
            image.write(buffer, runStart, end - runStart);
        }
    }

    /** Drops a malformed image: its bytes count as skipped and the search for an SOI resumes. */
    private int resync(int runStart, int i) {
        skipped += image.size() + (i + 1 - runStart);
        image.reset();
        state = State.SEEK_FF;
        return i + 1;
    }

    private State afterSegment() {
        return code == 0xDA ? State.ENTROPY : State.MARKER_FF;
    }

    private int emit(byte[] buffer, int runStart, int to) {
        image.write(buffer, runStart, to - runStart);
        byte[] out = image.toByteArray();
        image.reset();
        state = State.SEEK_FF;
        images++;
        sink.accept(out);
        return to;
    }
}
