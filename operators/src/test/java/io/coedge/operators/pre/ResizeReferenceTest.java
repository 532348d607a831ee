package io.coedge.operators.pre;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.ModelSpec;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fast tensor pass (separable, fixed point, planar rows) against a plain reference written
 * here: for every output element, the two-dimensional sum of the triangle filter's weights over the
 * decoded pixels in double precision, then normalisation and layout by the book. Random pixels, so
 * every edge is as sharp as it gets.
 *
 * <p>Tolerance: within {@value #LEVELS} of one 0..255 level of the exact value, for every element
 * (the fast pass rounds to a level, 0.5, and its integer weights add at most about 0.15), and
 * within 0.3 levels on average; the padding is exactly the pad value.
 */
class ResizeReferenceTest {
    static final double LEVELS = 0.75;

    @ParameterizedTest(name = "{0}x{1} (source {2}x{3}) -> {4}x{5} {6} {7} {8} {9} {10}")
    @CsvSource({
        // decoded, source (DCT-scaled when larger), model input, resize, layout, dtype, channels,
        // order
        "97, 61, 97, 61, 40, 40, letterbox, NCHW, float32, 3, RGB",
        "97, 61, 97, 61, 40, 40, letterbox, NHWC, float32, 3, BGR",
        "97, 61, 97, 61, 40, 40, letterbox, NCHW, uint8, 3, RGB",
        "97, 61, 97, 61, 40, 40, letterbox, NHWC, uint8, 3, BGR",
        "45, 80, 45, 80, 32, 24, letterbox, NCHW, float32, 3, RGB",
        "45, 80, 45, 80, 32, 24, letterbox, NHWC, uint8, 3, RGB",
        "720, 405, 1920, 1080, 64, 64, letterbox, NCHW, float32, 3, RGB",
        "720, 405, 1920, 1080, 64, 64, letterbox, NHWC, uint8, 3, RGB",
        "13, 9, 13, 9, 32, 32, letterbox, NCHW, float32, 3, RGB",
        "50, 50, 50, 50, 50, 50, stretch, NCHW, float32, 3, RGB",
        "64, 48, 64, 48, 30, 20, stretch, NHWC, float32, 3, BGR",
        "64, 48, 64, 48, 24, 24, letterbox, NCHW, float32, 1, RGB",
        "64, 48, 64, 48, 24, 24, letterbox, NHWC, uint8, 1, RGB",
        "3, 2, 3, 2, 16, 16, letterbox, NHWC, float32, 3, RGB",
        // Already the size the image takes in the tensor (720p at 4/8, a 640x480 frame): no
        // resize, the bytes copied into every layout.
        "64, 36, 128, 72, 64, 64, letterbox, NCHW, float32, 3, RGB",
        "64, 36, 128, 72, 64, 64, letterbox, NHWC, float32, 3, BGR",
        "64, 48, 64, 48, 64, 64, letterbox, NCHW, uint8, 3, BGR",
        "64, 48, 64, 48, 64, 64, letterbox, NHWC, uint8, 3, RGB",
        "64, 48, 64, 48, 64, 64, letterbox, NHWC, uint8, 3, BGR",
        "48, 64, 48, 64, 64, 64, letterbox, NCHW, float32, 1, RGB",
        "48, 64, 48, 64, 64, 64, letterbox, NCHW, uint8, 1, RGB",
        "48, 64, 48, 64, 64, 64, letterbox, NHWC, float32, 1, RGB",
    })
    void theFastPassEqualsThePlainReference(
            int dw,
            int dh,
            int sw,
            int sh,
            int w,
            int h,
            String resize,
            String layout,
            String dtype,
            int channels,
            String order) {
        List<Double> mean = List.of(0.485, 0.456, 0.406);
        List<Double> std = List.of(0.229, 0.224, 0.225);
        double scale = 1.0 / 255.0;
        int padValue = 114;
        ModelSpec model =
                new ModelSpec(
                        "m",
                        new ModelSpec.InputSpec("input", w, h, 3, layout, dtype),
                        new ModelSpec.Preprocess(resize, scale, mean, std, order, padValue),
                        new ModelSpec.Postprocess("classification", List.of("a"), 0.25, 0.45, 1),
                        8);
        byte[] pixels = new byte[dw * dh * channels];
        new Random(dw * 31L + dh).nextBytes(pixels);
        DecodedImage image = new DecodedImage(pixels, dw, dh, channels, sw, sh);

        Preprocessor.Tensor ours = new Preprocessor(model, ImageDecoder.imageIo()).tensor(image);

        // The reference: where the image goes, then every element by the book.
        boolean letterbox = resize.equals("letterbox");
        int nw = w;
        int nh = h;
        if (letterbox) {
            double s = Math.min((double) w / sw, (double) h / sh);
            nw = Math.max(1, (int) Math.round(sw * s));
            nh = Math.max(1, (int) Math.round(sh * s));
        }
        int px = (w - nw) / 2;
        int py = (h - nh) / 2;
        double[][] wx = weights(dw, nw);
        double[][] wy = weights(dh, nh);
        boolean uint8 = dtype.equals("uint8");
        boolean nhwc = layout.equals("NHWC");
        double sum = 0;
        int count = 0;
        for (int c = 0; c < 3; c++) {
            int source = channels == 1 ? 0 : order.equals("RGB") ? c : 2 - c;
            double perLevel = uint8 ? 1 : scale / std.get(c);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int at = nhwc ? (y * w + x) * 3 + c : c * w * h + y * w + x;
                    double actual = uint8 ? ours.uint8()[at] & 0xff : (double) ours.floats()[at];
                    boolean inside = x >= px && x < px + nw && y >= py && y < py + nh;
                    if (!inside) {
                        double pad =
                                uint8
                                        ? padValue
                                        : padValue * scale / std.get(c) - mean.get(c) / std.get(c);
                        assertThat(actual)
                                .as("padding at %d,%d channel %d", x, y, c)
                                .isCloseTo(pad, org.assertj.core.data.Offset.offset(1e-5));
                        continue;
                    }
                    double level = 0;
                    for (int j = 0; j < dh; j++) {
                        double vy = wy[y - py][j];
                        if (vy == 0) {
                            continue;
                        }
                        for (int i = 0; i < dw; i++) {
                            level +=
                                    vy
                                            * wx[x - px][i]
                                            * (pixels[(j * dw + i) * channels + source] & 0xff);
                        }
                    }
                    double expected =
                            uint8 ? level : level * scale / std.get(c) - mean.get(c) / std.get(c);
                    double diff = Math.abs(actual - expected) / perLevel;
                    assertThat(diff)
                            .as(
                                    "levels off at %d,%d channel %d (%s vs %s)",
                                    x, y, c, actual, expected)
                            .isLessThanOrEqualTo(LEVELS);
                    sum += diff;
                    count++;
                }
            }
        }
        assertThat(sum / count).as("mean difference in levels").isLessThan(0.3);
    }

    /**
     * The triangle filter, {@code weights[o][i]} of input sample {@code i} in output {@code o}: as
     * wide as the scale when shrinking, bilinear when enlarging, pixel centres aligned, samples
     * beyond the edges clamped to it, weights summing to 1.
     */
    static double[][] weights(int in, int out) {
        double scale = (double) in / out;
        double support = Math.max(1.0, scale);
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            double centre = (o + 0.5) * scale - 0.5;
            double total = 0;
            for (int i = (int) Math.floor(centre - support);
                    i <= Math.ceil(centre + support);
                    i++) {
                double v = Math.max(0, 1 - Math.abs(i - centre) / support);
                w[o][Math.max(0, Math.min(in - 1, i))] += v;
                total += v;
            }
            for (int i = 0; i < in; i++) {
                w[o][i] /= total;
            }
        }
        return w;
    }
}
