package io.coedge.kafka.camera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class JpegSplitterTest {

    private static byte[] jpeg(int w, int h, Color color) throws Exception {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.WHITE);
        g.drawString("frame", 3, h / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    /** The JPEG with an APP1 segment right after SOI whose payload holds an EOI marker. */
    private static byte[] withEoiInsideSegment(byte[] jpeg) {
        byte[] payload = {
            'E', 'x', 'i', 'f', 0, 0, (byte) 0xFF, (byte) 0xD9, (byte) 0xFF, (byte) 0xD8
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write(0);
        out.write(payload.length + 2);
        out.write(payload, 0, payload.length);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    @Test
    void splitsConcatenatedImagesWhateverTheReadSizes() throws Exception {
        byte[] a = jpeg(64, 48, Color.RED);
        byte[] b = withEoiInsideSegment(jpeg(32, 32, Color.BLUE));
        byte[] c = jpeg(120, 20, Color.GREEN);
        byte[] stream = concat(a, b, c, a);
        for (int seed = 0; seed < 50; seed++) {
            List<byte[]> out = new ArrayList<>();
            JpegSplitter splitter = new JpegSplitter(out::add, 1 << 20);
            Random random = new Random(seed);
            for (int i = 0; i < stream.length; ) {
                int n = Math.min(stream.length - i, 1 + random.nextInt(seed < 10 ? 3 : 700));
                splitter.feed(stream, i, n);
                i += n;
            }
            assertThat(out).hasSize(4);
            assertThat(out.get(0)).isEqualTo(a);
            assertThat(out.get(1)).isEqualTo(b);
            assertThat(out.get(2)).isEqualTo(c);
            assertThat(out.get(3)).isEqualTo(a);
            assertThat(splitter.skippedBytes()).isZero();
            assertThat(splitter.inImage()).isFalse();
            assertThat(ImageIO.read(new java.io.ByteArrayInputStream(out.get(2))).getWidth())
                    .isEqualTo(120);
        }
    }

    @Test
    void bytesOutsideImagesAndMalformedImagesAreSkippedAndCounted() throws Exception {
        byte[] a = jpeg(16, 16, Color.RED);
        byte[] junk = {1, 2, (byte) 0xFF, 3, (byte) 0xFF};
        // SOI then a byte where a marker must be: dropped, counted
        byte[] broken = {(byte) 0xFF, (byte) 0xD8, 0x42};
        List<byte[]> out = new ArrayList<>();
        JpegSplitter splitter = new JpegSplitter(out::add, 1 << 20);
        byte[] stream = concat(junk, broken, a);
        splitter.feed(stream, 0, stream.length);

        assertThat(out).hasSize(1);
        assertThat(out.get(0)).isEqualTo(a);
        assertThat(splitter.skippedBytes()).isEqualTo(junk.length + broken.length);
    }

    @Test
    void anImageEndingMidStreamIsHeldUntilItsEnd() throws Exception {
        byte[] a = jpeg(16, 16, Color.RED);
        List<byte[]> out = new ArrayList<>();
        JpegSplitter splitter = new JpegSplitter(out::add, 1 << 20);
        splitter.feed(a, 0, a.length - 1);
        assertThat(out).isEmpty();
        assertThat(splitter.inImage()).isTrue();
        splitter.feed(a, a.length - 1, 1);
        assertThat(out).hasSize(1);
        assertThat(Arrays.equals(out.get(0), a)).isTrue();
    }

    @Test
    void anImageBeyondTheLimitIsAnError() throws Exception {
        byte[] a = jpeg(200, 200, Color.RED);
        JpegSplitter splitter = new JpegSplitter(x -> {}, 100);
        assertThatThrownBy(() -> splitter.feed(a, 0, a.length))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exceeds 100 bytes");
    }
}
