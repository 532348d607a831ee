package io.coedge.operators.pre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.ErrorCode;
import io.coedge.kafka.camera.SceneRenderer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Point;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native (libjpeg-turbo) path and the ImageIO fallback: same tensors within a small tolerance,
 * DCT-domain downscaling, and every kind of frame a camera or a video sends kept in colour or
 * refused with a code. The images are made here with ImageIO.
 */
class ImageDecoderTest {
    static final ImageDecoder NATIVE = ImageDecoder.system();
    static final ImageDecoder IMAGEIO = ImageDecoder.imageIo();

    static ModelSpec model(int w, int h, String resize, String layout, String dtype) {
        return new ModelSpec(
                "m",
                new ModelSpec.InputSpec("input", w, h, 3, layout, dtype),
                new ModelSpec.Preprocess(
                        resize,
                        1.0 / 255.0,
                        List.of(0.0, 0.0, 0.0),
                        List.of(1.0, 1.0, 1.0),
                        "RGB",
                        114),
                new ModelSpec.Postprocess("classification", List.of("a"), 0.25, 0.45, 1),
                8);
    }

    static void assumeNative() {
        assumeThat(NATIVE.isNative())
                .as("libturbojpeg0 is installed (.ci/run installs it)")
                .isTrue();
    }

    static byte[] encode(BufferedImage image, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).isTrue();
        return out.toByteArray();
    }

    /** Mean and largest absolute difference of two tensors. */
    static double[] difference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double sum = 0;
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            sum += d;
            max = Math.max(max, d);
        }
        return new double[] {sum / a.length, max};
    }

    @ParameterizedTest
    @ValueSource(strings = {"640x480", "1280x720", "1920x1080"})
    void theNativePathAndTheFallbackGiveTheSameTensor(String size) throws Exception {
        assumeNative();
        int w = Integer.parseInt(size.split("x")[0]);
        int h = Integer.parseInt(size.split("x")[1]);
        byte[] jpeg = new SceneRenderer(7, w, h).jpeg(3, 0.9f);
        ModelSpec m = model(320, 320, "letterbox", "NCHW", "float32");

        Preprocessor.Tensor ours = new Preprocessor(m, NATIVE).apply(jpeg);
        Preprocessor.Tensor reference = new Preprocessor(m, IMAGEIO).apply(jpeg);

        assertThat(ours.letterbox()).isEqualTo(reference.letterbox());
        double[] diff = difference(ours.floats(), reference.floats());
        // 0..1 pixels: DCT-domain scaling vs full decode and a wider filter differ a little on
        // edges, never in colour or place.
        assertThat(diff[0]).as("mean |difference|").isLessThan(0.01);
        assertThat(diff[1]).as("max |difference|").isLessThan(0.35);
    }

    @Test
    void aLargeJpegDecodesAtTheSmallestDctScaleThatCoversTheInput() throws Exception {
        assumeNative();
        byte[] jpeg = new SceneRenderer(1, 2560, 1440).jpeg(0, 0.8f);

        try (ImageDecoder.Decoding letterboxed =
                        NATIVE.decode(
                                jpeg,
                                new ImageDecoder.Target(640, 640, true),
                                DecodeBudget.unbounded());
                ImageDecoder.Decoding stretched =
                        NATIVE.decode(
                                jpeg,
                                new ImageDecoder.Target(640, 640, false),
                                DecodeBudget.unbounded())) {
            // letterbox: 640x360 needed -> 1/4; stretch: 640 rows needed -> 1/2 (3/8 gives 540)
            assertThat(letterboxed.image().width()).isEqualTo(640);
            assertThat(letterboxed.image().height()).isEqualTo(360);
            assertThat(stretched.image().width()).isEqualTo(1280);
            assertThat(stretched.image().height()).isEqualTo(720);
            assertThat(stretched.image().sourceWidth()).isEqualTo(2560);
        }
    }

    @Test
    void theSmallestCoveringScaleOrOnRequestAPowerOfTwoWithAtMostTwiceThePixels() throws Exception {
        assumeNative();
        ImageDecoder.Target letterbox = new ImageDecoder.Target(640, 640, true);
        // 1080p: 3/8 (720x405) is the smallest that covers 640x360.
        assertThat(NATIVE.dctScale(1920, 1080, letterbox)).isEqualTo("3/8");
        assertThat(NATIVE.dctScale(1280, 720, letterbox)).isEqualTo("1/2");
        assertThat(NATIVE.dctScale(2560, 1440, letterbox)).isEqualTo("1/4");
        assertThat(NATIVE.dctScale(1024, 768, letterbox)).isEqualTo("5/8");
        assertThat(IMAGEIO.dctScale(1920, 1080, letterbox)).isEqualTo("1/1");
        // With the power-of-two rule: 1/2 (960x540) has 1.8x the pixels of 3/8 and libjpeg-turbo
        // decodes it faster (SIMD inverse DCT); for 1024x768, 1/1 would be 2.6x those of 5/8.
        TurboJpeg turbo = TurboJpeg.instance().orElseThrow();
        assertThat(TurboJpeg.scale(turbo.covering(1920, 1080, 640, 360, true))).isEqualTo("1/2");
        assertThat(TurboJpeg.scale(turbo.covering(2560, 1440, 640, 360, true))).isEqualTo("1/4");
        assertThat(TurboJpeg.scale(turbo.covering(1024, 768, 640, 480, true))).isEqualTo("5/8");

        byte[] jpeg = new SceneRenderer(2, 1920, 1080).jpeg(0, 0.8f);
        try (ImageDecoder.Decoding d = NATIVE.decode(jpeg, letterbox, DecodeBudget.unbounded())) {
            assertThat(d.image().width()).isEqualTo(720);
            assertThat(d.image().height()).isEqualTo(405);
        }
    }

    @Test
    void greyJpegsAreReplicatedIntoEveryChannel() throws Exception {
        BufferedImage grey = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = grey.createGraphics();
        g.setColor(new Color(200, 200, 200));
        g.fillRect(0, 0, 64, 48);
        g.dispose();
        byte[] jpeg = encode(grey, "jpg");

        for (ImageDecoder decoder : List.of(NATIVE, IMAGEIO)) {
            float[] t =
                    new Preprocessor(model(8, 8, "stretch", "NCHW", "float32"), decoder)
                            .apply(jpeg)
                            .floats();
            for (float v : t) {
                assertThat(v).isCloseTo(200 / 255f, org.assertj.core.data.Offset.offset(3 / 255f));
            }
        }
    }

    @Test
    void yuv420JpegsKeepTheirColour() throws Exception {
        // ImageIO writes three-channel JPEGs as YCbCr 4:2:0, as cameras and video encoders do.
        byte[] jpeg = TestImagesAt.split(64, 32, Color.RED, Color.BLUE);
        for (ImageDecoder decoder : List.of(NATIVE, IMAGEIO)) {
            Preprocessor.Tensor t =
                    new Preprocessor(model(8, 4, "stretch", "NHWC", "uint8"), decoder).apply(jpeg);
            byte[] px = t.uint8();
            // NHWC: pixel (1, 1) left half red, pixel (6, 2) right half blue
            int left = (1 * 8 + 1) * 3;
            int right = (2 * 8 + 6) * 3;
            assertThat(px[left] & 0xff).as("red R").isGreaterThan(230);
            assertThat(px[left + 2] & 0xff).as("red B").isLessThan(25);
            assertThat(px[right] & 0xff).as("blue R").isLessThan(25);
            assertThat(px[right + 2] & 0xff).as("blue B").isGreaterThan(230);
        }
    }

    @Test
    void cmykJpegsAreConvertedToRgb() throws Exception {
        // Adobe's inverted CMYK, as Photoshop writes it: pure red is C=0 M=1 Y=1 K=0 of ink,
        // stored as 255 - ink.
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 32, 32, 4, null);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                cmyk.setPixel(x, y, new int[] {255, 0, 0, 255});
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(cmyk, null, null), null);
        }
        writer.dispose();
        byte[] jpeg = bytes.toByteArray();

        for (ImageDecoder decoder : List.of(NATIVE, IMAGEIO)) {
            byte[] px =
                    new Preprocessor(model(4, 4, "stretch", "NHWC", "uint8"), decoder)
                            .apply(jpeg)
                            .uint8();
            assertThat(px[0] & 0xff).as("R").isGreaterThan(240);
            assertThat(px[1] & 0xff).as("G").isLessThan(15);
            assertThat(px[2] & 0xff).as("B").isLessThan(15);
        }
    }

    @Test
    void sixteenBitPngsAreReadAtEightBits() throws Exception {
        ComponentColorModel cm =
                new ComponentColorModel(
                        ColorSpace.getInstance(ColorSpace.CS_sRGB),
                        false,
                        false,
                        Transparency.OPAQUE,
                        DataBuffer.TYPE_USHORT);
        WritableRaster raster =
                Raster.createInterleavedRaster(
                        DataBuffer.TYPE_USHORT,
                        16,
                        16,
                        16 * 3,
                        3,
                        new int[] {0, 1, 2},
                        new Point());
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                raster.setPixel(x, y, new int[] {65535, 32896, 0});
            }
        }
        byte[] png = encode(new BufferedImage(cm, raster, false, null), "png");
        BufferedImage grey16 = new BufferedImage(16, 16, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSample(0, 0, 0, 65535);
        byte[] greyPng = encode(grey16, "png");

        byte[] px =
                new Preprocessor(model(4, 4, "stretch", "NHWC", "uint8"), NATIVE)
                        .apply(png)
                        .uint8();
        float[] grey =
                new Preprocessor(model(16, 16, "stretch", "NCHW", "float32"), NATIVE)
                        .apply(greyPng)
                        .floats();

        assertThat(List.of(px[0] & 0xff, px[1] & 0xff, px[2] & 0xff)).containsExactly(255, 128, 0);
        assertThat(grey[0]).isEqualTo(1f);
        assertThat(grey[256]).as("green plane, replicated").isEqualTo(1f);
        assertThat(grey[1]).isEqualTo(0f);
    }

    @Test
    void uint8NhwcLetterboxPadsWithThePadValue() throws Exception {
        byte[] white = io.coedge.testing.TestImages.solid("png", 200, 100, Color.WHITE);
        ModelSpec m =
                new ModelSpec(
                        "m",
                        new ModelSpec.InputSpec("input", 10, 10, 3, "NHWC", "uint8"),
                        new ModelSpec.Preprocess(
                                "letterbox",
                                1.0 / 255.0,
                                List.of(0.0, 0.0, 0.0),
                                List.of(1.0, 1.0, 1.0),
                                "BGR",
                                7),
                        new ModelSpec.Postprocess("classification", List.of("a"), 0.25, 0.45, 1),
                        8);

        Preprocessor.Tensor t = new Preprocessor(m).apply(white);

        byte[] px = t.uint8();
        assertThat(px).hasSize(300);
        assertThat(t.letterbox()).isEqualTo(new Letterbox(0.05, 0.05, 0, 2.0, 200, 100));
        assertThat(px[0]).as("top row: padding").isEqualTo((byte) 7);
        assertThat(px[(5 * 10 + 5) * 3] & 0xff).as("centre: the image").isEqualTo(255);
        assertThat(px[(9 * 10 + 5) * 3 + 2]).as("bottom row: padding").isEqualTo((byte) 7);
    }

    @Test
    void aFrameLargerThanTheNodesDecodeBudgetIsRefusedAsTooLarge() throws Exception {
        byte[] jpeg = new SceneRenderer(1, 1280, 720).jpeg(0, 0.8f);
        for (ImageDecoder decoder : List.of(NATIVE, IMAGEIO)) {
            Preprocessor p =
                    new Preprocessor(model(1280, 720, "stretch", "NCHW", "float32"), decoder);

            assertThatThrownBy(() -> p.apply(jpeg, new DecodeBudget(1 << 20)))
                    .isInstanceOfSatisfying(
                            ImageDecodeException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_LARGE))
                    .hasMessageContaining("this node decodes at most 1 MiB at once");
            DecodeBudget budget = new DecodeBudget(16L << 20);
            assertThat(p.apply(jpeg, budget).floats()).hasSize(3 * 1280 * 720);
            assertThat(budget.inUse()).as("given back").isZero();
        }
    }

    @Test
    void aJpegWithABrokenHeaderDoesNotSpoilTheNextFrameOnTheSameThread() throws Exception {
        assumeNative();
        byte[] good = TestImagesAt.split(64, 32, Color.RED, Color.BLUE);
        byte[] broken = good.clone();
        int dht = 2;
        while (!((broken[dht] & 0xff) == 0xff && (broken[dht + 1] & 0xff) == 0xc4)) {
            dht++;
        }
        // The 16 code-length counts of the first Huffman table: more codes than can exist.
        for (int i = dht + 5; i < dht + 5 + 16; i++) {
            broken[i] = (byte) 0x7f;
        }
        Preprocessor p = new Preprocessor(model(8, 4, "stretch", "NHWC", "uint8"), NATIVE);

        byte[] before = p.apply(good).uint8();
        assertThatThrownBy(() -> p.apply(broken))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining("JPEG");
        byte[] after = p.apply(good).uint8();

        assertThat(after).isEqualTo(before);
    }

    /** Two-colour JPEGs. */
    static final class TestImagesAt {
        static byte[] split(int w, int h, Color left, Color right) throws Exception {
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = image.createGraphics();
            g.setColor(left);
            g.fillRect(0, 0, w / 2, h);
            g.setColor(right);
            g.fillRect(w / 2, 0, w - w / 2, h);
            g.dispose();
            return encode(image, "jpg");
        }
    }
}
