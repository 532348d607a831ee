package io.coedge.operators.pre;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Turns an encoded frame into the model's input tensor on the CPU: decode ({@link ImageDecoder}:
 * libjpeg-turbo with DCT-domain downscaling, ImageIO as the fallback), then one pass that resizes
 * (stretch or letterbox, a triangle filter as wide as the downscale so nothing aliases, which is
 * bilinear when enlarging), pads, normalises ({@code (v x scale - mean) / std}, float32) or keeps
 * the 0..255 value (uint8), and lays the result out NCHW or NHWC in the model's channel order. No
 * intermediate images; a few rows of floats. Thread-safe.
 */
public final class Preprocessor {
    /**
     * One image's tensor in the model's layout, {@code float32} ({@link #floats}) or {@code uint8}
     * ({@link #uint8}, the other null), and how boxes map back to the source frame.
     */
    public record Tensor(float[] floats, byte[] uint8, Letterbox letterbox) {
        /** Appends this tensor to a little-endian buffer, as the sidecar reads it. */
        public void writeTo(ByteBuffer littleEndian) {
            if (uint8 != null) {
                littleEndian.put(uint8);
            } else {
                littleEndian.asFloatBuffer().put(floats);
                littleEndian.position(littleEndian.position() + floats.length * Float.BYTES);
            }
        }

        /** The values as floats, whichever the dtype (tests and tools). */
        public float[] values() {
            if (floats != null) {
                return floats;
            }
            float[] v = new float[uint8.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = uint8[i] & 0xff;
            }
            return v;
        }
    }

    private final ModelSpec.InputSpec input;
    private final ImageDecoder decoder;
    private final ImageDecoder.Target target;
    private final boolean letterbox;
    private final boolean rgb;
    private final boolean uint8;
    private final boolean channelsLast;
    private final int padValue;

    /** Per model channel: value = pixel x mul + add. */
    private final float[] mul = new float[3];

    private final float[] add = new float[3];

    public Preprocessor(ModelSpec model) {
        this(model, ImageDecoder.system());
    }

    public Preprocessor(ModelSpec model, ImageDecoder decoder) {
        this.input = model.input();
        this.decoder = decoder;
        ModelSpec.Preprocess p = model.preprocess();
        this.letterbox = p.resize().equals("letterbox");
        this.target = new ImageDecoder.Target(input.width(), input.height(), letterbox);
        this.rgb = p.channelOrder().equals("RGB");
        this.uint8 = input.uint8();
        this.channelsLast = input.channelsLast();
        this.padValue = p.padValue();
        List<Double> m = p.mean();
        List<Double> s = p.std();
        for (int c = 0; c < 3; c++) {
            mul[c] = (float) (p.scale() / s.get(c));
            add[c] = (float) (-m.get(c) / s.get(c));
        }
    }

    /** Elements of one image's tensor. */
    public int elements() {
        return input.elements();
    }

    /** Bytes of one image's tensor. */
    public long bytes() {
        return (long) input.elements() * input.elementBytes();
    }

    public boolean nativeDecoding() {
        return decoder.isNative();
    }

    public Tensor apply(byte[] encoded) throws ImageDecodeException {
        return apply(encoded, DecodeBudget.unbounded());
    }

    /**
     * The tensor of one frame, its decode memory taken from {@code budget}. Every failure is this
     * frame's: {@code CORRUPT_IMAGE}, {@code IMAGE_TOO_LARGE}, or {@code OUT_OF_MEMORY} when the
     * heap ran out meanwhile.
     */
    public Tensor apply(byte[] encoded, DecodeBudget budget) throws ImageDecodeException {
        try (ImageDecoder.Decoding d = decoder.decode(encoded, target, budget)) {
            return write(d.image());
        } catch (OutOfMemoryError e) {
            throw new ImageDecodeException(
                    ErrorCode.OUT_OF_MEMORY,
                    "out of memory pre-processing a " + encoded.length + "-byte frame");
        }
    }

