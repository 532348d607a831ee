package io.coedge.operators.pre;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.ModelSpec;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Vector API resize ({@link VectorResize}) against the scalar pass: the same tensor, element
 * for element (the same integer arithmetic, the same float operations), on random pixels, at the
 * sizes DCT scaling leaves (1080p at 3/8 and 4/8), small and odd sizes (blocks cut short, rows
 * whose last vector would read past the image), enlarging, a downscale too wide for the vector
 * blocks (the scalar fallback), no resize (the vector copy), grey, NCHW and NHWC, float32 and uint8
 * (in BGR order). The tests run with {@code --add-modules jdk.incubator.vector} (the module's
 * surefire argLine).
 */
class VectorResizeTest {
    @ParameterizedTest(name = "{0}x{1} (source {2}x{3}) -> {4}x{5} {6} {7} {8} {9}")
    @CsvSource({
        "720, 405, 1920, 1080, 640, 640, letterbox, NCHW, float32, 3",
        "720, 405, 1920, 1080, 640, 640, letterbox, NCHW, uint8, 3",
        "720, 405, 1920, 1080, 640, 640, letterbox, NHWC, float32, 3",
        "960, 540, 1920, 1080, 640, 640, letterbox, NCHW, float32, 3",
        "960, 540, 1920, 1080, 640, 640, letterbox, NHWC, uint8, 3",
        "97, 61, 97, 61, 40, 40, letterbox, NCHW, float32, 3",
        "97, 61, 97, 61, 53, 37, stretch, NCHW, uint8, 3",
        "13, 9, 13, 9, 32, 32, letterbox, NCHW, float32, 3",
        "1000, 12, 1000, 12, 37, 20, stretch, NCHW, float32, 3",
        "720, 405, 1920, 1080, 640, 640, letterbox, NCHW, float32, 1",
        "333, 201, 333, 201, 300, 300, letterbox, NCHW, uint8, 3",
        // No resize (640x480, 720p at 1/2): the vector copy.
        "640, 360, 1280, 720, 640, 640, letterbox, NCHW, float32, 3",
        "640, 480, 640, 480, 640, 640, letterbox, NCHW, uint8, 3",
        "37, 21, 37, 21, 37, 37, letterbox, NCHW, float32, 3",
    })
    void theVectorPassWritesExactlyTheScalarTensor(
            int dw,
            int dh,
            int sw,
            int sh,
            int w,
            int h,
            String resize,
            String layout,
            String dtype,
            int channels) {
        ModelSpec model = model(w, h, resize, layout, dtype);
        byte[] pixels = new byte[dw * dh * channels];
        new Random(dw * 131L + dh).nextBytes(pixels);
        DecodedImage image = new DecodedImage(pixels, dw, dh, channels, sw, sh);

        Preprocessor.Tensor scalar =
                new Preprocessor(model, ImageDecoder.imageIo(), false).tensor(image);
        Preprocessor.Tensor vector =
                new Preprocessor(model, ImageDecoder.imageIo(), true).tensor(image);

        if (dtype.equals("uint8")) {
            assertThat(vector.uint8()).isEqualTo(scalar.uint8());
        } else {
            assertThat(vector.floats()).isEqualTo(scalar.floats());
        }
    }

    /**
     * libjpeg-turbo's output is read in place from native memory (a direct buffer): both passes
     * give the tensor of the same pixels on the heap. The buffer is exactly as long as the image,
     * so the last row's vector loads would read past it and take the scalar tail.
     */
    @ParameterizedTest(name = "{0}x{1} (source {2}x{3}) -> {4}x{5} {6} {7} {8} {9}")
    @CsvSource({
        "720, 405, 1920, 1080, 640, 640, letterbox, NCHW, float32, 3",
        "720, 405, 1920, 1080, 640, 640, letterbox, NHWC, uint8, 3",
        "720, 405, 1920, 1080, 640, 640, letterbox, NCHW, float32, 1",
        "97, 61, 97, 61, 53, 37, stretch, NHWC, float32, 3",
        "640, 360, 1280, 720, 640, 640, letterbox, NCHW, float32, 3",
        "640, 480, 640, 480, 640, 640, letterbox, NHWC, uint8, 3",
        "37, 21, 37, 21, 37, 37, letterbox, NCHW, uint8, 1",
    })
    void pixelsInADirectBufferGiveTheTensorOfThePixelsOnTheHeap(
            int dw,
            int dh,
            int sw,
            int sh,
            int w,
            int h,
            String resize,
            String layout,
            String dtype,
            int channels) {
        ModelSpec model = model(w, h, resize, layout, dtype);
        byte[] pixels = new byte[dw * dh * channels];
        new Random(dw * 17L + dh).nextBytes(pixels);
        DecodedImage heap = new DecodedImage(pixels, dw, dh, channels, sw, sh);
        ByteBuffer buffer = ByteBuffer.allocateDirect(pixels.length).put(pixels);
        DecodedImage direct = new DecodedImage(buffer, dw, dh, channels, sw, sh);

        Preprocessor.Tensor expected =
                new Preprocessor(model, ImageDecoder.imageIo(), false).tensor(heap);
        for (boolean vector : new boolean[] {false, true}) {
            Preprocessor.Tensor t =
                    new Preprocessor(model, ImageDecoder.imageIo(), vector).tensor(direct);
            if (dtype.equals("uint8")) {
                assertThat(t.uint8()).as("vector " + vector).isEqualTo(expected.uint8());
            } else {
                assertThat(t.floats()).as("vector " + vector).isEqualTo(expected.floats());
            }
        }
    }

    private static ModelSpec model(int w, int h, String resize, String layout, String dtype) {
        return new ModelSpec(
                "m",
                new ModelSpec.InputSpec("input", w, h, 3, layout, dtype),
                new ModelSpec.Preprocess(
                        resize,
                        1.0 / 255.0,
                        List.of(0.485, 0.456, 0.406),
                        List.of(0.229, 0.224, 0.225),
                        // BGR too: the model's channel order picks the planes.
                        dtype.equals("uint8") ? "BGR" : "RGB",
                        114),
                new ModelSpec.Postprocess("classification", List.of("a"), 0.25, 0.45, 1),
                8);
    }

    @Test
    void theTestJvmHasTheModuleAndTheVectorPassIsUsedWhereVectorsAreWide() {
        assertThat(ModuleLayer.boot().findModule(Simd.MODULE)).isPresent();
        assertThat(Simd.ENABLED).isEqualTo(VectorResize.worthwhile());
    }

    @Test
    void dctScaledRowsGetBlocksAndAFilterTooWideFallsBackToScalar() {
        if (VectorResize.PIXELS >= 8) {
            // 1080p at 3/8 and 4/8 to a 640 letterbox: blocks of several outputs.
            assertThat(VectorResize.tables(new Preprocessor.Axis(720, 640, 13), 640).step)
                    .isGreaterThanOrEqualTo(VectorResize.PIXELS / 2);
            assertThat(VectorResize.tables(new Preprocessor.Axis(960, 640, 13), 640).step)
                    .isGreaterThanOrEqualTo(VectorResize.PIXELS / 2);
        }
        // 27 source pixels an output: no block of two fits a vector.
        assertThat(VectorResize.tables(new Preprocessor.Axis(1000, 37, 13), 37)).isNull();
        assertThat(VectorResize.tables(new Preprocessor.Axis(640, 640, 13), 640)).isNull();
    }
}
