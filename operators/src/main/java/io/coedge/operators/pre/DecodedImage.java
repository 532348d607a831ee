package io.coedge.operators.pre;

/**
 * Decoded pixels, interleaved 8 bits per sample: RGB ({@code channels == 3}) or grey ({@code 1}),
 * possibly smaller than the source frame (decoded with DCT-domain scaling or subsampling). {@code
 * pixels} holds at least {@code width x height x channels} bytes, row after row from its start; it
 * may be longer (a buffer reused between frames).
 *
 * @param sourceWidth the frame's width as encoded, which boxes map back to
 * @param sourceHeight likewise
 */
public record DecodedImage(
        byte[] pixels, int width, int height, int channels, int sourceWidth, int sourceHeight) {}
