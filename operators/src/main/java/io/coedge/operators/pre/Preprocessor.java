package io.coedge.operators.pre;

import io.coedge.catalog.ModelSpec;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Turns an encoded frame into the model's input tensor on the CPU: decode, resize (stretch or
 * letterbox), scale, subtract mean, divide by std, in the model's channel order, laid out CHW.
 * Stateless and thread-safe.
 */
public final class Preprocessor {
    /** YOLOv8's letterbox padding grey. */
    private static final Color PAD = new Color(114, 114, 114);

    /** One image's tensor (CHW, float32) and how boxes map back to the source frame. */
    public record Tensor(float[] chw, Letterbox letterbox) {}

    private final ModelSpec.InputSpec input;
    private final boolean letterbox;
    private final boolean rgb;
    private final float scale;
    private final float[] mean = new float[3];
    private final float[] invStd = new float[3];

    public Preprocessor(ModelSpec model) {
        this.input = model.input();
        ModelSpec.Preprocess p = model.preprocess();
        this.letterbox = p.resize().equals("letterbox");
        this.rgb = p.channelOrder().equals("RGB");
        this.scale = (float) p.scale();
        List<Double> m = p.mean();
        List<Double> s = p.std();
        for (int c = 0; c < 3; c++) {
            mean[c] = m.get(c).floatValue();
            invStd[c] = (float) (1.0 / s.get(c));
        }
    }

    /** Elements of one image's tensor. */
    public int elements() {
        return input.elements();
    }

    public Tensor apply(byte[] encoded) throws ImageDecodeException {
        BufferedImage source = decode(encoded);
        int w = input.width();
        int h = input.height();
        BufferedImage target = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = target.createGraphics();
        g.setRenderingHint(
                RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        Letterbox box;
        if (letterbox) {
            double s = Math.min((double) w / source.getWidth(), (double) h / source.getHeight());
            int nw = Math.max(1, (int) Math.round(source.getWidth() * s));
            int nh = Math.max(1, (int) Math.round(source.getHeight() * s));
            int px = (w - nw) / 2;
            int py = (h - nh) / 2;
            g.setColor(PAD);
            g.fillRect(0, 0, w, h);
            g.drawImage(source, px, py, nw, nh, null);
            box =
                    new Letterbox(
                            (double) nw / source.getWidth(),
                            (double) nh / source.getHeight(),
                            px,
                            py,
                            source.getWidth(),
                            source.getHeight());
        } else {
            g.drawImage(source, 0, 0, w, h, null);
            box =
                    new Letterbox(
                            (double) w / source.getWidth(),
                            (double) h / source.getHeight(),
                            0,
                            0,
                            source.getWidth(),
                            source.getHeight());
        }
        g.dispose();
        return new Tensor(toChw(target), box);
    }

    private float[] toChw(BufferedImage image) {
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        int plane = input.width() * input.height();
        float[] out = new float[3 * plane];
        // Source bytes are B, G, R; output channel c takes R/G/B (RGB) or B/G/R (BGR).
        int[] sourceOffset = rgb ? new int[] {2, 1, 0} : new int[] {0, 1, 2};
        for (int c = 0; c < 3; c++) {
            int off = sourceOffset[c];
            float m = mean[c];
            float k = invStd[c];
            int base = c * plane;
            for (int i = 0; i < plane; i++) {
                out[base + i] = ((bgr[i * 3 + off] & 0xff) * scale - m) * k;
            }
        }
        return out;
    }

    static BufferedImage decode(byte[] encoded) throws ImageDecodeException {
        if (encoded.length >= 2
                && (encoded[0] & 0xff) == 0xff
                && (encoded[1] & 0xff) == 0xd8
                && !hasJpegEnd(encoded)) {
            // Java's JPEG reader only warns on a truncated stream and returns a half-grey image.
            throw new ImageDecodeException("truncated JPEG: no end-of-image marker");
        }
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(encoded));
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException("cannot decode image: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new ImageDecodeException("no decoder accepts this image");
        }
        return image;
    }

    /** An EOI marker (FF D9) at the end, allowing for a little trailing padding. */
    private static boolean hasJpegEnd(byte[] d) {
        int end = d.length - 1;
        int limit = Math.max(1, d.length - 64);
        while (end >= limit && d[end] == 0) {
            end--;
        }
        return end >= 1 && (d[end] & 0xff) == 0xd9 && (d[end - 1] & 0xff) == 0xff;
    }
}