    private Tensor write(DecodedImage image) {
        int w = input.width();
        int h = input.height();
        int sw = image.sourceWidth();
        int sh = image.sourceHeight();
        int nw = w;
        int nh = h;
        int px = 0;
        int py = 0;
        if (letterbox) {
            int[] scaled = target.need(sw, sh);
            nw = scaled[0];
            nh = scaled[1];
            px = (w - nw) / 2;
            py = (h - nh) / 2;
        }
        Letterbox box = new Letterbox((double) nw / sw, (double) nh / sh, px, py, sw, sh);
        int n = input.elements();
        float[] floats = uint8 ? null : new float[n];
        byte[] bytes = uint8 ? new byte[n] : null;
        int plane = w * h;
        // Where channel c of pixel (x, y) goes: base(y, x) + c * channelStep.
        int channelStep = channelsLast ? 1 : plane;
        int pixelStep = channelsLast ? 3 : 1;
        // Source channel of model channel c: decoded pixels are RGB (or one grey channel).
        int[] from = new int[3];
        for (int c = 0; c < 3; c++) {
            from[c] = image.channels() == 1 ? 0 : rgb ? c : 2 - c;
        }
        pad(floats, bytes, w, h, px, py, nw, nh, channelStep, pixelStep);

        Filter fx = new Filter(image.width(), nw);
        Filter fy = new Filter(image.height(), nh);
        int ch = image.channels();
        int rowLength = nw * ch;
        int ring = fy.taps + 1;
        float[][] rows = new float[ring][rowLength];
        int[] rowOf = new int[ring];
        java.util.Arrays.fill(rowOf, -1);
        float[] acc = new float[rowLength];
        byte[] src = image.pixels();
        int srcStride = image.width() * ch;
        for (int oy = 0; oy < nh; oy++) {
            int tapBase = oy * fy.taps;
            boolean first = true;
            for (int t = 0; t < fy.taps; t++) {
                float wy = fy.weight[tapBase + t];
                if (wy == 0f) {
                    continue;
                }
                int sy = fy.index[tapBase + t];
                int slot = sy % ring;
                float[] row = rows[slot];
                if (rowOf[slot] != sy) {
                    horizontal(src, sy * srcStride, ch, fx, nw, row);
                    rowOf[slot] = sy;
                }
                if (first) {
                    for (int i = 0; i < rowLength; i++) {
                        acc[i] = wy * row[i];
                    }
                    first = false;
                } else {
                    for (int i = 0; i < rowLength; i++) {
                        acc[i] += wy * row[i];
                    }
                }
            }
            int yBase = (py + oy) * w + px;
            for (int c = 0; c < 3; c++) {
                int a = from[c];
                int o = yBase * pixelStep + c * channelStep;
                if (uint8) {
                    for (int ox = 0; ox < nw; ox++, a += ch, o += pixelStep) {
                        int q = (int) (acc[a] + 0.5f);
                        bytes[o] = (byte) (q < 0 ? 0 : Math.min(q, 255));
                    }
                } else {
                    float m = mul[c];
                    float k = add[c];
                    for (int ox = 0; ox < nw; ox++, a += ch, o += pixelStep) {
                        floats[o] = acc[a] * m + k;
                    }
                }
            }
        }
        return new Tensor(floats, bytes, box);
    }

    private static void horizontal(byte[] src, int offset, int ch, Filter fx, int nw, float[] row) {
        int taps = fx.taps;
        if (ch == 3) {
            for (int ox = 0, t0 = 0; ox < nw; ox++, t0 += taps) {
                float r = 0;
                float g = 0;
                float b = 0;
                for (int t = t0; t < t0 + taps; t++) {
                    float wx = fx.weight[t];
                    int i = offset + fx.index[t] * 3;
                    r += wx * (src[i] & 0xff);
                    g += wx * (src[i + 1] & 0xff);
                    b += wx * (src[i + 2] & 0xff);
                }
                row[ox * 3] = r;
                row[ox * 3 + 1] = g;
                row[ox * 3 + 2] = b;
            }
        } else {
            for (int ox = 0, t0 = 0; ox < nw; ox++, t0 += taps) {
                float v = 0;
                for (int t = t0; t < t0 + taps; t++) {
                    v += fx.weight[t] * (src[offset + fx.index[t]] & 0xff);
                }
                row[ox] = v;
            }
        }
    }

    private void pad(
            float[] floats,
            byte[] bytes,
            int w,
            int h,
            int px,
            int py,
            int nw,
            int nh,
            int channelStep,
            int pixelStep) {
        if (nw == w && nh == h) {
            return;
        }
        for (int y = 0; y < h; y++) {
            boolean inside = y >= py && y < py + nh;
            for (int x = 0; x < w; x++) {
                if (inside && x >= px && x < px + nw) {
                    x = px + nw - 1;
                    continue;
                }
                int at = (y * w + x) * pixelStep;
                for (int c = 0; c < 3; c++) {
                    if (bytes != null) {
                        bytes[at + c * channelStep] = (byte) padValue;
                    } else {
                        floats[at + c * channelStep] = padValue * mul[c] + add[c];
                    }
                }
            }
        }
    }

    /**
     * Resampling weights from {@code in} samples to {@code out}: a triangle (tent) filter as wide
     * as the scale when shrinking, bilinear when enlarging; edges clamp. Pixel centres align as in
     * OpenCV and Pillow.
     */
    static final class Filter {
        final int taps;
        final int[] index;
        final float[] weight;

        Filter(int in, int out) {
            double scale = (double) in / out;
            double support = Math.max(1.0, scale);
            // floor(centre + support) - floor(centre - support) <= ceil(2 x support) samples
            // have a weight above zero.
            taps = (int) Math.ceil(2 * support);
            index = new int[out * taps];
            weight = new float[out * taps];
            for (int o = 0; o < out; o++) {
                double centre = (o + 0.5) * scale - 0.5;
                int first = (int) Math.floor(centre - support) + 1;
                double sum = 0;
                for (int t = 0; t < taps; t++) {
                    int i = first + t;
                    double wgt = Math.max(0, 1 - Math.abs(i - centre) / support);
                    index[o * taps + t] = Math.max(0, Math.min(in - 1, i));
                    weight[o * taps + t] = (float) wgt;
                    sum += wgt;
                }
                for (int t = 0; t < taps; t++) {
                    weight[o * taps + t] /= (float) sum;
                }
            }
        }
    }

    /** The little-endian buffer for a batch of {@code frames} of this model's tensors. */
    public ByteBuffer allocate(int frames) {
        return ByteBuffer.allocate(Math.toIntExact(frames * bytes()))
                .order(ByteOrder.LITTLE_ENDIAN);
    }
}
