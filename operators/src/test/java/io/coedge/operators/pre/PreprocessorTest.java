package io.coedge.operators.pre;

import static io.coedge.testing.TestImages.solid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.coedge.catalog.ModelSpec;
import java.awt.Color;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

    static ModelSpec model(
            int w, int h, String resize, List<Double> mean, List<Double> std, String order) {
        return new ModelSpec(
                "m",
                new ModelSpec.InputSpec("input", w, h, 3),
                new ModelSpec.Preprocess(resize, 1.0 / 255.0, mean, std, order),
                new ModelSpec.Postprocess("classification", List.of("a"), 0.25, 0.45, 1),
                8);
    }

    private static float[] plane(float[] chw, int c, int plane) {
        return Arrays.copyOfRange(chw, c * plane, (c + 1) * plane);
    }

    @Test
    void stretchScalesNormalisesAndOrdersChannels() throws Exception {
        byte[] red = solid("png", 8, 4, new Color(255, 0, 0));
        List<Double> zero = List.of(0.0, 0.0, 0.0);
        List<Double> one = List.of(1.0, 1.0, 1.0);

        float[] rgb =
                new Preprocessor(model(2, 2, "stretch", zero, one, "RGB")).apply(red).floats();
        float[] bgr =
                new Preprocessor(model(2, 2, "stretch", zero, one, "BGR")).apply(red).floats();
        float[] norm =
                new Preprocessor(
                                model(
                                        2,
                                        2,
                                        "stretch",
                                        List.of(0.5, 0.5, 0.5),
                                        List.of(0.5, 0.5, 0.5),
                                        "RGB"))
                        .apply(red)
                        .floats();

        assertThat(rgb).containsExactly(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(bgr).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1);
        assertThat(norm).containsExactly(1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1);
    }

    @Test
    void letterboxKeepsAspectPadsGreyAndMapsBoxesBack() throws Exception {
        byte[] white = solid("png", 200, 100, Color.WHITE);
        List<Double> zero = List.of(0.0, 0.0, 0.0);
        List<Double> one = List.of(1.0, 1.0, 1.0);

        Preprocessor.Tensor t =
                new Preprocessor(model(100, 100, "letterbox", zero, one, "RGB")).apply(white);

        assertThat(t.letterbox()).isEqualTo(new Letterbox(0.5, 0.5, 0, 25, 200, 100));
        float[] red = plane(t.floats(), 0, 100 * 100);
        assertThat(red[0]).as("top padding").isCloseTo(114 / 255f, within(1e-6f));
        assertThat(red[50 * 100 + 50]).as("image centre").isCloseTo(1f, within(1e-6f));
        assertThat(red[99 * 100 + 50]).as("bottom padding").isCloseTo(114 / 255f, within(1e-6f));
        assertThat(t.letterbox().toSourceX(100)).isEqualTo(200);
        assertThat(t.letterbox().toSourceY(25)).isEqualTo(0);
        assertThat(t.letterbox().toSourceY(50)).isEqualTo(50);
        assertThat(t.letterbox().toSourceY(90)).as("clipped to the frame").isEqualTo(100);
    }

    @Test
    void corruptImagesAreRefusedNotHalfDecoded() throws Exception {
        byte[] jpeg = solid("jpg", 64, 64, Color.BLUE);
        byte[] png = solid("png", 64, 64, Color.BLUE);
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);
        byte[] brokenPng = png.clone();
        for (int i = 45; i < brokenPng.length - 20; i++) {
            brokenPng[i] = (byte) 0xa5; // inside IDAT: the deflate stream is garbage now
        }
        Preprocessor p =
                new Preprocessor(
                        model(
                                32,
                                32,
                                "stretch",
                                List.of(0.0, 0.0, 0.0),
                                List.of(1.0, 1.0, 1.0),
                                "RGB"));

        assertThat(p.apply(jpeg).floats()).hasSize(3 * 32 * 32);
        assertThatThrownBy(() -> p.apply(truncated))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining("truncated JPEG");
        assertThatThrownBy(() -> p.apply(brokenPng)).isInstanceOf(ImageDecodeException.class);
        assertThatThrownBy(() -> p.apply("GIF89a nope".getBytes()))
                .isInstanceOf(ImageDecodeException.class);
    }

    @Test
    void aRecycledTensorIsOverwrittenWhollyByTheNextFrame() throws Exception {
        // A wide frame pads above and below, a tall one left and right: the second, written into
        // the first's recycled array, must not keep any of the first's pixels or padding.
        byte[] wide = solid("png", 200, 100, Color.WHITE);
        byte[] tall = solid("jpg", 60, 120, new Color(200, 30, 90));
        List<Double> mean = List.of(0.485, 0.456, 0.406);
        List<Double> std = List.of(0.229, 0.224, 0.225);
        for (String dtype : List.of("float32", "uint8")) {
            for (String layout : List.of("NCHW", "NHWC")) {
                ModelSpec m =
                        new ModelSpec(
                                "m",
                                new ModelSpec.InputSpec("input", 64, 64, 3, layout, dtype),
                                new ModelSpec.Preprocess(
                                        "letterbox", 1.0 / 255.0, mean, std, "RGB", 114),
                                new ModelSpec.Postprocess(
                                        "classification", List.of("a"), 0.25, 0.45, 1),
                                8);
                Preprocessor p = new Preprocessor(m);
                Preprocessor.Tensor first = p.apply(wide);
                p.recycle(first);
                Preprocessor.Tensor second = p.apply(tall);
                Preprocessor.Tensor fresh = new Preprocessor(m).apply(tall);

                Object array = dtype.equals("uint8") ? second.uint8() : second.floats();
                assertThat(array)
                        .as(dtype + " " + layout + ": the recycled array is reused")
                        .isSameAs(dtype.equals("uint8") ? first.uint8() : first.floats());
                assertThat(second.values())
                        .as(dtype + " " + layout)
                        .containsExactly(fresh.values());
                assertThat(second.letterbox()).isEqualTo(fresh.letterbox());
            }
        }
    }

    @Test
    void aRecycledTensorOfTheSameLetterboxKeepsItsPaddingAndOneOfAnotherPreprocessorIsPadded()
            throws Exception {
        // The next frame of the same camera: the padding is not written again, only the image.
        byte[] white = solid("jpg", 200, 100, Color.WHITE);
        byte[] red = solid("jpg", 200, 100, new Color(200, 30, 90));
        List<Double> mean = List.of(0.485, 0.456, 0.406);
        List<Double> std = List.of(0.229, 0.224, 0.225);
        for (String dtype : List.of("float32", "uint8")) {
            for (String layout : List.of("NCHW", "NHWC")) {
                ModelSpec m = letterboxModel(layout, dtype, mean, std, 114);
                ModelSpec otherPad = letterboxModel(layout, dtype, mean, std, 0);
                Preprocessor p = new Preprocessor(m);
                Preprocessor.Tensor fresh = new Preprocessor(m).apply(red);

                Preprocessor.Tensor first = p.apply(white);
                p.recycle(first);
                Preprocessor.Tensor second = p.apply(red);
                assertThat(second.values()).isNotSameAs(fresh.values());
                assertThat(second.values())
                        .as(dtype + " " + layout + ": same letterbox, recycled")
                        .containsExactly(fresh.values());

                // A tensor padded with another pad value, handed to p: padded again.
                Preprocessor other = new Preprocessor(otherPad);
                Preprocessor.Tensor foreign = other.apply(white);
                p.recycle(foreign);
                Preprocessor.Tensor third = p.apply(red);
                assertThat(dtype.equals("uint8") ? third.uint8() : third.floats())
                        .as("the foreign array is reused")
                        .isSameAs(dtype.equals("uint8") ? foreign.uint8() : foreign.floats());
                assertThat(third.values())
                        .as(dtype + " " + layout + ": another pre-processor's tensor")
                        .containsExactly(fresh.values());
            }
        }
    }

    private static ModelSpec letterboxModel(
            String layout, String dtype, List<Double> mean, List<Double> std, int pad) {
        return new ModelSpec(
                "m",
                new ModelSpec.InputSpec("input", 64, 64, 3, layout, dtype),
                new ModelSpec.Preprocess("letterbox", 1.0 / 255.0, mean, std, "RGB", pad),
                new ModelSpec.Postprocess("classification", List.of("a"), 0.25, 0.45, 1),
                8);
    }
}
