package io.coedge.operators.pre;

import java.nio.ByteBuffer;

/**
 * Decoded pixels, interleaved 8 bits per sample: RGB ({@code channels == 3}) or grey ({@code 1}),
 * possibly smaller than the source frame (decoded with DCT-domain scaling or subsampling). {@code
 * pixels} holds at least {@code width x height x channels} bytes, row after row from index 0 (its
 * position and limit are not used: reads are absolute, up to its capacity); it may be longer (a
 * buffer reused between frames). Either a heap buffer (ImageIO, tests) or a direct one:
 * libjpeg-turbo's native output, read in place by {@link Preprocessor} instead of being copied to
 * the heap.
 *
 * @param sourceWidth the frame's width as encoded, which boxes map back to
 * @param sourceHeight likewise
 */
public record DecodedImage(
        ByteBuffer pixels, int width, int height, int channels, int sourceWidth, int sourceHeight) {

    /** Pixels in a heap array. */
    public DecodedImage(
            byte[] pixels, int width, int height, int channels, int sourceWidth, int sourceHeight) {
        this(ByteBuffer.wrap(pixels), width, height, channels, sourceWidth, sourceHeight);
    }
}
